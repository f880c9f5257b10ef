import { randomUUID } from 'node:crypto';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import {
  createPlan,
  creditPackPlan,
  deliverAll,
  eventually,
  features,
  FREE_FEATURES,
  PAID_FEATURES,
  paidPlan,
  PlanBody,
  PriceBody,
  priceOf,
} from '../support/billing';
import { msUntil } from '../support/eventually';
import { MailServer } from '../support/mail-server';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { StripeDouble } from '../stripe-double';

const REPORTS = '/v1/reports/summary';
const PROBLEM = /^application\/problem\+json/;

type Role = 'owner' | 'admin' | 'member';

/** The user's headers acting for `accountId`, or for their personal account without it. */
function actingFor(user: TestAccount, accountId?: string): Record<string, string> {
  return accountId ? { ...bearer(user), 'x-account-id': accountId } : bearer(user);
}

function expectProblem(
  response: { status: number; headers: Record<string, string>; body: { code: string } },
  status: number,
  code: string,
) {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(PROBLEM);
}

describe('team billing: the account pays, every member shares what it bought', () => {
  let world: BillingWorld;
  let mail: MailServer;
  let stripe: StripeDouble;
  let server: TestServer;
  let second: TestServer;
  let asAdmin: Record<string, string>;
  let pro: PlanBody;
  let packs: PlanBody;

  beforeAll(async () => {
    mail = await MailServer.start();
    world = await startBillingWorld({
      instances: 2,
      env: { SMTP_URL: mail.url, MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000' },
    });
    ({ stripe, asAdmin } = world);
    [server, second] = twoInstances(world);
    [pro, packs] = await Promise.all([
      createPlan(server, asAdmin, paidPlan()),
      createPlan(server, asAdmin, creditPackPlan(undefined, 5)),
    ]);
  });
  afterAll(async () => {
    await world?.stop();
    await mail?.stop();
  });

  async function createTeam(owner: TestAccount, name: string): Promise<string> {
    const created = await api(server).post('/v1/accounts').set(bearer(owner)).send({ name }).expect(201);
    return (created.body as { id: string }).id;
  }

  /** The user's personal account as a 402 names it. */
  async function personalAccountOf(user: TestAccount): Promise<{ id: string; name: string }> {
    const listed = await api(server).get('/v1/accounts').set(bearer(user)).expect(200);
    const { id, name } = must(
      (listed.body.data as { id: string; name: string; personal: boolean }[]).find((a) => a.personal),
      'a personal account',
    );
    return { id, name };
  }

  /** A new user who joins the team the way a person does: invited by mail, accepting the link's token. */
  async function join(
    owner: TestAccount,
    accountId: string,
    role: Role,
    label: string,
  ): Promise<TestAccount> {
    const user = await signUp(server.url, label);
    await api(server)
      .post(`/v1/accounts/${accountId}/invitations`)
      .set(bearer(owner))
      .send({ email: user.email, role })
      .expect(201);
    const invitation = await mail.waitForMail({ to: user.email, subject: /invited you/ });
    const link = must(
      invitation.links.find((candidate) => new URL(candidate).pathname === '/invitations/accept'),
      'an invitation link',
    );
    const token = new URL(link).searchParams.get('token');
    const accepted = await api(server).post('/v1/invitations/accept').set(bearer(user)).send({ token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.account).toMatchObject({ id: accountId, role });
    return user;
  }

  /** A team of a new owner with one member per role given, each joined by invitation. */
  async function team(name: string, roles: Role[] = ['member']) {
    const owner = await signUp(server.url, 'owner');
    const id = await createTeam(owner, name);
    const members = await Promise.all(roles.map((role, index) => join(owner, id, role, `${role}${index}`)));
    return { id, owner, members };
  }

  function checkoutFor(user: TestAccount, accountId: string, price: PriceBody) {
    return api(server)
      .post('/v1/billing/checkout')
      .set(actingFor(user, accountId))
      .send({ priceId: price.id });
  }

  /** The Checkout the payer starts for the account, paid on Stripe's page; the events are not delivered. */
  async function payAtCheckout(payer: TestAccount, accountId: string, price: PriceBody) {
    const session = await checkoutFor(payer, accountId, price).expect(201);
    return stripe.scenarios.completeCheckoutSession(session.body.id, { subscriptionStatus: 'active' });
  }

  async function subscribeAccount(payer: TestAccount, accountId: string, price: PriceBody) {
    const completion = await payAtCheckout(payer, accountId, price);
    await deliverAll(server, stripe, completion.events);
    await eventually(async () =>
      expect(
        (await api(server).get('/v1/billing/subscription').set(actingFor(payer, accountId)).expect(200)).body,
      ).toMatchObject({ status: 'active' }),
    );
    return completion;
  }

  function reports(instance: TestServer, user: TestAccount, accountId?: string) {
    return api(instance).get(REPORTS).set(actingFor(user, accountId));
  }

  /** How long until `user` (acting for `accountId`) gets `status` from the reports on each instance. */
  function msUntilOnBoth(status: number, user: TestAccount, accountId?: string): Promise<number[]> {
    return Promise.all(
      [server, second].map((instance) => msUntil(status, () => reports(instance, user, accountId))),
    );
  }

  it('opens the paid feature to a member within 1 s of the team paying, on both instances, and takes it away within 1 s of their removal', async () => {
    const { id: teamId, owner, members } = await team('Difference Engines');
    const member = must(members[0], 'a member');
    // Both instances have the member's identity and the team's entitlements cached before anything changes.
    for (const instance of [server, second]) {
      expectProblem(await reports(instance, member, teamId), 402, 'subscription_required');
      expectProblem(await reports(instance, member), 402, 'subscription_required');
    }

    stripe.clearRequests();
    const completion = await payAtCheckout(owner, teamId, priceOf(pro, 'month'));
    const created = must(
      stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })[0],
      'a checkout request',
    );
    expect(created.body).toMatchObject({ client_reference_id: teamId, metadata: { accountId: teamId } });

    // Stripe tells us the checkout completed; the app syncs the subscription from it.
    const completed = completion.event('checkout.session.completed');
    await deliverAll(server, stripe, [completed]);
    const opened = await msUntilOnBoth(200, member, teamId);
    console.log(
      `member gets the team's reports after checkout.session.completed: ${opened.join(' ms, ')} ms`,
    );
    for (const ms of opened) expect(ms).toBeLessThan(1_000);
    await deliverAll(
      server,
      stripe,
      completion.events.filter((event) => event.id !== completed.id),
    );
    // What the team bought is the team's: the member's own account is still free.
    for (const instance of [server, second]) {
      await reports(instance, member, teamId).expect(200);
      expectProblem(await reports(instance, member), 402, 'subscription_required');
      expectProblem(await reports(instance, owner), 402, 'subscription_required');
    }

    await api(server).delete(`/v1/accounts/${teamId}/members/${member.id}`).set(bearer(owner)).expect(204);
    const closed = await msUntilOnBoth(404, member, teamId);
    console.log(`removed member loses the team on both instances: ${closed.join(' ms, ')} ms`);
    for (const ms of closed) expect(ms).toBeLessThan(1_000);
    for (const instance of [server, second]) {
      expectProblem(await reports(instance, member, teamId), 404, 'account_not_found');
      expectProblem(await reports(instance, member), 402, 'subscription_required');
      await reports(instance, owner, teamId).expect(200);
    }
  });

  it('lets owners and admins bill for the team; a member gets 403 billing_role_required and Stripe hears nothing', async () => {
    const { id: teamId, members } = await team('Jacquard Looms', ['admin', 'member']);
    const [admin, member] = [must(members[0], 'an admin'), must(members[1], 'a member')];

    await subscribeAccount(admin, teamId, priceOf(pro, 'month'));
    const portal = await api(server).post('/v1/billing/portal').set(actingFor(admin, teamId)).expect(201);
    expect(portal.body.url).toMatch(/^https:\/\//);

    stripe.clearRequests();
    const refused = [
      await checkoutFor(member, teamId, priceOf(pro, 'year')),
      await checkoutFor(member, teamId, priceOf(packs, 'one_time')),
      await api(server).post('/v1/billing/portal').set(actingFor(member, teamId)),
      await api(second)
        .post('/v1/billing/subscription/change')
        .set(actingFor(member, teamId))
        .send({ priceId: priceOf(pro, 'year').id }),
    ];
    for (const response of refused) expectProblem(response, 403, 'billing_role_required');
    expect(stripe.requests()).toEqual([]);

    // Reading is any member's: the subscription stays as the admin bought it.
    const read = await api(second).get('/v1/billing/subscription').set(actingFor(member, teamId)).expect(200);
    expect(read.body).toMatchObject({ status: 'active', plan: pro.key, priceId: priceOf(pro, 'month').id });

    const changed = await api(server)
      .post('/v1/billing/subscription/change')
      .set(actingFor(admin, teamId))
      .send({ priceId: priceOf(pro, 'year').id })
      .expect(200);
    expect(changed.body).toMatchObject({ status: 'active', priceId: priceOf(pro, 'year').id });

    // The right to bill follows the member's role, on every instance.
    const portalOf = (user: TestAccount) =>
      api(second).post('/v1/billing/portal').set(actingFor(user, teamId));
    const setRole = (role: Role) =>
      api(server)
        .patch(`/v1/accounts/${teamId}/members/${member.id}`)
        .set(actingFor(admin, teamId))
        .send({ role })
        .expect(200);
    await setRole('admin');
    const promoted = await msUntil(201, () => portalOf(member));
    await setRole('member');
    const demoted = await msUntil(403, () => portalOf(member));
    console.log(`billing role follows a role change on the other instance: ${promoted} ms, ${demoted} ms`);
    expect(Math.max(promoted, demoted)).toBeLessThan(1_000);
    expectProblem(await portalOf(member), 403, 'billing_role_required');
  });

  it("shares the team's projects among its members, apart from their personal accounts, under the team's limit", async () => {
    const { id: teamId, owner, members } = await team('Analytical Engines', ['member', 'member']);
    const [ada, charles] = [must(members[0], 'a member'), must(members[1], 'another member')];
    const create = (user: TestAccount, name: string, accountId?: string) =>
      api(server).post('/v1/projects').set(actingFor(user, accountId)).send({ name });
    const names = async (user: TestAccount, accountId?: string) =>
      (
        (await api(second).get('/v1/projects').set(actingFor(user, accountId)).expect(200)).body.data as {
          name: string;
        }[]
      )
        .map((project) => project.name)
        .sort();

    const first = (await create(ada, 'orbit', teamId).expect(201)).body as { id: string };
    await create(ada, 'tides', teamId).expect(201);
    await create(charles, 'tables', teamId).expect(201);
    expect(await names(charles, teamId)).toEqual(['orbit', 'tables', 'tides']);
    expect(await names(owner, teamId)).toEqual(['orbit', 'tables', 'tides']);
    for (const user of [ada, charles, owner]) expect(await names(user)).toEqual([]);
    await api(second).get(`/v1/projects/${first.id}`).set(actingFor(charles, teamId)).expect(200);
    await api(second).get(`/v1/projects/${first.id}`).set(actingFor(ada)).expect(404);

    // The free plan's 3 projects are the team's 3, whoever made them.
    const refused = await create(charles, 'fourth', teamId);
    expectProblem(refused, 402, 'limit_reached');
    expect(refused.body).toMatchObject({
      feature: 'projects',
      limit: { limit: 3, used: 3 },
      account: { id: teamId, name: 'Analytical Engines' },
    });
    await create(charles, 'of my own').expect(201);
    expect(await names(charles)).toEqual(['of my own']);
  });

  it('names the acting account in the 402, and a renamed team by its new name on both instances within 1 s', async () => {
    const { id: teamId, owner, members } = await team('Colossus');
    const member = must(members[0], 'a member');
    const personal = await personalAccountOf(member);

    for (const instance of [server, second]) {
      const asTeam = await reports(instance, member, teamId);
      expectProblem(asTeam, 402, 'subscription_required');
      expect(asTeam.body.account).toEqual({ id: teamId, name: 'Colossus' });
      const asSelf = await reports(instance, member);
      expectProblem(asSelf, 402, 'subscription_required');
      expect(asSelf.body.account).toEqual(personal);
    }

    await api(server)
      .patch(`/v1/accounts/${teamId}`)
      .set(bearer(owner))
      .send({ name: 'Colossus Mark 2' })
      .expect(200);
    const renamed = await Promise.all(
      [server, second].map((instance) =>
        msUntil(200, async () => {
          const response = await reports(instance, member, teamId);
          return { status: response.body.account?.name === 'Colossus Mark 2' ? 200 : response.status };
        }),
      ),
    );
    console.log(`the 402 names the renamed team on both instances: ${renamed.join(' ms, ')} ms`);
    for (const ms of renamed) expect(ms).toBeLessThan(1_000);
    expect((await reports(second, member)).body.account).toEqual(personal);

    // The team's 402s are the team's, as an admin reads them.
    await eventually(async () => {
      const detail = await api(server).get(`/v1/admin/accounts/${teamId}`).set(asAdmin).expect(200);
      expect(detail.body.recentPaymentRequired[0]).toMatchObject({
        code: 'subscription_required',
        feature: 'reports',
        route: REPORTS,
      });
    });
  });

  it("describes the acting account in /v1/me; an X-Account-Id that is malformed or not the caller's is 404 account_not_found", async () => {
    const { id: teamId, owner, members } = await team('Harvard Mark I');
    const member = must(members[0], 'a member');
    await subscribeAccount(owner, teamId, priceOf(pro, 'month'));
    const personal = await personalAccountOf(member);

    const asTeam = await api(second).get('/v1/me').set(actingFor(member, teamId)).expect(200);
    expect(asTeam.body).toMatchObject({
      id: member.id,
      account: { id: teamId, name: 'Harvard Mark I', personal: false, role: 'member' },
      subscription: { status: 'active', plan: pro.key },
      credits: { balance: 0 },
    });
    expect(features(asTeam.body.entitlements)).toEqual(PAID_FEATURES);
    expect(asTeam.body.accounts).toEqual([
      { ...personal, personal: true, role: 'owner' },
      { id: teamId, name: 'Harvard Mark I', personal: false, role: 'member' },
    ]);

    const asSelf = await api(second).get('/v1/me').set(bearer(member)).expect(200);
    expect(asSelf.body).toMatchObject({
      id: member.id,
      account: { ...personal, personal: true, role: 'owner' },
      subscription: null,
    });
    expect(features(asSelf.body.entitlements)).toEqual(FREE_FEATURES);

    const stranger = await signUp(server.url, 'stranger');
    const strangersTeam = await createTeam(stranger, 'Elsewhere');
    const ownersPersonal = (await personalAccountOf(owner)).id;
    const refusals = [];
    for (const header of ['not-a-uuid', `${teamId}x`, randomUUID(), strangersTeam, ownersPersonal]) {
      for (const instance of [server, second]) {
        const response = await api(instance).get('/v1/me').set(actingFor(member, header));
        expectProblem(response, 404, 'account_not_found');
        refusals.push(response.body);
      }
    }
    // Unknown, foreign and malformed look alike: nothing says whether the account exists.
    for (const body of refusals) expect(body).toEqual(refusals[0]);
    // Nor does a guarded route: no 402 naming someone else's account, no list of their projects.
    for (const path of [REPORTS, '/v1/projects']) {
      const response = await api(second).get(path).set(actingFor(member, strangersTeam));
      expectProblem(response, 404, 'account_not_found');
      expect(response.body).toEqual({ ...refusals[0], instance: path });
    }
  });

  it('lets admins read a team with its members and billing, grant it features for every member, and reconcile it', async () => {
    const { id: teamId, owner, members } = await team('Z3');
    const member = must(members[0], 'a member');
    await subscribeAccount(owner, teamId, priceOf(pro, 'month'));

    const detail = await api(server).get(`/v1/admin/accounts/${teamId}`).set(asAdmin).expect(200);
    expect(detail.body.account).toMatchObject({ id: teamId, name: 'Z3', personal: false });
    expect(
      (detail.body.account.members as { userId: string; role: string }[])
        .map(({ userId, role }) => ({ userId, role }))
        .sort((a, b) => a.role.localeCompare(b.role)),
    ).toEqual([
      { userId: member.id, role: 'member' },
      { userId: owner.id, role: 'owner' },
    ]);
    expect(detail.body.subscription).toMatchObject({ status: 'active', plan: pro.key });
    expect(features(detail.body.entitlements)).toEqual(PAID_FEATURES);

    const reconciled = await api(second)
      .post(`/v1/admin/accounts/${teamId}/reconcile`)
      .set(asAdmin)
      .expect(200);
    expect(reconciled.body).toEqual({
      subscription: expect.objectContaining({ status: 'active', plan: pro.key }),
      credits: { balance: 0 },
    });

    // The user routes keep acting on the personal account: the team's subscription is not the member's.
    const personal = await personalAccountOf(member);
    const asUser = await api(server).get(`/v1/admin/users/${member.id}`).set(asAdmin).expect(200);
    expect(asUser.body).toMatchObject({
      user: { id: member.id },
      accountId: personal.id,
      subscription: null,
    });
    expect(features(asUser.body.entitlements)).toEqual(FREE_FEATURES);

    const unknown = randomUUID();
    expectProblem(
      await api(server).get(`/v1/admin/accounts/${unknown}`).set(asAdmin),
      404,
      'account_not_found',
    );
    expectProblem(
      await api(server)
        .post(`/v1/admin/accounts/${unknown}/grants`)
        .set(asAdmin)
        .send({ feature: 'reports' }),
      404,
      'account_not_found',
    );
    expectProblem(
      await api(server).post(`/v1/admin/accounts/${unknown}/reconcile`).set(asAdmin),
      404,
      'account_not_found',
    );
    expectProblem(
      await api(server).delete(`/v1/admin/accounts/${unknown}/grants/${randomUUID()}`).set(asAdmin),
      404,
      'account_not_found',
    );
    const asOwner = actingFor(owner, teamId);
    for (const refused of [
      await api(server).get(`/v1/admin/accounts/${teamId}`).set(asOwner),
      await api(server).post(`/v1/admin/accounts/${teamId}/grants`).set(asOwner).send({ feature: 'reports' }),
      await api(server).post(`/v1/admin/accounts/${teamId}/reconcile`).set(asOwner),
    ]) {
      expectProblem(refused, 403, 'forbidden');
    }
  });

  it('opens a feature to every member of a team an admin grants it to, and closes it on revoke, within 1 s on both instances', async () => {
    const { id: teamId, owner, members } = await team('ENIAC', ['member']);
    const member = must(members[0], 'a member');
    for (const instance of [server, second]) {
      expectProblem(await reports(instance, member, teamId), 402, 'subscription_required');
    }

    const grant = await api(server)
      .post(`/v1/admin/accounts/${teamId}/grants`)
      .set(asAdmin)
      .send({ feature: 'reports' })
      .expect(201);
    const granted = await msUntilOnBoth(200, member, teamId);
    console.log(`admin grant on the team reaches a member on both instances: ${granted.join(' ms, ')} ms`);
    for (const ms of granted) expect(ms).toBeLessThan(1_000);
    await reports(second, owner, teamId).expect(200);
    expectProblem(await reports(second, member), 402, 'subscription_required');
    const detail = await api(server).get(`/v1/admin/accounts/${teamId}`).set(asAdmin).expect(200);
    expect(detail.body.grants).toEqual([expect.objectContaining({ id: grant.body.id, feature: 'reports' })]);

    // The user routes act on the member's personal account, which has no such grant.
    await api(server).delete(`/v1/admin/users/${member.id}/grants/${grant.body.id}`).set(asAdmin).expect(404);
    await reports(second, member, teamId).expect(200);

    await api(server).delete(`/v1/admin/accounts/${teamId}/grants/${grant.body.id}`).set(asAdmin).expect(204);
    const revoked = await msUntilOnBoth(402, member, teamId);
    console.log(`revoking the team's grant reaches a member on both instances: ${revoked.join(' ms, ')} ms`);
    for (const ms of revoked) expect(ms).toBeLessThan(1_000);
  });

  it("keeps a team's subscription apart from its owner's own: a customer each, no already_subscribed across them", async () => {
    const { id: teamId, owner, members } = await team('Bombe');
    const member = must(members[0], 'a member');
    const ownSubscription = await subscribeAccount(
      owner,
      (await personalAccountOf(owner)).id,
      priceOf(pro, 'month'),
    );
    await reports(server, owner).expect(200);
    expectProblem(await reports(server, member, teamId), 402, 'subscription_required');

    const teamSubscription = await subscribeAccount(owner, teamId, priceOf(pro, 'year'));
    expect(teamSubscription.customer?.id).toEqual(expect.stringMatching(/^cus_/));
    expect(teamSubscription.customer?.id).not.toBe(ownSubscription.customer?.id);
    await reports(second, member, teamId).expect(200);

    await deliverAll(
      server,
      stripe,
      stripe.scenarios.deleteSubscription(teamSubscription.subscription!.id).events,
    );
    expect(await msUntil(402, () => reports(second, member, teamId))).toBeLessThan(1_000);
    await reports(second, owner).expect(200);
    const left = await api(second).get('/v1/billing/subscription').set(actingFor(owner, teamId)).expect(200);
    expect(left.body).toMatchObject({ status: 'canceled' });
  });

  it("spends a credit pack the owner bought for the team on a member's export for the team", async () => {
    const { id: teamId, owner, members } = await team('Manchester Baby');
    const member = must(members[0], 'a member');
    const project = (
      await api(server).post('/v1/projects').set(actingFor(member, teamId)).send({ name: 'data' }).expect(201)
    ).body as { id: string };
    const exportFor = (user: TestAccount, accountId?: string) =>
      api(second).post('/v1/exports').set(actingFor(user, accountId)).send({ projectId: project.id });

    const broke = await exportFor(member, teamId);
    expectProblem(broke, 402, 'insufficient_credits');
    expect(broke.body).toMatchObject({ credits: { required: 1, balance: 0 }, account: { id: teamId } });

    const completion = await payAtCheckout(owner, teamId, priceOf(packs, 'one_time'));
    await deliverAll(server, stripe, completion.events);
    const balance = async (user: TestAccount, accountId?: string) =>
      (await api(second).get('/v1/me').set(actingFor(user, accountId)).expect(200)).body.credits.balance;
    expect(await balance(member, teamId)).toBe(5);

    const spent = await exportFor(member, teamId).expect(201);
    expect(spent.body.creditsRemaining).toBe(4);
    expect(await balance(owner, teamId)).toBe(4);
    for (const user of [owner, member]) expect(await balance(user)).toBe(0);

    // One balance for the whole team: two members spending at once, on two instances, spend exactly it.
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        api(index % 2 ? server : second)
          .post('/v1/exports')
          .set(actingFor(index % 2 ? owner : member, teamId))
          .send({ projectId: project.id })
          .then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(4);
    expect(statuses.filter((status) => status === 402)).toHaveLength(6);
    expect(await balance(member, teamId)).toBe(0);
    const ledger = (await api(server).get(`/v1/admin/accounts/${teamId}`).set(asAdmin).expect(200)).body
      .credits.ledger as { delta: number; reason: string }[];
    expect(ledger.map((entry) => entry.delta).sort((a, b) => a - b)).toEqual([-1, -1, -1, -1, -1, 5]);
  });
});
