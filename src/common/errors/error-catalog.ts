/** Every machine code the API answers with; the OpenAPI description is generated from this table. */
export const ERROR_CATALOG = {
  validation_failed: {
    status: 400,
    title: 'Invalid request',
    description: 'The body, query or path did not validate; `errors` lists the fields.',
  },
  malformed_json: {
    status: 400,
    title: 'Malformed JSON',
    description: 'The request body is not valid JSON.',
  },
  malformed_request: {
    status: 400,
    title: 'Malformed request',
    description: 'The HTTP request or its URL could not be parsed, or a path segment is over 100 characters.',
  },
  weak_password: {
    status: 400,
    title: 'Weak password',
    description:
      'The password is too short or too long, among well-known breached passwords, or contains the email address before the @; `detail` says which.',
  },
  invalid_signature: {
    status: 400,
    title: 'Invalid signature',
    description: 'The Stripe-Signature header is missing, invalid or older than 300 s; nothing was stored.',
  },
  unauthenticated: {
    status: 401,
    title: 'Not authenticated',
    description: 'No valid bearer token or API key was given.',
  },
  session_revoked: {
    status: 401,
    title: 'Access revoked',
    description:
      'The token’s session was ended (logout, a spent refresh token used again, an admin) or its account was disabled or deleted; sign in again if allowed.',
  },
  invalid_token: {
    status: 400,
    title: 'Invalid link',
    description: 'The token of a mailed link is unknown, used already or expired; ask for a new mail.',
  },
  email_already_verified: {
    status: 409,
    title: 'Email confirmed already',
    description: 'The account’s email address is confirmed; there is nothing to resend.',
  },
  email_not_verified: {
    status: 403,
    title: 'Email not confirmed',
    description: 'REQUIRE_VERIFIED_EMAIL is set: confirm your email address first.',
  },
  wrong_password: {
    status: 403,
    title: 'Wrong password',
    description: 'The current password given to confirm this change is not the account’s password.',
  },
  invalid_refresh_token: {
    status: 401,
    title: 'Invalid refresh token',
    description: 'The refresh token is malformed, unknown or expired; sign in again.',
  },
  account_disabled: {
    status: 403,
    title: 'Account disabled',
    description: 'An admin disabled this account: it cannot sign in.',
  },
  invalid_credentials: {
    status: 401,
    title: 'Invalid credentials',
    description: 'Email or password is wrong.',
  },
  subscription_required: {
    status: 402,
    title: 'Payment required',
    description:
      'The feature needs a paid plan; `plans` lists the ones that unlock it and `actions.checkout` where to buy.',
  },
  feature_not_in_plan: {
    status: 402,
    title: 'Payment required',
    description: 'Your plan does not include the feature; upgrade to one of `plans`.',
  },
  payment_pending: {
    status: 402,
    title: 'Payment required',
    description:
      'Your first payment is still being confirmed (3-D Secure, async methods); retry after `Retry-After` seconds.',
  },
  past_due: {
    status: 402,
    title: 'Payment required',
    description:
      'A renewal payment failed and the grace period has ended; update the payment method in the portal.',
  },
  subscription_paused: {
    status: 402,
    title: 'Payment required',
    description: 'Your subscription is paused; resume it in the portal.',
  },
  limit_reached: {
    status: 402,
    title: 'Payment required',
    description:
      "You have reached your plan's limit for the feature (`limit: {limit, used}`); upgrade for more.",
  },
  quota_exhausted: {
    status: 402,
    title: 'Payment required',
    description:
      "You have used this period's quota of the feature (`quota: {limit, used, period, resetsAt}`); it resets at `resetsAt` (`Retry-After`), or upgrade for more.",
  },
  insufficient_credits: {
    status: 402,
    title: 'Payment required',
    description: 'Not enough credits (`credits: {required, balance}`); buy a credit pack.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description: 'Authenticated, but not allowed to do this (e.g. not an admin).',
  },
  insufficient_scope: {
    status: 403,
    title: 'Outside the API key’s scopes',
    description:
      'The API key lacks a scope this request needs: `read` for safe methods, `write` for others, `billing` also for billing writes, `admin` for admin routes.',
  },
  forbidden_for_api_key: {
    status: 403,
    title: 'Not with an API key',
    description: 'This needs a signed-in user (bearer token), not an API key: keys cannot create keys.',
  },
  not_found: { status: 404, title: 'Not found', description: 'No such resource or route.' },
  account_not_found: {
    status: 404,
    title: 'Account not found',
    description:
      'The account (a path id or X-Account-Id) is malformed, unknown, or not one you are a member of; an API key acts only for its own account.',
  },
  no_subscription: {
    status: 404,
    title: 'No subscription',
    description: 'You have no subscription; start one with POST /v1/billing/checkout.',
  },
  no_billing_account: {
    status: 404,
    title: 'No billing account',
    description: 'You have no Stripe customer yet; check out first.',
  },
  already_subscribed: {
    status: 409,
    title: 'Already subscribed',
    description: 'You have a live subscription; use the portal or POST /v1/billing/subscription/change.',
  },
  trial_used: {
    status: 409,
    title: 'Trial used',
    description:
      'The account has started the trial without a card of this plan before (each account gets it once per plan); check out instead.',
  },
  conflict: { status: 409, title: 'Conflict', description: 'The request conflicts with existing data.' },
  not_resumable: {
    status: 409,
    title: 'Nothing to resume',
    description:
      'The subscription is neither scheduled to cancel nor paused; POST /v1/billing/subscription/resume has nothing to undo.',
  },
  too_many_keys: {
    status: 409,
    title: 'Too many API keys',
    description: 'A user has at most 25 live API keys; revoke one first.',
  },
  account_role_required: {
    status: 403,
    title: 'Account role required',
    description:
      'Your role in the account does not allow this: owners and admins manage it, only an owner makes or unmakes an owner.',
  },
  billing_role_required: {
    status: 403,
    title: 'Billing role required',
    description:
      "Checkout, the portal, subscription changes, cancel, resume and previews need the account's owner or an admin; members share what it bought.",
  },
  last_owner: {
    status: 409,
    title: 'Last owner',
    description: 'The change would leave the account without an owner; make another member an owner first.',
  },
  already_member: {
    status: 409,
    title: 'Already a member',
    description: 'The invited address belongs to a member of the account already.',
  },
  invitation_email_mismatch: {
    status: 403,
    title: 'Invitation for another address',
    description: 'The invitation was sent to another email address: sign in as that user to accept it.',
  },
  last_admin: {
    status: 409,
    title: 'Last admin',
    description: 'The change would leave no active admin; make another account an admin first.',
  },
  email_taken: {
    status: 409,
    title: 'Email already registered',
    description: 'An account with this email exists; log in instead.',
  },
  plan_exists: {
    status: 409,
    title: 'Plan exists',
    description: 'A plan with this key exists already; plan keys are never reused.',
  },
  request_timeout: {
    status: 408,
    title: 'Request timeout',
    description: 'The request was not received in full in time.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    description: 'The request body exceeds the size limit.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description: 'Send JSON with Content-Type: application/json.',
  },
  headers_too_large: {
    status: 431,
    title: 'Request headers too large',
    description: 'The request headers exceed the size limit.',
  },
  too_many_attempts: {
    status: 429,
    title: 'Too many attempts',
    description: 'Too many failed logins for this email; wait for Retry-After seconds.',
  },
  too_many_requests: {
    status: 429,
    title: 'Too many requests',
    description: 'This client made too many requests of this kind (e.g. signups) for now; see Retry-After.',
  },
  rate_limited: {
    status: 429,
    title: 'Rate limited',
    description: 'Too many requests; wait for Retry-After seconds.',
  },
  internal_error: {
    status: 500,
    title: 'Internal error',
    description: 'An unexpected error; it was logged with the request id.',
  },
  stripe_rejected: {
    status: 400,
    title: 'Rejected by Stripe',
    description: 'Stripe refused the request; `detail` carries its message and `stripeCode` its code.',
  },
  billing_not_configured: {
    status: 503,
    title: 'Billing not configured',
    description: 'This server has no Stripe keys; everything but billing works.',
  },
  stripe_unavailable: {
    status: 503,
    title: 'Stripe unavailable',
    description: 'Stripe could not be reached or failed; retry shortly.',
  },
  database_unavailable: {
    status: 503,
    title: 'Database unavailable',
    description: 'PostgreSQL cannot be reached right now; retry shortly.',
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    description: 'A dependency is not ready.',
  },
} as const satisfies Record<string, { status: number; title: string; description: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function problemType(code: string): string {
  return `/problems/${code.replace(/_/g, '-')}`;
}
