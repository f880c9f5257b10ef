/**
 * The part of a statement that spends credits while the account holds none that expire: `spent`
 * takes them off the balance only if it covers them and `lot_credits` is 0 (a concurrent change that
 * adds a lot makes PostgreSQL re-check the row, so the spend misses), and `entry` writes its ledger
 * entry (`balance_after`). `CreditsRepository.spendUnexpiring` is these alone; a route that pays for
 * its work puts its own CTEs around them, so spending and the work commit or fail together, and
 * `when` (SQL) lets the rest of the statement decide that nothing is spent (the resource is not found).
 * The arguments are the caller's parameters, cast (`$1::uuid`).
 */
export function unexpiringSpend(
  at: { account: string; credits: string; reason: string },
  when = 'true',
): string {
  return `spent AS (
      UPDATE credit_balances SET balance = balance - ${at.credits}, updated_at = now()
      WHERE account_id = ${at.account} AND balance >= ${at.credits} AND lot_credits = 0 AND (${when})
      RETURNING balance
    ), entry AS (
      INSERT INTO credit_entries (id, account_id, delta, balance_after, reason)
      SELECT gen_random_uuid(), ${at.account}, -${at.credits}, balance, ${at.reason} FROM spent
      RETURNING balance_after
    )`;
}
