/**
 * Property: whatever order and however often a credit pack's purchase and refunds are delivered, to
 * either of two instances, one at a time or at once, and whatever spends happen in between, the balance
 * ends at purchased − floor(purchased × largest refunded amount / amount paid) − credits spent, never
 * below zero (a refund takes back only what is unspent).
 *
 * `FC_SEED=<seed>` replays the histories of a reported run (a failure prints its seed and path);
 * `FC_RUNS=<n>` changes how many histories are tried (default 20, about 30 s).
 */
import fc from 'fast-check';

import { bearer, signUp } from '../support/accounts';
import {
  adminUser,
  createPlan,
  creditPackPlan,
  deliver,
  eventually,
  payForCreditPack,
  PriceBody,
  priceOf,
  webhookEvents,
} from '../support/billing';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import { EventObject, StripeDouble } from '../stripe-double';

const PACK_CREDITS = 5;
const PACK_AMOUNT = 500; // creditPackPlan's price, in cents
const RUNS = Number(process.env.FC_RUNS ?? 20);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

type Step = { kind: 'purchase' } | { kind: 'refund'; refundedTotal: number } | { kind: 'spend' };
interface Placed {
  step: Step;
  instance: 0 | 1;
}
interface History {
  /** Cumulative amounts refunded on Stripe, one refund each, in the order Stripe made them. */
  refundedTotals: number[];
  /** Run one batch after the other; the steps of a batch at once. */
  batches: Placed[][];
}

function inBatches(order: Step[], placement: { withPrevious: boolean; instance: 0 | 1 }[]): Placed[][] {
  const batches: Placed[][] = [];
  order.forEach((step, index) => {
    const { withPrevious, instance } = must(placement[index], `a placement of step ${index}`);
    const placed = { step, instance };
    const previous = batches.at(-1);
    if (withPrevious && previous) previous.push(placed);
    else batches.push([placed]);
  });
  return batches;
}

const histories: fc.Arbitrary<History> = fc
  .record({
    refundedTotals: fc
      .uniqueArray(fc.integer({ min: 1, max: PACK_AMOUNT }), { minLength: 1, maxLength: 3 })
      .map((totals) => [...totals].sort((a, b) => a - b)),
    spends: fc.integer({ min: 0, max: 6 }),
  })
  .chain(({ refundedTotals, spends }) => {
    const deliveries: Step[] = [
      { kind: 'purchase' },
      ...refundedTotals.map((refundedTotal): Step => ({ kind: 'refund', refundedTotal })),
    ];
    const copied = deliveries.map((step) =>
      fc.integer({ min: 1, max: 2 }).map((copies) => Array<Step>(copies).fill(step)),
    );
    return fc.tuple(...copied).chain((copies) => {
      const steps: Step[] = [...copies.flat(), ...Array<Step>(spends).fill({ kind: 'spend' })];
      return fc
        .tuple(
          fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length }),
          fc.array(fc.record({ withPrevious: fc.boolean(), instance: fc.constantFrom<0 | 1>(0, 1) }), {
            minLength: steps.length,
            maxLength: steps.length,
          }),
        )
        .map(([order, placement]) => ({ refundedTotals, batches: inBatches(order, placement) }));
    });
  });

describe('a credit pack ends the same whatever the order of its purchase, refunds and spends', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let instances: [TestServer, TestServer];
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let pack: PriceBody;

  beforeAll(async () => {
    world = await startBillingWorld({ instances: 2 });
    ({ stripe, server, asAdmin } = world);
    instances = twoInstances(world);
    pack = priceOf(await createPlan(server, asAdmin, creditPackPlan(undefined, PACK_CREDITS)), 'one_time');
    expect(pack.amount).toBe(PACK_AMOUNT);
  });
  afterAll(() => world?.stop());

  async function play(history: History): Promise<void> {
    const [server] = instances;
    const user = await signUp(server.url, 'refund-order');
    const project = await api(server)
      .post('/v1/projects')
      .set(bearer(user))
      .send({ name: 'data' })
      .expect(201);
    const { completion, completed } = await payForCreditPack({ server, stripe }, user, pack);
    const chargeId = completion.charge!.id;
    const refunds = new Map<number, EventObject>();
    let refundedSoFar = 0;
    for (const total of history.refundedTotals) {
      const refund = stripe.scenarios.refundCharge(chargeId, { amount: total - refundedSoFar });
      refunds.set(total, refund.event('charge.refunded'));
      refundedSoFar = total;
    }

    let spent = 0;
    const run = async ({ step, instance }: Placed): Promise<void> => {
      const target = instances[instance];
      if (step.kind === 'spend') {
        const response = await api(target)
          .post('/v1/exports')
          .set(bearer(user))
          .send({ projectId: project.body.id });
        expect([201, 402]).toContain(response.status);
        if (response.status === 201) spent += 1;
        return;
      }
      const event = step.kind === 'purchase' ? completed : refunds.get(step.refundedTotal)!;
      const response = await deliver(target, stripe, event);
      expect(response.status).toBe(200);
    };
    for (const batch of history.batches) await Promise.all(batch.map(run));

    // An event whose inline processing failed is finished by the worker: wait for every one.
    const eventIds = [completed.id, ...[...refunds.values()].map((event) => event.id)];
    await eventually(async () => {
      const processed = new Set((await webhookEvents(server, asAdmin, 'processed')).map((row) => row.id));
      expect(eventIds.filter((id) => !processed.has(id))).toEqual([]);
    });

    const refundedCredits = Math.floor((PACK_CREDITS * refundedSoFar) / PACK_AMOUNT);
    const expected = Math.max(0, PACK_CREDITS - refundedCredits - spent);
    const { credits } = await adminUser(server, asAdmin, user.id);
    expect(credits.balance).toBe(expected);
    expect(credits.ledger.reduce((sum, entry) => sum + entry.delta, 0)).toBe(expected);
    expect(credits.ledger.every((entry) => entry.balanceAfter >= 0)).toBe(true);
  }

  it('purchased − refunded share − spent, never below zero, in every order, duplicated, on two instances', async () => {
    await fc.assert(
      fc.asyncProperty(histories, (history) => play(history)),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 120_000);
});
