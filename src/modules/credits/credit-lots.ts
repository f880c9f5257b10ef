/**
 * Which credits a spend takes. A balance is credits that never expire plus lots that do (an admin grant
 * with `expiresAt`, a pack with `creditsExpireAfterDays`); the lots hold part of it, never more.
 */

export interface CreditLotState {
  id: string;
  remaining: number;
  expiresAt: Date;
  createdAt: Date;
}

export interface LotTake {
  lotId: string;
  credits: number;
}

export interface CreditAllocation {
  fromLots: LotTake[];
  /** What comes from the credits that never expire. */
  unexpiring: number;
}

/** A spend: the balance left and the lots the credits came from (to give them back), or the balance short of it. */
export type CreditSpend =
  { spent: true; balanceAfter: number; fromLots: LotTake[] } | { spent: false; balance: number };

/** Names the credits that never expire where a lot id could be given. */
export const UNEXPIRING = 'unexpiring';

/** Soonest expiry first; of lots expiring together, the older first. Credits that never expire come last. */
export function spendOrder<Lot extends CreditLotState>(lots: readonly Lot[]): Lot[] {
  return [...lots].sort(
    (a, b) =>
      a.expiresAt.getTime() - b.expiresAt.getTime() ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Lots whose expiry has come (at `now` or before), in spend order. */
export function dueLots<Lot extends CreditLotState>(lots: readonly Lot[], now: Date): Lot[] {
  return spendOrder(lots.filter((lot) => lot.expiresAt.getTime() <= now.getTime()));
}

/**
 * Takes `amount` out of a balance: first from `first` (a lot's id, or UNEXPIRING) when given, then in
 * spend order. `lots` are the balance's live lots; the rest of `balance` never expires. Throws when the
 * balance does not cover `amount` or the lots hold more than the balance (callers check and lock first).
 */
export function allocate(
  amount: number,
  balance: number,
  lots: readonly CreditLotState[],
  first?: string,
): CreditAllocation {
  const inLots = lots.reduce((sum, lot) => sum + lot.remaining, 0);
  if (!Number.isInteger(amount) || amount < 0 || amount > balance || inLots > balance) {
    throw new RangeError(`cannot take ${amount} of ${balance} credits (${inLots} in lots)`);
  }
  let unexpiringLeft = balance - inLots;
  const fromLots = new Map<string, number>();
  let left = amount;
  const takeUnexpiring = () => {
    const taken = Math.min(left, unexpiringLeft);
    unexpiringLeft -= taken;
    left -= taken;
  };
  const takeLot = (lot: CreditLotState) => {
    const taken = Math.min(left, lot.remaining - (fromLots.get(lot.id) ?? 0));
    if (taken > 0) fromLots.set(lot.id, (fromLots.get(lot.id) ?? 0) + taken);
    left -= taken;
  };
  if (first === UNEXPIRING) takeUnexpiring();
  else if (first !== undefined) {
    const lot = lots.find((candidate) => candidate.id === first);
    if (lot) takeLot(lot);
  }
  for (const lot of spendOrder(lots)) {
    if (left === 0) break;
    takeLot(lot);
  }
  takeUnexpiring();
  return {
    fromLots: [...fromLots].map(([lotId, credits]) => ({ lotId, credits })),
    unexpiring: amount - [...fromLots.values()].reduce((sum, credits) => sum + credits, 0),
  };
}
