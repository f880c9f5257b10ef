import { bearer, signUp, TestAccount } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  checkout,
  createPlan,
  creditPackPlan,
  deliverAll,
  features,
  FREE_FEATURES,
  MeBody,
  PAID_FEATURES,
  PlanBody,
  priceOf,
} from '../support/billing';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import { api, dbPoolAcquires, TestServer } from '../support/test-app';

/**
 * GET /v1/me answers entitlements from the guard's cache on each instance. The SPEC allows one second for
 * a change to reach every instance: these tests warm both caches, change what the account may do with a
 * webhook delivered to the first instance, and time how long until each instance's /v1/me shows it.
 */
describe('GET /v1/me: entitlements from the cache, changed on every instance within a second', () => {
  let world: BillingWorld;
  let instances: [TestServer, TestServer];
  let pro: PlanBody;
  let pack: PlanBody;

  beforeAll(async () => {
    world = await startBillingWorld({ instances: 2 });
    instances = twoInstances(world);
    pro = await createPlan(world.server, world.asAdmin);
    pack = await createPlan(world.server, world.asAdmin, creditPackPlan(uniquePlanKey('me-pack'), 7));
  });
  afterAll(() => world?.stop());

  async function meOn(instance: TestServer, user: TestAccount): Promise<MeBody> {
    return (await api(instance).get('/v1/me').set(bearer(user)).expect(200)).body as MeBody;
  }

  /** Milliseconds until `holds` is true of /v1/me on the instance, polled every 10 ms; fails after 3 s. */
  async function msUntilMe(
    instance: TestServer,
    user: TestAccount,
    holds: (me: MeBody) => boolean,
  ): Promise<number> {
    const startedAt = Date.now();
    for (;;) {
      if (holds(await meOn(instance, user))) return Date.now() - startedAt;
      if (Date.now() - startedAt > 3_000) throw new Error('/v1/me did not show the change within 3 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('shows a subscription and its plan on both instances within a second of the webhook', async () => {
    const user = await signUp(world.server.url, 'me-subscribe');
    await api(world.server).post('/v1/projects').set(bearer(user)).send({ name: 'counted' }).expect(201);
    for (const instance of instances) {
      const before = await meOn(instance, user);
      expect(before.subscription).toBeNull();
      expect(features(before.entitlements)).toEqual(FREE_FEATURES);
      expect(before.entitlements.find((entry) => entry.feature === 'projects')?.used).toBe(1);
    }

    const session = await checkout(world.server, user, priceOf(pro, 'month').id);
    const completion = world.stripe.scenarios.completeCheckoutSession(session.id, {
      subscriptionStatus: 'active',
    });
    await deliverAll(world.server, world.stripe, completion.events);
    const subscribed = (me: MeBody) => me.subscription?.status === 'active';
    const waits = await Promise.all(instances.map((instance) => msUntilMe(instance, user, subscribed)));
    expect(waits.every((ms) => ms < 1_000)).toBe(true);

    for (const instance of instances) {
      const after = await meOn(instance, user);
      expect(after.subscription).toMatchObject({ status: 'active', plan: pro.key, quantity: 1 });
      expect(features(after.entitlements)).toEqual(PAID_FEATURES);
      expect(after.entitlements.find((entry) => entry.feature === 'projects')).toEqual({
        feature: 'projects',
        limit: null,
        used: 1,
      });
      expect(after.account).toMatchObject({ personal: true, role: 'owner' });
    }
  });

  it('shows bought credits on both instances within a second of the webhook', async () => {
    const user = await signUp(world.server.url, 'me-credits');
    for (const instance of instances) expect((await meOn(instance, user)).credits).toEqual({ balance: 0 });

    const session = await checkout(world.server, user, priceOf(pack, 'one_time').id);
    const completion = world.stripe.scenarios.completeCheckoutSession(session.id);
    await deliverAll(world.server, world.stripe, completion.events);
    const waits = await Promise.all(
      instances.map((instance) => msUntilMe(instance, user, (me) => me.credits.balance === 7)),
    );
    expect(waits.every((ms) => ms < 1_000)).toBe(true);

    // A spend sends no notice: the instance that spent shows it at once, the other within a second.
    const project = await api(world.server)
      .post('/v1/projects')
      .set(bearer(user))
      .send({ name: 'p' })
      .expect(201);
    await api(world.server)
      .post('/v1/exports')
      .set(bearer(user))
      .send({ projectId: project.body.id as string })
      .expect(201);
    expect((await meOn(instances[0], user)).credits).toEqual({ balance: 6 });
    expect(await msUntilMe(instances[1], user, (me) => me.credits.balance === 6)).toBeLessThan(1_000);
  });

  it("serves a warm page without the database, its own instance's writes at once and the other's within a second", async () => {
    const [first, second] = instances;
    const user = await signUp(world.server.url, 'me-own-writes');
    for (const instance of instances) expect((await meOn(instance, user)).name).toBeNull();
    const projectsUsed = (me: MeBody) => me.entitlements.find((entry) => entry.feature === 'projects')?.used;

    // Warm, the page costs no database round trip: 100 requests that queried would add 100 (background
    // workers poll meanwhile, and an entry is read again after PROFILE_TTL_MS).
    const before = await dbPoolAcquires(first);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => meOn(first, user)));
    }
    expect((await dbPoolAcquires(first)) - before).toBeLessThan(25);

    const project = await api(first).post('/v1/projects').set(bearer(user)).send({ name: 'p' }).expect(201);
    expect(projectsUsed(await meOn(first, user))).toBe(1);
    expect(await msUntilMe(second, user, (me) => projectsUsed(me) === 1)).toBeLessThan(1_000);

    await api(second).patch('/v1/me').set(bearer(user)).send({ name: 'Renamed' }).expect(200);
    // A rename is announced: both instances show it on the next request.
    expect((await meOn(second, user)).name).toBe('Renamed');
    expect(await msUntilMe(first, user, (me) => me.name === 'Renamed')).toBeLessThan(100);

    await api(second)
      .delete(`/v1/projects/${project.body.id as string}`)
      .set(bearer(user))
      .expect(204);
    expect(projectsUsed(await meOn(second, user))).toBe(0);
    expect(await msUntilMe(first, user, (me) => projectsUsed(me) === 0)).toBeLessThan(1_000);
  });
});
