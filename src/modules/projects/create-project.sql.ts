/** A project of the account, without a limit to check. */
export const CREATE_PROJECT = `
  INSERT INTO projects (id, account_id, name, created_at) VALUES (gen_random_uuid(), $1::uuid, $2::text, now())
  RETURNING id, account_id AS "accountId", name, created_at AS "createdAt"`;
