import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

import { applyMigrations } from '../../src/database/migrations/migration-runner';
import { bearer, signUp, TestAccount } from '../support/accounts';
import { msUntil } from '../support/eventually';
import { must } from '../support/must';
import { api, dbPoolAcquires, TestServer } from '../support/test-app';
import { provideTestDatabase, TestDatabaseServer } from '../support/test-database';
import { startTwoInstances, stopTwoInstances } from '../support/two-instances';

const PROBLEM = /^application\/problem\+json/;

interface AccountBody {
  id: string;
  name: string;
  personal: boolean;
  role: string;
}

async function sql<Row extends object = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('accounts: personal and team accounts, members and roles, acting for an account', () => {
  let database: TestDatabaseServer;
  let instances: [TestServer, TestServer];
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    ({ database, instances, asAdmin } = await startTwoInstances());
  });
  afterAll(() => stopTwoInstances({ instances, database }));

  const [first, second] = [() => api(instances[0]), () => api(instances[1])];

  async function accountsOf(user: TestAccount): Promise<AccountBody[]> {
    return (await first().get('/v1/accounts').set(bearer(user)).expect(200)).body.data as AccountBody[];
  }

  async function personalAccountOf(user: TestAccount): Promise<AccountBody> {
    return must(
      (await accountsOf(user)).find((account) => account.personal),
      'a personal account',
    );
  }

  async function createTeam(owner: TestAccount, name = 'Engines'): Promise<AccountBody> {
    return (await first().post('/v1/accounts').set(bearer(owner)).send({ name }).expect(201))
      .body as AccountBody;
  }

  /**
   * Makes the user a member the way the invitations of a later step will: in the database, announced on
   * the change feed like every membership change.
   */
  async function addMember(accountId: string, user: TestAccount, role: string): Promise<void> {
    await sql(
      database.url,
      `WITH added AS (INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3::"AccountRole") RETURNING user_id)
       SELECT pg_notify('tollgate_changes', json_build_object('kind', 'identity', 'userId', user_id)::text) FROM added`,
      [accountId, user.id, role],
    );
  }

  /** A team owned by a new user, with an admin and two members. */
  async function team() {
    const [owner, adminUser, member, otherMember] = await Promise.all([
      signUp(instances[0].url, 'owner'),
      signUp(instances[0].url, 'admin'),
      signUp(instances[0].url, 'member'),
      signUp(instances[0].url, 'member2'),
    ]);
    const account = await createTeam(owner);
    await addMember(account.id, adminUser, 'admin');
    await addMember(account.id, member, 'member');
    await addMember(account.id, otherMember, 'member');
    return { account, owner, admin: adminUser, member, otherMember };
  }

  function setRole(actor: TestAccount, accountId: string, userId: string, role: string) {
    return first().patch(`/v1/accounts/${accountId}/members/${userId}`).set(bearer(actor)).send({ role });
  }

  function removeMember(actor: TestAccount, accountId: string, userId: string, instance = first) {
    return instance().delete(`/v1/accounts/${accountId}/members/${userId}`).set(bearer(actor));
  }

  function expectProblem(
    response: { status: number; headers: Record<string, string>; body: { code: string } },
    status: number,
    code: string,
  ) {
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(PROBLEM);
  }

  it('gives every new user a personal account they own, acted for by default', async () => {
    const email = `ada-${randomUUID()}@example.test`;
    const signup = await first()
      .post('/v1/auth/signup')
      .send({ email, password: 'analytical-engine', name: 'Ada' })
      .expect(201);
    const user = { ...signup.body, id: signup.body.user.id } as TestAccount;
    const accounts = await accountsOf(user);
    expect(accounts).toEqual([{ id: expect.any(String), name: 'Ada', personal: true, role: 'owner' }]);
    const personal = must(accounts[0], 'the personal account');
    expect(personal.id).not.toBe(user.id);

    const session = await second().get('/v1/auth/session').set(bearer(user)).expect(200);
    expect(session.body).toEqual({ userId: user.id, email, role: 'user', accountId: personal.id });
    const me = await first().get('/v1/me').set(bearer(user)).expect(200);
    expect(me.body).toMatchObject({ id: user.id, email, accounts: [personal], account: personal });

    // Without a name, the part of the email before the @.
    const unnamed = await signUp(instances[0].url, 'unnamed');
    expect((await personalAccountOf(unnamed)).name).toBe(unnamed.email.split('@')[0]);

    // So does the admin the boot created.
    const adminAccounts = (await first().get('/v1/accounts').set(asAdmin).expect(200)).body.data;
    expect(adminAccounts).toEqual([expect.objectContaining({ personal: true, role: 'owner' })]);
  });

  it('creates, lists and renames team accounts; personal ones may be renamed too', async () => {
    const owner = await signUp(instances[0].url, 'creator');
    const created = await first()
      .post('/v1/accounts')
      .set(bearer(owner))
      .send({ name: 'Engines' })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Engines',
      personal: false,
      role: 'owner',
      createdAt: expect.any(String),
    });
    const personal = await personalAccountOf(owner);
    expect(await accountsOf(owner)).toEqual([
      personal,
      { id: created.body.id, name: 'Engines', personal: false, role: 'owner' },
    ]);

    const renamed = await first()
      .patch(`/v1/accounts/${created.body.id}`)
      .set(bearer(owner))
      .send({ name: 'Difference Engines' })
      .expect(200);
    expect(renamed.body).toEqual({ ...created.body, name: 'Difference Engines' });
    await first().patch(`/v1/accounts/${personal.id}`).set(bearer(owner)).send({ name: 'Mine' }).expect(200);
    expect((await personalAccountOf(owner)).name).toBe('Mine');

    for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 7 }]) {
      const refused = await first().post('/v1/accounts').set(bearer(owner)).send(body);
      expectProblem(refused, 400, 'validation_failed');
    }

    const logged = await first().get('/v1/admin/audit?action=account.created').set(asAdmin).expect(200);
    expect(logged.body.data).toContainEqual(
      expect.objectContaining({ actorId: owner.id, subjectId: owner.id }),
    );
  });

  it('lists the members to any member, the owner included; others get 404 account_not_found', async () => {
    const { account, owner, admin: adminUser, member, otherMember } = await team();
    const listed = await first().get(`/v1/accounts/${account.id}/members`).set(bearer(member)).expect(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.body).toEqual({
      data: [
        { userId: owner.id, email: owner.email, name: null, role: 'owner', joinedAt: expect.any(String) },
        ...[adminUser, member, otherMember].map((user) =>
          expect.objectContaining({ userId: user.id, email: user.email }),
        ),
      ],
      invitations: [],
    });
    expect(listed.body.data).toHaveLength(4);

    const stranger = await signUp(instances[0].url, 'stranger');
    for (const id of [account.id, randomUUID(), 'not-a-uuid']) {
      expectProblem(
        await first().get(`/v1/accounts/${id}/members`).set(bearer(stranger)),
        404,
        'account_not_found',
      );
      expectProblem(
        await first().patch(`/v1/accounts/${id}`).set(bearer(stranger)).send({ name: 'Mine now' }),
        404,
        'account_not_found',
      );
      expectProblem(await setRole(stranger, id, stranger.id, 'owner'), 404, 'account_not_found');
      expectProblem(await removeMember(stranger, id, owner.id), 404, 'account_not_found');
    }
    // A member renames nothing.
    expectProblem(
      await first().patch(`/v1/accounts/${account.id}`).set(bearer(member)).send({ name: 'Ours' }),
      403,
      'account_role_required',
    );
    await first()
      .patch(`/v1/accounts/${account.id}`)
      .set(bearer(adminUser))
      .send({ name: 'Ours' })
      .expect(200);
  });

  it('lets owners and admins change roles, only an owner make or unmake an owner, and keeps one owner', async () => {
    const { account, owner, admin: adminUser, member, otherMember } = await team();

    expectProblem(await setRole(member, account.id, otherMember.id, 'admin'), 403, 'account_role_required');
    expectProblem(await setRole(member, account.id, member.id, 'admin'), 403, 'account_role_required');
    const promoted = await setRole(adminUser, account.id, member.id, 'admin').expect(200);
    expect(promoted.body).toEqual({
      userId: member.id,
      email: member.email,
      name: null,
      role: 'admin',
      joinedAt: expect.any(String),
    });
    expectProblem(
      await setRole(adminUser, account.id, otherMember.id, 'owner'),
      403,
      'account_role_required',
    );
    expectProblem(await setRole(adminUser, account.id, adminUser.id, 'owner'), 403, 'account_role_required');
    expectProblem(await setRole(adminUser, account.id, owner.id, 'member'), 403, 'account_role_required');
    expectProblem(await setRole(owner, account.id, randomUUID(), 'admin'), 404, 'not_found');
    expectProblem(await setRole(owner, account.id, 'nobody', 'admin'), 400, 'validation_failed');
    expectProblem(await setRole(owner, account.id, member.id, 'boss'), 400, 'validation_failed');

    expectProblem(await setRole(owner, account.id, owner.id, 'admin'), 409, 'last_owner');
    await setRole(owner, account.id, adminUser.id, 'owner').expect(200);
    await setRole(owner, account.id, owner.id, 'member').expect(200);
    // The former owner, now a member, can no longer manage; the new one is the last owner.
    expectProblem(await setRole(owner, account.id, otherMember.id, 'admin'), 403, 'account_role_required');
    expectProblem(await setRole(adminUser, account.id, adminUser.id, 'admin'), 409, 'last_owner');

    const roles = (await first().get(`/v1/accounts/${account.id}/members`).set(bearer(owner)).expect(200))
      .body.data as { userId: string; role: string }[];
    expect(Object.fromEntries(roles.map((entry) => [entry.userId, entry.role]))).toEqual({
      [owner.id]: 'member',
      [adminUser.id]: 'owner',
      [member.id]: 'admin',
      [otherMember.id]: 'member',
    });
    const logged = await first().get('/v1/admin/audit?action=member.role_changed').set(asAdmin).expect(200);
    expect(logged.body.data).toContainEqual(
      expect.objectContaining({ actorId: owner.id, subjectId: owner.id }),
    );
  });

  it('lets members leave and owners and admins remove them; only an owner removes an owner; the last owner stays', async () => {
    const { account, owner, admin: adminUser, member, otherMember } = await team();

    expectProblem(await removeMember(member, account.id, otherMember.id), 403, 'account_role_required');
    expectProblem(await removeMember(adminUser, account.id, owner.id), 403, 'account_role_required');
    expectProblem(await removeMember(owner, account.id, owner.id), 409, 'last_owner');
    expectProblem(await removeMember(owner, account.id, randomUUID()), 404, 'not_found');

    await removeMember(member, account.id, member.id).expect(204);
    expectProblem(
      await first().get(`/v1/accounts/${account.id}/members`).set(bearer(member)),
      404,
      'account_not_found',
    );
    await removeMember(adminUser, account.id, otherMember.id).expect(204);
    await setRole(owner, account.id, adminUser.id, 'owner').expect(200);
    await removeMember(owner, account.id, adminUser.id).expect(204);

    const left = (await first().get(`/v1/accounts/${account.id}/members`).set(bearer(owner)).expect(200)).body
      .data;
    expect(left).toEqual([expect.objectContaining({ userId: owner.id, role: 'owner' })]);
    const logged = await first().get('/v1/admin/audit?action=member.removed').set(asAdmin).expect(200);
    expect(logged.body.data).toContainEqual(
      expect.objectContaining({ actorId: member.id, subjectId: member.id }),
    );

    // A personal account's only member can neither leave nor step down.
    const personal = await personalAccountOf(owner);
    expectProblem(await removeMember(owner, personal.id, owner.id), 409, 'last_owner');
    expectProblem(await setRole(owner, personal.id, owner.id, 'admin'), 409, 'last_owner');
  });

  it('never leaves an account without an owner when two owners step down at once', async () => {
    for (let round = 0; round < 3; round++) {
      const { account, owner, admin: other } = await team();
      await setRole(owner, account.id, other.id, 'owner').expect(200);
      const answers = await Promise.all([
        setRole(owner, account.id, owner.id, 'member'),
        removeMember(other, account.id, other.id, second),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual(
        answers[0]?.status === 200 ? [200, 409] : [204, 409],
      );
      const owners = await sql(
        database.url,
        `SELECT user_id FROM memberships WHERE account_id = $1 AND role = 'owner'`,
        [account.id],
      );
      expect(owners).toHaveLength(1);
    }
  });

  it('acts for the account X-Account-Id names when the caller is a member: 404 account_not_found otherwise', async () => {
    const { account, owner, member } = await team();
    const stranger = await signUp(instances[0].url, 'outsider');
    const asMember = (header: string) => ({ ...bearer(member), 'x-account-id': header });

    for (const instance of [first, second]) {
      const session = await instance().get('/v1/auth/session').set(asMember(account.id)).expect(200);
      expect(session.body.accountId).toBe(account.id);
      const upper = await instance()
        .get('/v1/auth/session')
        .set(asMember(account.id.toUpperCase()))
        .expect(200);
      expect(upper.body.accountId).toBe(account.id);
    }
    const me = await first().get('/v1/me').set(asMember(account.id)).expect(200);
    expect(me.body.id).toBe(member.id);
    expect(me.body.account).toEqual({ id: account.id, name: 'Engines', personal: false, role: 'member' });
    expect(me.body.accounts).toEqual([
      expect.objectContaining({ personal: true, role: 'owner' }),
      { id: account.id, name: 'Engines', personal: false, role: 'member' },
    ]);

    const strangersAccount = await personalAccountOf(stranger);
    for (const header of [strangersAccount.id, randomUUID(), 'not-a-uuid', `${account.id}x`, '']) {
      for (const instance of [first, second]) {
        const refused = await instance().get('/v1/auth/session').set(asMember(header));
        expectProblem(refused, 404, 'account_not_found');
      }
    }
    // The owner's own token is unaffected by a header naming the owner's account.
    await first()
      .get('/v1/me')
      .set({ ...bearer(owner), 'x-account-id': account.id })
      .expect(200);
  });

  it("takes a removed member's access to the team on the other instance within a second", async () => {
    const { account, owner, member } = await team();
    const actingForTeam = () =>
      second()
        .get('/v1/auth/session')
        .set({ ...bearer(member), 'x-account-id': account.id });
    await actingForTeam().expect(200);
    await first()
      .get('/v1/auth/session')
      .set({ ...bearer(member), 'x-account-id': account.id })
      .expect(200);

    await removeMember(owner, account.id, member.id).expect(204);
    expect(await msUntil(404, actingForTeam)).toBeLessThan(1_000);
    expect((await actingForTeam()).body.code).toBe('account_not_found');
    // Their own account still works.
    await second().get('/v1/auth/session').set(bearer(member)).expect(200);
  });

  it('resolves the acting team from the warm identity cache, without the database', async () => {
    const { account, member } = await team();
    const headers = { ...bearer(member), 'x-account-id': account.id };
    await second().get('/v1/auth/session').set(headers).expect(200);
    const acquires = () => dbPoolAcquires(instances[1]);
    const before = await acquires();
    for (let request = 0; request < 100; request++) {
      await second().get('/v1/auth/session').set(headers).expect(200);
    }
    // Background workers poll every second meanwhile; 100 requests that queried would add 100.
    expect((await acquires()) - before).toBeLessThan(15);
  });

  it('makes an API key act for the account it was created for, and only while its user belongs', async () => {
    const { account, owner, member } = await team();
    const personal = await personalAccountOf(member);
    const createKey = async (headers: Record<string, string>) =>
      (await first().post('/v1/api-keys').set(headers).send({ name: 'ci' }).expect(201)).body as {
        key: string;
        accountId: string;
      };
    const teamKey = await createKey({ ...bearer(member), 'x-account-id': account.id });
    const personalKey = await createKey(bearer(member));
    expect(teamKey.accountId).toBe(account.id);
    expect(personalKey.accountId).toBe(personal.id);

    const withKey = (key: string, header?: string) =>
      second()
        .get('/v1/auth/session')
        .set({ 'x-api-key': key, ...(header === undefined ? {} : { 'x-account-id': header }) });
    expect((await withKey(teamKey.key).expect(200)).body.accountId).toBe(account.id);
    expect((await withKey(teamKey.key, account.id.toUpperCase()).expect(200)).body.accountId).toBe(
      account.id,
    );
    expect((await withKey(personalKey.key).expect(200)).body.accountId).toBe(personal.id);
    expectProblem(await withKey(teamKey.key, personal.id), 404, 'account_not_found');
    expectProblem(await withKey(personalKey.key, account.id), 404, 'account_not_found');
    expectProblem(await withKey(personalKey.key, 'not-a-uuid'), 404, 'account_not_found');

    // A key sees its own account only.
    const listed = await first().get('/v1/accounts').set('x-api-key', teamKey.key).expect(200);
    expect(listed.body.data).toEqual([{ id: account.id, name: 'Engines', personal: false, role: 'member' }]);
    expectProblem(
      await first().get(`/v1/accounts/${personal.id}/members`).set('x-api-key', teamKey.key),
      404,
      'account_not_found',
    );
    expectProblem(
      await first().post('/v1/accounts').set('x-api-key', personalKey.key).send({ name: 'x' }),
      403,
      'forbidden_for_api_key',
    );

    // Leaving the team revokes the member's keys for it; a key whose user is no member stops too.
    await removeMember(owner, account.id, member.id).expect(204);
    expectProblem(await withKey(teamKey.key), 401, 'unauthenticated');
    await withKey(personalKey.key).expect(200);

    const other = await signUp(instances[0].url, 'keyholder');
    await addMember(account.id, other, 'member');
    const otherKey = await createKey({ ...bearer(other), 'x-account-id': account.id });
    await withKey(otherKey.key).expect(200);
    await sql(database.url, 'DELETE FROM memberships WHERE account_id = $1 AND user_id = $2', [
      account.id,
      other.id,
    ]);
    expectProblem(await withKey(otherKey.key), 401, 'unauthenticated');
  });

  it("deletes a user only once no team is left without an owner; the personal account's name goes", async () => {
    const { account, owner, admin: adminUser } = await team();
    const remove = () => first().delete('/v1/me').set(bearer(owner)).send({ password: owner.password });
    expectProblem(await remove(), 409, 'last_owner');
    await first().get('/v1/me').set(bearer(owner)).expect(200);

    await setRole(owner, account.id, adminUser.id, 'owner').expect(200);
    await remove().expect(204);
    const members = (
      await first().get(`/v1/accounts/${account.id}/members`).set(bearer(adminUser)).expect(200)
    ).body.data as { userId: string }[];
    expect(members.map((entry) => entry.userId)).not.toContain(owner.id);
    const personal = await sql<{ name: string }>(
      database.url,
      'SELECT name FROM accounts WHERE personal_user_id = $1',
      [owner.id],
    );
    expect(personal).toEqual([{ name: 'Deleted user' }]);
  });
});

describe('the accounts migration', () => {
  const migrationsDir = path.join(__dirname, '../../prisma/migrations');
  const folders = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const accountsMigration = must(
    folders.find((folder) => folder.endsWith('_accounts')),
    'the accounts migration',
  );
  let database: TestDatabaseServer;
  let earlierMigrations: string;

  beforeAll(async () => {
    database = await provideTestDatabase();
    earlierMigrations = mkdtempSync(path.join(tmpdir(), 'tollgate-migrations-'));
    for (const folder of folders.filter((name) => name < accountsMigration)) {
      cpSync(path.join(migrationsDir, folder), path.join(earlierMigrations, folder), { recursive: true });
    }
    copyFileSync(
      path.join(migrationsDir, 'migration_lock.toml'),
      path.join(earlierMigrations, 'migration_lock.toml'),
    );
  });
  afterAll(async () => {
    await database?.release();
    if (earlierMigrations) rmSync(earlierMigrations, { recursive: true, force: true });
  });

  it('gives every existing user, erased ones too, exactly one personal account they own, and their keys to it', async () => {
    await applyMigrations(database.url, { migrationsDir: earlierMigrations });
    const users = await sql<{ id: string; email: string; name: string | null }>(
      database.url,
      `INSERT INTO users (id, email, name, password_hash, updated_at, deleted_at, disabled_at) VALUES
         (gen_random_uuid(), 'ada@example.test', 'Ada Lovelace', 'x', now(), NULL, NULL),
         (gen_random_uuid(), 'charles@example.test', NULL, 'x', now(), NULL, NULL),
         (gen_random_uuid(), 'blank@example.test', '  ', 'x', now(), NULL, NULL),
         (gen_random_uuid(), 'deleted-1@deleted.invalid', NULL, '', now(), now(), now()),
         (gen_random_uuid(), 'long@example.test', repeat('n', 200), 'x', now(), NULL, NULL)
       RETURNING id, email, name`,
    );
    const ada = must(users[0], 'Ada');
    await sql(
      database.url,
      `INSERT INTO api_keys (id, user_id, name, prefix, key_hash) VALUES
         (gen_random_uuid(), $1, 'k1', 'tg_1', repeat('a', 64)), (gen_random_uuid(), $1, 'k2', 'tg_2', repeat('b', 64))`,
      [ada.id],
    );

    expect(await applyMigrations(database.url)).toEqual(folders.filter((name) => name >= accountsMigration));

    const accounts = await sql<{
      user_id: string;
      name: string;
      personal: boolean;
      owners: number;
      members: number;
    }>(
      database.url,
      `SELECT u.id AS user_id, a.name, a.personal,
              (SELECT count(*)::int FROM memberships m WHERE m.account_id = a.id AND m.user_id = u.id AND m.role = 'owner') AS owners,
              (SELECT count(*)::int FROM memberships m WHERE m.account_id = a.id) AS members
         FROM users u JOIN accounts a ON a.personal_user_id = u.id ORDER BY u.email`,
    );
    expect(accounts).toHaveLength(users.length);
    expect(new Set(accounts.map((account) => account.user_id))).toEqual(
      new Set(users.map((user) => user.id)),
    );
    for (const account of accounts) expect(account).toMatchObject({ personal: true, owners: 1, members: 1 });
    expect(accounts.map((account) => account.name).sort()).toEqual(
      ['Ada Lovelace', 'charles', 'blank', 'Deleted user', 'n'.repeat(100)].sort(),
    );
    const memberships = await sql(database.url, 'SELECT * FROM memberships');
    expect(memberships).toHaveLength(users.length);

    const keys = await sql<{ account_id: string; personal_user_id: string }>(
      database.url,
      'SELECT k.account_id, a.personal_user_id FROM api_keys k JOIN accounts a ON a.id = k.account_id',
    );
    expect(keys).toEqual([
      { account_id: expect.any(String), personal_user_id: ada.id },
      { account_id: expect.any(String), personal_user_id: ada.id },
    ]);
  });
});
