import { Injectable } from '@nestjs/common';

import { INSTANCE_LOCK_NAMESPACE } from '../../database/instance-liveness.service';
import { PrismaService } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';

/** One account's quota of one feature in one period. */
export interface QuotaKey {
  accountId: string;
  feature: string;
  periodEnd: Date;
}

/** Uses an instance made since its last flush: `used` counts every use, `overage` those past the limit. */
export interface QuotaUses extends QuotaKey {
  used: number;
  overage: number;
}

export interface LeaseOutcome {
  /** This instance's lease after the request, in total for the period. */
  granted: number;
  /** What this instance has used of its leases in the period (flushed). */
  leasedUsed: number;
  /** What every instance has used in the period (flushed), overage included. */
  usedByAll: number;
  liveInstances: number;
}

/**
 * The quota ledger: one row per (account, feature, period, instance). An instance's lease counts
 * against the limit while it lives (`GREATEST(granted, used - overage)`); a lease of an instance that is
 * gone (its liveness lock released: a crash or a stop) counts only what it used.
 */
@Injectable()
export class QuotaLeasesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Flushes `uses` and asks for `size(remaining, liveInstances)` more of the limit, in one transaction
   * serialized per quota, so that the leases of all instances together never pass the limit.
   * `alongside` runs in the same transaction once the uses are written (the overage's meter events,
   * usage alerts).
   */
  lease(
    instanceId: number,
    uses: QuotaUses,
    limit: number,
    size: (remaining: number, liveInstances: number) => number,
    alongside: (tx: Prisma.TransactionClient) => Promise<unknown> = async () => {},
  ): Promise<LeaseOutcome> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockName(uses)}, 0))`;
      await this.addUses(tx, instanceId, [uses]);
      await alongside(tx);
      const [state] = await tx.$queryRaw<{ committed: number; usedByAll: number; live: number }[]>`
        WITH live AS (
          SELECT l.objid::int AS id FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${INSTANCE_LOCK_NAMESPACE} AND l.objsubid = 2)
        SELECT COALESCE(SUM(CASE WHEN q.instance_id = ${instanceId} OR q.instance_id IN (SELECT id FROM live)
                                 THEN GREATEST(q.granted, q.used - q.overage) ELSE q.used - q.overage END), 0)::int AS committed,
               COALESCE(SUM(q.used), 0)::int AS "usedByAll",
               GREATEST((SELECT count(*) FROM live), 1)::int AS live
          FROM quota_leases q
         WHERE q.account_id = ${uses.accountId}::uuid AND q.feature = ${uses.feature} AND q.period_end = ${uses.periodEnd}`;
      const extra = size(limit - state!.committed, state!.live);
      const [own] = await tx.$queryRaw<{ granted: number; leasedUsed: number }[]>`
        UPDATE quota_leases SET granted = GREATEST(granted, used - overage) + ${extra}, updated_at = now()
         WHERE account_id = ${uses.accountId}::uuid AND feature = ${uses.feature}
           AND period_end = ${uses.periodEnd} AND instance_id = ${instanceId}
        RETURNING granted, used - overage AS "leasedUsed"`;
      return {
        granted: own!.granted,
        leasedUsed: own!.leasedUsed,
        usedByAll: state!.usedByAll,
        liveInstances: state!.live,
      };
    });
  }

  /**
   * Adds each quota's uses to this instance's rows, in one statement; `afterUses` runs in the same
   * transaction once they are written (usage alerts), and what it answers is the flush's answer.
   */
  flush<T>(
    instanceId: number,
    uses: QuotaUses[],
    afterUses: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      await this.addUses(tx, instanceId, uses);
      return afterUses(tx);
    });
  }

  /** Gives back what this instance leased and did not use (it stops serving these quotas). */
  async release(instanceId: number, keys: QuotaKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.prisma.$executeRaw`
      UPDATE quota_leases q SET granted = q.used - q.overage, updated_at = now()
        FROM UNNEST(${keys.map((key) => key.accountId)}::uuid[], ${keys.map((key) => key.feature)}::text[],
                    ${keys.map((key) => key.periodEnd)}::timestamptz[]) AS k(account_id, feature, period_end)
       WHERE q.account_id = k.account_id AND q.feature = k.feature AND q.period_end = k.period_end
         AND q.instance_id = ${instanceId}`;
  }

  /** What every instance has used (flushed) of each of the account's quotas, overage apart. */
  async usage(accountId: string, keys: { feature: string; periodEnd: Date }[]): Promise<QuotaUses[]> {
    if (keys.length === 0) return [];
    return this.prisma.$queryRaw<QuotaUses[]>`
      SELECT k.feature, k.period_end AS "periodEnd", ${accountId}::uuid AS "accountId",
             COALESCE(SUM(q.used), 0)::int AS used, COALESCE(SUM(q.overage), 0)::int AS overage
        FROM UNNEST(${keys.map((key) => key.feature)}::text[], ${keys.map((key) => key.periodEnd)}::timestamptz[])
             AS k(feature, period_end)
        LEFT JOIN quota_leases q
          ON q.account_id = ${accountId}::uuid AND q.feature = k.feature AND q.period_end = k.period_end
       GROUP BY k.feature, k.period_end`;
  }

  private async addUses(
    client: Prisma.TransactionClient,
    instanceId: number,
    uses: QuotaUses[],
  ): Promise<void> {
    if (uses.length === 0) return;
    await client.$executeRaw`
      INSERT INTO quota_leases AS q (account_id, feature, period_end, instance_id, used, overage)
      SELECT k.account_id, k.feature, k.period_end, ${instanceId}, k.used, k.overage
        FROM UNNEST(${uses.map((use) => use.accountId)}::uuid[], ${uses.map((use) => use.feature)}::text[],
                    ${uses.map((use) => use.periodEnd)}::timestamptz[], ${uses.map((use) => use.used)}::int[],
                    ${uses.map((use) => use.overage)}::int[]) AS k(account_id, feature, period_end, used, overage)
      ON CONFLICT (account_id, feature, period_end, instance_id) DO UPDATE
        SET used = q.used + EXCLUDED.used, overage = q.overage + EXCLUDED.overage, updated_at = now()`;
  }
}

function lockName(key: QuotaKey): string {
  return `quota:${key.accountId}:${key.feature}:${key.periodEnd.toISOString()}`;
}
