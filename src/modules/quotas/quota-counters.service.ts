import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { InstanceLivenessService } from '../../database/instance-liveness.service';
import { Prisma } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { MetricsService } from '../metrics/metrics.service';
import { MeterEventOutbox } from '../metering/meter-event-outbox.service';
import { leaseRate, leaseSize } from './quota-period';
import { AlertableQuota, QuotaAlerts } from './quota-alerts.service';
import { QuotaKey, QuotaLeasesRepository, QuotaUses } from './quota-leases.repository';

/** How often uses reach the database: a `kill -9` loses at most this much of them. */
export const QUOTA_FLUSH_INTERVAL_MS = 1_000;
/** After the database said nothing is left, how long an instance answers 402 without asking again. */
const EXHAUSTED_RECHECK_MS = 1_000;
/** A quota unused this long gives its lease back, so other instances can have it. */
const IDLE_RELEASE_MS = 5_000;
/** A read of written uses raced by a write of ours is done again, at most this many times in all. */
const READ_FLUSHED_ATTEMPTS = 3;

/** One account's quota of one feature in one period, as this instance serves it. */
class QuotaCounter implements QuotaKey {
  limit: number | null = null;
  overage = false;
  /** Every usage alert of the period went out (known from a write): its uses need no more checking. */
  alertsDone = false;
  /** This instance's lease in total for the period (from the database). */
  granted = 0;
  /** Uses within the lease that reached the database. */
  leasedFlushed = 0;
  /** Uses within the lease not flushed yet. */
  leasedPending = 0;
  /** Uses past the limit (overage) not flushed yet. */
  overagePending = 0;
  /** The meter overage is reported to (the last one a request named). */
  overageEventName: string | null = null;
  /** What all instances had used when this one last asked (flushed uses, overage included). */
  usedByAll = 0;
  liveInstances = 1;
  usesPerSecond = 0;
  usesThisTick = 0;
  usesSinceLease = 0;
  leasedAt = Date.now();
  exhaustedUntil = 0;
  lastUsedAt = Date.now();
  leasing: Promise<void> | null = null;

  constructor(
    readonly accountId: string,
    readonly feature: string,
    readonly periodEnd: Date,
  ) {}

  get available(): number {
    return this.granted - this.leasedFlushed - this.leasedPending;
  }
}

/** What one request took: given back if its handler fails. */
export interface QuotaUse {
  counter: QuotaCounter;
  leased: number;
  overage: number;
}

export interface QuotaDemand extends QuotaKey {
  units: number;
  /** null: unlimited (uses are only counted). */
  limit: number | null;
  /** Uses past the limit are let through, counted as overage and reported to this meter; null: refused. */
  overage: { eventName: string } | null;
}

/**
 * Counts quota uses in process and serves them from leases, so a request needs no database round trip
 * while its instance's lease lasts; a lease is renewed in the background before it runs out.
 *
 * - Exact on one instance: the check and the count are one synchronous step, and leases never add up
 *   past the limit, so a burst gets exactly `limit` successes.
 * - Across instances, leases are granted under a per-quota lock against what all live instances hold:
 *   instances never overshoot a quota together; they may refuse early by at most the leases others
 *   hold unused (each at most half of what is left divided among them, given back after 5 s idle).
 * - Uses are flushed every second; a `kill -9` loses at most that second of counts (the killed
 *   instance's unused lease and its unflushed uses are free again: the bound of the overshoot after a
 *   crash). A flush adds its uses once; the count is only subtracted from memory after it commits.
 */
@Injectable()
export class QuotaCounters implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QuotaCounters.name);
  private readonly counters = new Map<string, QuotaCounter>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  private writesStarted = 0;
  private writesUnfinished = 0;
  /**
   * Every write of this instance's uses (flushes and leases) runs in turn: each moves the uses counted
   * so far into the database and only then out of memory, so none is written twice or lost between.
   */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly leases: QuotaLeasesRepository,
    private readonly liveness: InstanceLivenessService,
    private readonly meterEvents: MeterEventOutbox,
    private readonly alerts: QuotaAlerts,
    private readonly metrics: MetricsService,
    private readonly changes: ChangeFeed,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), QUOTA_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  // Not onApplicationShutdown: Nest runs that after every module's onModuleDestroy, when the database
  // pool (a global module's, destroyed last) has ended and the last flush can only fail.
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.leases
      .release(this.liveness.instanceId, [...this.counters.values()])
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'leases not released', reason: (error as Error).message }),
      );
  }

  /**
   * Takes `units` at once when the lease covers them (or the quota has no limit); undefined when it
   * does not, and `take` must lease, refuse or count overage.
   */
  takeNow(demand: QuotaDemand): QuotaUse | undefined {
    const counter = this.counterFor(demand);
    counter.limit = demand.limit;
    counter.overage = demand.overage !== null;
    if (demand.overage) counter.overageEventName = demand.overage.eventName;
    const now = Date.now();
    counter.lastUsedAt = now;
    if (demand.limit === null) return this.count(counter, demand.units, 0);
    if (counter.available < demand.units) return undefined;
    const use = this.count(counter, demand.units, 0);
    // Less than a second's uses left: the next lease is taken in the background, off the request.
    if (!counter.leasing && counter.available < rateOf(counter, now))
      void this.lease(counter, 1).catch(() => {});
    return use;
  }

  /** Takes `units` of the quota, or null when it is used up (and no overage is allowed). */
  async take(demand: QuotaDemand): Promise<QuotaUse | null> {
    const taken = this.takeNow(demand);
    if (taken) return taken;
    const counter = this.counterFor(demand);
    // Waiters on one lease check again in turn after it: those it cannot serve ask for the next one.
    while (counter.available < demand.units && Date.now() >= counter.exhaustedUntil) {
      await this.lease(counter, demand.units);
    }
    const use = this.takeNow(demand);
    if (use) return use;
    if (!demand.overage) return null;
    const current = this.counterFor(demand);
    const leased = Math.max(0, Math.min(current.available, demand.units));
    return this.count(current, leased, demand.units - leased);
  }

  /** A failed request's uses go back to where they came from. */
  giveBack(use: QuotaUse): void {
    use.counter.leasedPending -= use.leased;
    use.counter.overagePending -= use.overage;
  }

  /** This instance's uses not flushed yet, for reading usage exactly. */
  pendingOf(key: QuotaKey): { used: number; overage: number } {
    const counter = this.counters.get(keyOf(key));
    return counter
      ? { used: counter.leasedPending + counter.overagePending, overage: counter.overagePending }
      : { used: 0, overage: 0 };
  }

  /** Writes the uses counted since the last flush; also gives back leases idle for a while. */
  flush(): Promise<void> {
    this.flushing ??= this.inTurn(() => this.flushNow()).finally(() => (this.flushing = null));
    return this.flushing;
  }

  /**
   * Runs `read` (of the uses written to the database) so that what it reads agrees with `pendingOf`.
   * Uses written by a flush or lease of ours that commits while it runs would count twice: in the rows
   * read, and still here until this instance has seen the commit. So the read waits for writes in
   * progress, and is done again if one started meanwhile (writes take milliseconds: rarely).
   */
  async readFlushed<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      while (this.writesUnfinished > 0) await this.writes;
      const started = this.writesStarted;
      const result = await read();
      const raced = this.writesUnfinished > 0 || this.writesStarted !== started;
      if (!raced || attempt === READ_FLUSHED_ATTEMPTS) return result;
    }
  }

  /** Flushes and leases write uses one at a time, in turn. */
  private inTurn<T>(write: () => Promise<T>): Promise<T> {
    this.writesStarted++;
    this.writesUnfinished++;
    const turn = this.writes.then(write, write).finally(() => this.writesUnfinished--);
    this.writes = turn.catch(() => undefined);
    return turn;
  }

  private async flushNow(): Promise<void> {
    const now = Date.now();
    const batch: { counter: QuotaCounter; uses: QuotaUses; leased: number }[] = [];
    for (const counter of this.counters.values()) {
      counter.usesPerSecond = counter.usesPerSecond / 2 + counter.usesThisTick / 2;
      counter.usesThisTick = 0;
      const leased = counter.leasedPending;
      const overage = counter.overagePending;
      if (leased !== 0 || overage !== 0) {
        batch.push({ counter, leased, uses: { ...keyFields(counter), used: leased + overage, overage } });
      }
    }
    if (batch.length > 0) {
      const alertable = batch.flatMap(({ counter }) => alertableOf(counter));
      const overage = this.reportOverage(
        batch.map((entry) => ({ counter: entry.counter, units: entry.uses.overage })),
      );
      try {
        this.metrics.recordQuotaWrite('flush');
        const done = await this.leases.flush(
          this.liveness.instanceId,
          batch.map((entry) => entry.uses),
          async (tx) => {
            await overage?.(tx);
            return this.alerts.afterUses(alertable, tx);
          },
        );
        this.noteAlertsDone(done);
      } catch (error) {
        this.logger.warn({ msg: 'quota uses not flushed; next second', reason: (error as Error).message });
        return;
      }
    }
    for (const { counter, leased, uses } of batch) {
      counter.leasedPending -= leased;
      counter.leasedFlushed += leased;
      counter.overagePending -= uses.overage;
    }
    // What GET /v1/me keeps of the flushed uses is older than what the database holds now.
    for (const accountId of new Set(batch.map(({ counter }) => counter.accountId)))
      this.changes.local({ kind: 'usage', accountId });
    await this.releaseIdle(now);
  }

  private async releaseIdle(now: number): Promise<void> {
    const idle = [...this.counters.values()].filter(
      (counter) =>
        (counter.periodEnd.getTime() <= now || now - counter.lastUsedAt > IDLE_RELEASE_MS) &&
        counter.leasedPending === 0 &&
        counter.overagePending === 0 &&
        !counter.leasing,
    );
    if (idle.length === 0) return;
    for (const counter of idle) this.counters.delete(keyOf(counter));
    await this.leases
      .release(
        this.liveness.instanceId,
        idle.filter((counter) => counter.granted > counter.leasedFlushed),
      )
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'idle leases not released', reason: (error as Error).message }),
      );
  }

  private count(counter: QuotaCounter, leased: number, overage: number): QuotaUse {
    counter.leasedPending += leased;
    counter.overagePending += overage;
    counter.usesThisTick += leased + overage;
    counter.usesSinceLease += leased + overage;
    return { counter, leased, overage };
  }

  /** One lease request at a time per quota; concurrent takers wait for it and then check again. */
  private lease(counter: QuotaCounter, want: number): Promise<void> {
    counter.leasing ??= this.inTurn(() => this.leaseNow(counter, want)).finally(
      () => (counter.leasing = null),
    );
    return counter.leasing;
  }

  private async leaseNow(counter: QuotaCounter, want: number): Promise<void> {
    const leased = counter.leasedPending;
    const overage = counter.overagePending;
    const limit = counter.limit ?? 0;
    const alertable = leased + overage > 0 ? alertableOf(counter) : [];
    let alertsDone: QuotaKey[] = [];
    const now = Date.now();
    const usesPerSecond = rateOf(counter, now);
    counter.usesSinceLease = 0;
    counter.leasedAt = now;
    this.metrics.recordQuotaWrite('lease');
    const outcome = await this.leases.lease(
      this.liveness.instanceId,
      { ...keyFields(counter), used: leased + overage, overage },
      limit,
      (remaining, liveInstances) => leaseSize({ want, remaining, liveInstances, usesPerSecond }),
      async (tx) => {
        await this.reportOverage([{ counter, units: overage }])?.(tx);
        alertsDone = await this.alerts.afterUses(alertable, tx);
      },
    );
    this.noteAlertsDone(alertsDone);
    counter.leasedPending -= leased;
    counter.leasedFlushed = outcome.leasedUsed;
    counter.overagePending -= overage;
    if (leased + overage > 0) this.changes.local({ kind: 'usage', accountId: counter.accountId });
    counter.granted = outcome.granted;
    counter.usedByAll = outcome.usedByAll;
    counter.liveInstances = outcome.liveInstances;
    if (counter.available < want) counter.exhaustedUntil = Date.now() + EXHAUSTED_RECHECK_MS;
  }

  /**
   * What goes with a write of uses that carries overage, in its transaction: the units, to the meter
   * event outbox, so that they are billed exactly when they are counted. Undefined when there is none.
   */
  private reportOverage(
    entries: { counter: QuotaCounter; units: number }[],
  ): ((tx: Prisma.TransactionClient) => Promise<void>) | undefined {
    const overages = entries
      .filter(({ counter, units }) => units !== 0 && counter.overageEventName !== null)
      .map(({ counter, units }) => ({
        accountId: counter.accountId,
        eventName: counter.overageEventName!,
        units,
      }));
    return overages.length > 0 ? (tx) => this.meterEvents.record(overages, tx) : undefined;
  }

  private noteAlertsDone(keys: QuotaKey[]): void {
    for (const key of keys) {
      const counter = this.counters.get(keyOf(key));
      if (counter) counter.alertsDone = true;
    }
  }

  private counterFor(key: QuotaKey): QuotaCounter {
    const id = keyOf(key);
    let counter = this.counters.get(id);
    if (!counter) {
      counter = new QuotaCounter(key.accountId, key.feature, key.periodEnd);
      this.counters.set(id, counter);
    }
    return counter;
  }
}

function rateOf(counter: QuotaCounter, now: number): number {
  return leaseRate({
    averagePerSecond: counter.usesPerSecond,
    usesSinceLease: counter.usesSinceLease,
    msSinceLease: now - counter.leasedAt,
  });
}

function keyOf(key: QuotaKey): string {
  return `${key.accountId} ${key.feature} ${key.periodEnd.getTime()}`;
}

/** The counter as usage alerts see it, unless it has none to send (no limit, or all sent). */
function alertableOf(counter: QuotaCounter): AlertableQuota[] {
  if (counter.limit === null || counter.limit <= 0 || counter.alertsDone) return [];
  return [{ ...keyFields(counter), limit: counter.limit, overage: counter.overage }];
}

function keyFields(counter: QuotaCounter): QuotaKey {
  return { accountId: counter.accountId, feature: counter.feature, periodEnd: counter.periodEnd };
}
