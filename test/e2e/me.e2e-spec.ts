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
import { api, TestServer } from '../support/test-app';

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

    // A spend tells no cache: the balance /v1/me shows is read with the request, on every instance.
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
    for (const instance of instances) expect((await meOn(instance, user)).credits).toEqual({ balance: 6 });
  });
});
