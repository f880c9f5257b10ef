import { Provider } from '@nestjs/common';
import Stripe from 'stripe';

import { AppConfig } from '../../config/app-config';
import { PacedHttpClient } from './paced-http-client';
import { StripePacer } from './stripe-pacer';

export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/** stripe-node 23 pins this API version; objects and events are read in its shape. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/**
 * The one configured Stripe client, or null when no key is configured (billing answers 503). Its
 * requests are paced (`PacedHttpClient`).
 */
export const stripeClientProvider: Provider = {
  provide: STRIPE_CLIENT,
  inject: [AppConfig, StripePacer],
  useFactory: (config: AppConfig, pacer: StripePacer): Stripe | null => {
    const settings = config.stripe;
    if (!settings) return null;
    const base = settings.apiBase;
    return new Stripe(settings.secretKey, {
      apiVersion: STRIPE_API_VERSION,
      timeout: config.env.STRIPE_TIMEOUT_MS,
      maxNetworkRetries: config.env.STRIPE_MAX_NETWORK_RETRIES,
      httpClient: new PacedHttpClient(Stripe.createNodeHttpClient(), pacer),
      appInfo: { name: 'tollgate' },
      telemetry: false,
      ...(base
        ? {
            host: base.hostname,
            port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
            protocol: base.protocol === 'http:' ? 'http' : 'https',
          }
        : {}),
    });
  },
};
