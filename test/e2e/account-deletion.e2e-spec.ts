import { bearer, signUp, TestAccount } from '../support/accounts';
import { adminHeaders } from '../support/admin';
import { createPlan, eventually, paidPlan, priceOf, subscribe, subscriptionOf } from '../support/billing';
import { BillingWorld, startBillingWorld } from '../support/billing-world';
import { api, TestServer } from '../support/test-app';
import { StripeDouble, SubscriptionObject } from '../stripe-double';

const PROBLEM = /^application\/problem\+json/;

describe('the account: name, export, and deletion by its user or an admin', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
  });
  afterEach(() => stripe.clearFaults());
  afterAll(() => world?.stop());

  const remove = (user: TestAccount, password: unknown) =>
    api(server).delete('/v1/me').set(bearer(user)).send({ password });

  it('changes the name (and clears it with null); refuses what is not a name', async () => {
    const user = await signUp(server.url, 'named');
    const renamed = await api(server).patch('/v1/me').set(bearer(user)).send({ name: 'Ada L.' }).expect(200);
    expect(renamed.headers['cache-control']).toBe('no-store');
    expect(renamed.body).toMatchObject({ id: user.id, name: 'Ada L.' });
    expect((await api(server).get('/v1/me').set(bearer(user))).body.name).toBe('Ada L.');
    await api(server).patch('/v1/me').set(bearer(user)).send({ name: null }).expect(200);
    expect((await api(server).get('/v1/me').set(bearer(user))).body.name).toBeNull();
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(201) }, { name: 42 }, { name: 'a\u0000b' }]) {
      const refused = await api(server).patch('/v1/me').set(bearer(user)).send(body).expect(400);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
    }
  });

  it('exports what is kept about the user, and nothing secret', async () => {
    const user = await signUp(server.url, 'exported');
    const key = await api(server).post('/v1/api-keys').set(bearer(user)).send({ name: 'ci' }).expect(201);
    await api(server).post('/v1/projects').set(bearer(user)).send({ name: 'mine' }).expect(201);
    const exported = await api(server).get('/v1/me/export').set(bearer(user)).expect(200);
    expect(exported.headers['cache-control']).toBe('no-store');
    expect(exported.body).toMatchObject({
      exportedAt: expect.any(String),
      user: { id: user.id, email: user.email },
      sessions: [expect.objectContaining({ id: expect.any(String), ip: '127.0.0.1' })],
      apiKeys: [expect.objectContaining({ id: key.body.id, name: 'ci' })],
      subscriptions: [],
      credits: { balance: 0, ledger: [] },
      projects: [expect.objectContaining({ name: 'mine' })],
    });
    const text = JSON.stringify(exported.body);
    for (const secret of [key.body.key, user.password, user.refreshToken]) expect(text).not.toContain(secret);
  });

  it('deletes the account with its password: Stripe subscription canceled, tokens and keys dead, email free', async () => {
    const plan = await createPlan(server, asAdmin, paidPlan());
    const user = await signUp(server.url, 'leaving');
    const { subscriptionId } = await subscribe(world, user, priceOf(plan, 'month'));
    const key = (await api(server).post('/v1/api-keys').set(bearer(user)).send({ name: 'k' }).expect(201))
      .body.key as string;

    const wrong = await remove(user, 'not my password').expect(403);
    expect(wrong.body.code).toBe('wrong_password');
    await api(server).delete('/v1/me').set('x-api-key', key).send({ password: user.password }).expect(403);
    await api(server).delete('/v1/me').set(bearer(user)).send({}).expect(400);
    await api(server).get('/v1/me').set(bearer(user)).expect(200);
    expect(stripe.retrieve<SubscriptionObject>(subscriptionId)?.status).toBe('active');

    await remove(user, user.password).expect(204);
    expect(stripe.retrieve<SubscriptionObject>(subscriptionId)?.status).toBe('canceled');
    expect((await api(server).get('/v1/me').set(bearer(user)).expect(401)).body.code).toBe('session_revoked');
    await api(server).get('/v1/me').set('x-api-key', key).expect(401);
    const refresh = await api(server).post('/v1/auth/refresh').send({ refreshToken: user.refreshToken });
    expect(refresh.body.code).toBe('session_revoked');
    await api(server).post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);

    const audit = await api(server).get(`/v1/admin/audit?action=user.deleted&actor=${user.id}`).set(asAdmin);
    expect(audit.body.data).toEqual([expect.objectContaining({ actorId: user.id, subjectId: user.id })]);

    // Billing records stay, without the person: the admin view keeps the canceled subscription.
    const detail = await api(server).get(`/v1/admin/users/${user.id}`).set(asAdmin).expect(200);
    expect(detail.body.user).toMatchObject({ id: user.id, name: null });
    expect(detail.body.user.email).not.toBe(user.email);
    expect(detail.body.subscription).toMatchObject({ status: 'canceled' });
    expect(JSON.stringify(detail.body)).not.toContain(user.email);

    // The address is free again: a new account, with nothing of the old one.
    const again = await api(server)
      .post('/v1/auth/signup')
      .send({ email: user.email, password: user.password })
      .expect(201);
    expect(again.body.user.id).not.toBe(user.id);
    const fresh = { ...user, id: again.body.user.id, accessToken: again.body.accessToken };
    expect(await subscriptionOf(server, fresh)).toBeNull();
  });

  it('deletes nothing when Stripe cannot cancel the subscription (503), and succeeds on retry', async () => {
    const plan = await createPlan(server, asAdmin, paidPlan());
    const user = await signUp(server.url, 'stripe-down');
    const { subscriptionId } = await subscribe(world, user, priceOf(plan, 'month'));
    stripe.failNext({ method: 'DELETE', path: '/v1/subscriptions/:id', status: 500, times: 100 });
    const failed = await remove(user, user.password).expect(503);
    expect(failed.body.code).toBe('stripe_unavailable');
    await api(server).get('/v1/me').set(bearer(user)).expect(200);
    stripe.clearFaults();
    await remove(user, user.password).expect(204);
    expect(stripe.retrieve<SubscriptionObject>(subscriptionId)?.status).toBe('canceled');
  });

  it('lets an admin delete a user, but never the last admin', async () => {
    const user = await signUp(server.url, 'removed');
    await api(server).delete(`/v1/admin/users/${user.id}`).set(bearer(user)).expect(403);
    await api(server).delete(`/v1/admin/users/${user.id}`).set(asAdmin).expect(204);
    await eventually(async () => {
      const gone = await api(server).get('/v1/me').set(bearer(user));
      expect(gone.body.code).toBe('session_revoked');
    });
    await api(server).delete(`/v1/admin/users/${user.id}`).set(asAdmin).expect(404);
    await api(server).patch(`/v1/admin/users/${user.id}`).set(asAdmin).send({ disabled: false }).expect(404);

    const me = (await api(server).get('/v1/auth/session').set(asAdmin).expect(200)).body as {
      userId: string;
    };
    const last = await api(server).delete(`/v1/admin/users/${me.userId}`).set(asAdmin).expect(409);
    expect(last.body.code).toBe('last_admin');
    const selfDelete = await api(server)
      .delete('/v1/me')
      .set(asAdmin)
      .send({ password: world.admin.ADMIN_PASSWORD });
    expect(selfDelete.status).toBe(409);
    await adminHeaders(server.url, world.admin);
  });
});
