import { DomainError } from '../../common/errors/domain-error';
import { QuantityInputs, swapQuantity } from './subscription-quantity';

const PER_SEAT = { perSeat: true };
const FLAT = { perSeat: false };

function quantity(overrides: Partial<QuantityInputs>): number {
  return swapQuantity({
    use: 'change',
    price: FLAT,
    requested: undefined,
    members: 4,
    current: { perSeat: false, quantity: 1 },
    ...overrides,
  });
}

function refusal(overrides: Partial<QuantityInputs>): unknown {
  try {
    quantity(overrides);
  } catch (error) {
    return error instanceof DomainError ? { code: error.code, errors: error.extensions.errors } : error;
  }
  throw new Error('no refusal');
}

describe('swapQuantity', () => {
  it('buys a per-seat price for every member, on change and preview alike', () => {
    expect(quantity({ price: PER_SEAT })).toBe(4);
    expect(quantity({ price: PER_SEAT, use: 'preview', current: { perSeat: false, quantity: 3 } })).toBe(4);
  });

  it('lets a preview ask what another seat count of a per-seat price would cost', () => {
    expect(quantity({ price: PER_SEAT, use: 'preview', requested: 9 })).toBe(9);
  });

  it('refuses a quantity for a per-seat change, and for a preview of any other price', () => {
    for (const overrides of [
      { price: PER_SEAT, requested: 2 },
      { price: FLAT, use: 'preview' as const, requested: 2 },
    ]) {
      expect(refusal(overrides)).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'quantity' }],
      });
    }
  });

  it('keeps the quantity of a flat price unless the change sets one; 1 after a per-seat price', () => {
    expect(quantity({ current: { perSeat: false, quantity: 3 } })).toBe(3);
    expect(quantity({ use: 'preview', current: { perSeat: false, quantity: 3 } })).toBe(3);
    expect(quantity({ requested: 5, current: { perSeat: false, quantity: 3 } })).toBe(5);
    expect(quantity({ current: { perSeat: true, quantity: 4 } })).toBe(1);
  });
});
