export type { StripeErrorBody } from './api-error';
export type { CheckoutCompletionOptions } from './billing/checkout';
export type { RecordedRequest, RequestFilter } from './request-log';
export { ScenarioError } from './scenario-error';
export type { PaymentOverride, ScenarioEvents, ScenarioResult, Scenarios } from './scenarios';
export type { StoreSnapshot } from './store';
export type { RateLimitReason, StripeBehaviour, TrafficSummary } from './stripe-load';
export { signedWebhook, type SignedWebhook, type SigningOptions } from './signing';
export {
  StripeDouble,
  type DropOptions,
  type FailOptions,
  type HangOptions,
  type StripeClientOptions,
  type StripeDoubleOptions,
} from './stripe-double';
export type * from './types';
