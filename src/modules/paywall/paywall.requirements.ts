export type PaywallRequirement =
  | { kind: 'feature'; feature: string }
  | { kind: 'limit'; feature: string }
  | { kind: 'credits'; credits: number };

export const PAYWALL_REQUIREMENTS = 'paywall:requirements';

/** What the guard leaves on the request for the handler. */
export interface PaywallContext {
  limits: Record<string, number | null>;
  creditsSpent: number;
  creditsRemaining: number | null;
}

export type PaywalledRequest = { paywall?: PaywallContext };
