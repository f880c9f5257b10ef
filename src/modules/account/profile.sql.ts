/**
 * Everything GET /v1/me reads besides the entitlements (which come from the guard's cache), in one
 * prepared statement: the user, their accounts (in `accountsOf`'s order), the acting account's
 * projects (the `projects` limit), its credit balance and its quotas' flushed uses (as `QuotaLeasesRepository.usage`).
 */
export const PROFILE = `
  SELECT u.id, u.email, u.name, u.role, u.email_verified_at IS NOT NULL AS "emailVerified",
    COALESCE((
      SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'personal', a.personal, 'role', m.role)
                      ORDER BY a.personal DESC, m.joined_at, m.account_id)
        FROM memberships m JOIN accounts a ON a.id = m.account_id
       WHERE m.user_id = u.id), '[]') AS accounts,
    (SELECT count(*)::int FROM projects p WHERE p.account_id = $2::uuid) AS projects,
    COALESCE((SELECT balance FROM credit_balances WHERE account_id = $2::uuid), 0) AS "creditBalance",
    COALESCE((
      SELECT json_agg(json_build_object('feature', k.feature, 'used', k.used, 'overage', k.overage))
        FROM (SELECT k.feature, COALESCE(SUM(q.used), 0)::int AS used, COALESCE(SUM(q.overage), 0)::int AS overage
                FROM UNNEST($3::text[], $4::timestamptz[]) AS k(feature, period_end)
                LEFT JOIN quota_leases q
                  ON q.account_id = $2::uuid AND q.feature = k.feature AND q.period_end = k.period_end
               GROUP BY k.feature) AS k), '[]') AS "quotaUses"
  FROM users u WHERE u.id = $1::uuid`;
