/** Past this many remembered changes, all are forgotten and everything kept before them is stale. */
export const MAX_REMEMBERED_CHANGES = 10_000;

/** What a change concerns: a user (`identity`), an account's holdings (`usage`), an account wherever listed (`entitlements`). */
export type ProfileChange = 'user' | 'holdings' | 'account';

/**
 * Numbers changes and stamps each on what it concerns, so that something loaded when the count stood at
 * `since` is known stale when anything it shows changed from then on, a change that raced the load
 * included. A change costs a map write, whatever the number of entries kept.
 */
export class ProfileStamps {
  private count = 0;
  private everythingChangedAt = 0;
  private readonly changedAt: Record<ProfileChange, Map<string, number>> = {
    user: new Map(),
    holdings: new Map(),
    account: new Map(),
  };

  /** The number of the latest change: what a load beginning now is stale after. */
  get current(): number {
    return this.count;
  }

  changed(change: ProfileChange, id: string): void {
    const stamps = this.changedAt[change];
    stamps.set(id, ++this.count);
    // Stamps older than an entry's life matter to none; rather than sweep them, start over now and then.
    if (stamps.size > MAX_REMEMBERED_CHANGES) this.everythingChanged();
  }

  everythingChanged(): void {
    this.everythingChangedAt = ++this.count;
    for (const stamps of Object.values(this.changedAt)) stamps.clear();
  }

  /** Whether nothing about the user, the acting account's holdings or the listed accounts changed after `since`. */
  unchangedSince(
    since: number,
    userId: string,
    accountId: string,
    listed: readonly { id: string }[],
  ): boolean {
    if (this.everythingChangedAt > since) return false;
    if ((this.changedAt.user.get(userId) ?? 0) > since) return false;
    if ((this.changedAt.holdings.get(accountId) ?? 0) > since) return false;
    for (const account of listed) if ((this.changedAt.account.get(account.id) ?? 0) > since) return false;
    return true;
  }
}
