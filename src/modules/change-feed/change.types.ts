/** What changed, as every instance hears it. A new kind of change is a new member here. */
export type Change =
  /** An account's entitlements may differ now (subscription, grant, credits). */
  | { kind: 'entitlements'; accountId: string }
  /** Who a user is or may be changed: their role, their account disabled or deleted. */
  | { kind: 'identity'; userId: string }
  /**
   * What an account holds or has used changed: its projects, its credit balance, its quotas' flushed
   * uses. These change on the request path, too often for a NOTIFY each, so only this instance hears
   * it (`ChangeFeed.local`); what other instances keep of them lives at most a second (`ProfileCache`).
   */
  | { kind: 'usage'; accountId: string }
  /** Plans, features or prices changed. */
  | { kind: 'catalog' }
  /** Mail was written to the outbox: every instance's mail worker looks for it now. */
  | { kind: 'mail' };

export type ChangeKind = Change['kind'];
export type ChangeOf<K extends ChangeKind> = Extract<Change, { kind: K }>;
