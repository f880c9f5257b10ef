import { Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { rateLimitRetryDelay } from './request-pacing';
import { StripePacer } from './stripe-pacer';
import { stripeWork } from './stripe-work';

type RequestHeaders = Parameters<Stripe.HttpClient['makeRequest']>[4];

/**
 * The Stripe client's HTTP layer: every request (pages of a list and stripe-node's own retries
 * included) waits for its turn in the budget, and a 429 is retried here after a backoff (the
 * request never reached Stripe's processing, so sending it again with the same Idempotency-Key is
 * safe). A 429 handed back after the last retry says `Stripe-Should-Retry: false`, so stripe-node does
 * not retry it on top of ours; its retries of 409, 5xx and lost connections stay as configured.
 */
export class PacedHttpClient implements Stripe.HttpClient {
  private readonly logger = new Logger(PacedHttpClient.name);

  constructor(
    private readonly inner: Stripe.HttpClient,
    private readonly pacer: StripePacer,
  ) {}

  getClientName(): string {
    return this.inner.getClientName();
  }

  async makeRequest(
    host: string,
    port: string,
    path: string,
    method: string,
    headers: RequestHeaders,
    requestData: string,
    protocol: string,
    timeout: number,
  ): Promise<Stripe.HttpClientResponse> {
    const priority = stripeWork.priority();
    const askedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      await this.pacer.acquire(priority);
      let response: Stripe.HttpClientResponse;
      try {
        response = await this.inner.makeRequest(
          host,
          port,
          path,
          method,
          headers,
          requestData,
          protocol,
          timeout,
        );
      } finally {
        // Answered (its headers are in) or failed: it has reached Stripe or never will.
        this.pacer.release();
      }
      if (response.getStatusCode() !== 429) return response;
      this.pacer.rateLimited();
      const delay = rateLimitRetryDelay({
        priority,
        attempt,
        elapsedMs: Date.now() - askedAt,
        shouldRetry: headerOf(response, 'stripe-should-retry'),
        random: Math.random(),
      });
      if (delay === null) {
        this.logger.warn({
          msg: 'Stripe kept answering 429; giving up',
          method,
          path,
          priority,
          attempts: attempt,
        });
        return withoutRetryAdvice(response);
      }
      response.dispose?.();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function headerOf(response: Stripe.HttpClientResponse, name: string): string | undefined {
  const value = response.getHeaders()[name];
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/** The same answer, telling stripe-node not to retry it (we did). */
function withoutRetryAdvice(response: Stripe.HttpClientResponse): Stripe.HttpClientResponse {
  const headers = { ...response.getHeaders(), 'stripe-should-retry': 'false' };
  return {
    getStatusCode: () => response.getStatusCode(),
    getHeaders: () => headers,
    getRawResponse: () => response.getRawResponse(),
    toStream: (done) => response.toStream(done),
    toJSON: () => response.toJSON(),
    dispose: () => response.dispose?.(),
  };
}
