/** `liveAt(now)` in SQL, newest first as the list shows them. */
export const LIVE_KEYS = `
  SELECT id, name, account_id AS "accountId", prefix, created_at AS "createdAt",
         last_used_at AS "lastUsedAt", scopes, expires_at AS "expiresAt"
    FROM api_keys
   WHERE user_id = $1::uuid AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
   ORDER BY created_at DESC`;
