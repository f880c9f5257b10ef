export type StripeErrorType =
  'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error' | 'rate_limit_error';

/** The `error` member of a Stripe error response body. */
export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  request_log_url?: string;
  charge?: string;
  payment_intent?: Record<string, unknown>;
}

/**
 * An error the double answers with. Stripe only saves an idempotent result once the endpoint has
 * started executing, so parameter validation failures are not replayed on retry; card errors and
 * server errors are.
 */
export class StripeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: StripeErrorBody,
    readonly savedForIdempotentReplay = statusCode === 402 || statusCode >= 500,
  ) {
    super(body.message);
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

function invalidRequest(
  statusCode: number,
  message: string,
  extras: { code?: string; param?: string } = {},
): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (extras.code) {
    body.code = extras.code;
    body.doc_url = docUrl(extras.code);
  }
  if (extras.param) body.param = extras.param;
  return new StripeApiError(statusCode, body);
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(400, `Missing required param: ${param}.`, {
    code: 'parameter_missing',
    param,
  });
}

export function unknownParam(param: string): StripeApiError {
  return invalidRequest(400, `Received unknown parameter: ${param}`, {
    code: 'parameter_unknown',
    param,
  });
}

export function invalidParam(param: string, message: string, code?: string): StripeApiError {
  return invalidRequest(400, message, { param, code: code ?? 'parameter_invalid_empty' });
}

/** A malformed value: Stripe answers without an error code, naming the parameter. */
export function invalidValue(param: string, message: string): StripeApiError {
  return invalidRequest(400, message, { param });
}

export function exclusiveParams(params: string[]): StripeApiError {
  return invalidRequest(400, `You may only specify one of these parameters: ${params.join(', ')}.`, {
    code: 'parameter_invalid_empty',
    param: params[0],
  });
}

/**
 * `No such customer: 'cus_123'`. Stripe answers 404 when the id is in the URL path and 400 when it
 * is a parameter referencing another object.
 */
export function noSuchResource(
  resourceName: string,
  id: string,
  param: string,
  location: 'path' | 'param',
): StripeApiError {
  return invalidRequest(location === 'path' ? 404 : 400, `No such ${resourceName}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    404,
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  );
}

export function invalidState(message: string, param?: string): StripeApiError {
  return invalidRequest(400, message, { param });
}

export function missingApiKey(): StripeApiError {
  return invalidRequest(
    401,
    "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
  );
}

export function invalidApiKey(key: string): StripeApiError {
  const masked = key.length > 4 ? `${key.slice(0, 8)}${'*'.repeat(12)}${key.slice(-4)}` : key;
  return invalidRequest(401, `Invalid API Key provided: ${masked}`, { code: 'api_key_invalid' });
}

export function idempotencyKeyReused(key: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function cardDeclined(
  declineCode: string,
  message: string,
  references: { charge: string; payment_intent: Record<string, unknown> },
): StripeApiError {
  return new StripeApiError(402, {
    type: 'card_error',
    code: 'card_declined',
    decline_code: declineCode,
    doc_url: docUrl('card_declined'),
    message,
    charge: references.charge,
    payment_intent: references.payment_intent,
  });
}

/** The default body of an injected failure, chosen to look like what Stripe sends for that status. */
export function defaultErrorBodyForStatus(statusCode: number): StripeErrorBody {
  if (statusCode === 402) {
    return {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      doc_url: docUrl('card_declined'),
      message: 'Your card was declined.',
    };
  }
  if (statusCode === 409) {
    return {
      type: 'invalid_request_error',
      code: 'lock_timeout',
      doc_url: docUrl('lock_timeout'),
      message:
        'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.',
    };
  }
  if (statusCode === 429) {
    // The API reference's error types are api_error, card_error, idempotency_error and
    // invalid_request_error; a rate limit is the last with the code rate_limit (stripe-node goes by the 429).
    return {
      type: 'invalid_request_error',
      code: 'rate_limit',
      doc_url: docUrl('rate_limit'),
      message:
        'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    };
  }
  if (statusCode >= 500) {
    return {
      type: 'api_error',
      message:
        'An unknown error occurred while processing your request. Please try again later or contact support.',
    };
  }
  return { type: 'invalid_request_error', message: 'Invalid request.' };
}
