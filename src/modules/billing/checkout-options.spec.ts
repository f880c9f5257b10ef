import 'reflect-metadata';

import { loadEnvironment } from '../../config/environment';
import { checkoutCollection } from './checkout-options';

function settingsFrom(source: NodeJS.ProcessEnv) {
  const env = loadEnvironment(source);
  return { promotionCodes: env.CHECKOUT_PROMOTION_CODES, automaticTax: env.STRIPE_AUTOMATIC_TAX };
}

describe('checkout collection', () => {
  it('takes promotion codes and leaves tax alone by default', () => {
    expect(settingsFrom({})).toEqual({ promotionCodes: true, automaticTax: false });
    expect(checkoutCollection(settingsFrom({}))).toEqual({ allow_promotion_codes: true });
  });

  it('turns on Stripe Tax with a required billing address, tax ids and what Stripe needs saved', () => {
    const settings = settingsFrom({ STRIPE_AUTOMATIC_TAX: 'true', CHECKOUT_PROMOTION_CODES: 'false' });
    expect(checkoutCollection(settings)).toEqual({
      automatic_tax: { enabled: true },
      billing_address_collection: 'required',
      tax_id_collection: { enabled: true },
      customer_update: { address: 'auto', name: 'auto' },
    });
  });

  it('asks for nothing when both are off', () => {
    expect(checkoutCollection(settingsFrom({ CHECKOUT_PROMOTION_CODES: '0' }))).toEqual({});
  });

  it.each(['CHECKOUT_PROMOTION_CODES', 'STRIPE_AUTOMATIC_TAX'])(
    'refuses %s=maybe in one line naming the variable',
    (variable) => {
      expect(() => loadEnvironment({ [variable]: 'maybe' })).toThrow(
        new RegExp(`^Invalid configuration: ${variable} must be a boolean value \\(got "maybe"\\)$`),
      );
    },
  );
});
