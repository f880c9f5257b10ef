export type PaywallRequirement =
  | { kind: 'feature'; feature: string }
  | { kind: 'limit'; feature: string }
  /** `inHandler`: the handler spends them itself (`@SpendsCredits`), the interceptor does not. */
  | { kind: 'credits'; credits: number; inHandler?: boolean }
  | { kind: 'quota'; feature: string; units: number };

export const PAYWALL_REQUIREMENTS = 'paywall:requirements';

/** Whose entitlements a paywalled call is judged on, and the route it is made through (for the 402 log). */
export interface PaywallSubject {
  accountId: string;
  route: string;
}

/** What the paywall leaves on the request for the handler. */
export interface PaywallContext {
  limits: Record<string, number | null>;
  creditsSpent: number;
  creditsRemaining: number | null;
}

export type PaywalledRequest = { paywall?: PaywallContext };
