import { DomainError } from '../../common/errors/domain-error';

export const MAX_QUANTITY = 10_000;

export interface QuantityInputs {
  /** `change` makes the swap; `preview` asks Stripe what a swap would cost. */
  use: 'change' | 'preview';
  /** The price swapped to. */
  price: { perSeat: boolean };
  /** The quantity the body asked for, if any (validated 1..MAX_QUANTITY by the DTO). */
  requested: number | undefined;
  /** The account's member count (at least 1). */
  members: number;
  /** The live subscription now: its price's kind and its quantity. */
  current: { perSeat: boolean; quantity: number };
}

/**
 * The quantity a subscription is swapped (or previewed) at. A per-seat price is bought for every member,
 * and the seats sync keeps it so, so a change takes no quantity; a preview may ask what another seat count
 * would cost (SPEC: quantity is for per-seat prices). Any other price keeps the quantity it has (1 after a
 * per-seat price), and a change may set another one.
 */
export function swapQuantity({ use, price, requested, members, current }: QuantityInputs): number {
  if (price.perSeat) {
    if (requested !== undefined && use === 'change') {
      throw quantityRefused(
        `quantity is not taken for a per-seat price: it is the account's member count (${members})`,
      );
    }
    return requested ?? members;
  }
  if (requested !== undefined && use === 'preview') {
    throw quantityRefused('quantity is only for per-seat prices');
  }
  return requested ?? (current.perSeat ? 1 : current.quantity);
}

function quantityRefused(message: string): DomainError {
  return DomainError.validation([{ field: 'quantity', message }]);
}
