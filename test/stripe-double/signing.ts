import Stripe from 'stripe';

export interface SignedWebhook {
  /** The exact bytes to POST; the signature covers them, so send them unchanged. */
  body: string;
  headers: {
    'stripe-signature': string;
    'content-type': string;
    'user-agent': string;
  };
}

export interface SigningOptions {
  /** Unix seconds to sign with; defaults to now. An old one tests the replay tolerance. */
  timestamp?: number;
}

/**
 * Serialises and signs an event the way Stripe delivers it: pretty-printed JSON and a
 * `Stripe-Signature: t=…,v1=…` header computed by the stripe package itself.
 */
export function signedWebhook(event: object, secret: string, options: SigningOptions = {}): SignedWebhook {
  const body = JSON.stringify(event, null, 2);
  return {
    body,
    headers: {
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret,
        timestamp: options.timestamp,
      }),
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
  };
}
