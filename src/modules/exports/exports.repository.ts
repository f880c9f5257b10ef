import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Export, Prisma } from '../../generated/prisma/client';
import { unexpiringSpend } from '../credits/unexpiring-spend.sql';

export interface CreatedExport {
  id: string;
  projectId: string;
  createdAt: Date;
}

/** What the one-statement paid create found. */
export type PaidExport =
  | { created: CreatedExport; balanceAfter: number }
  /** The balance (as the statement started) does not cover the credits: nothing was checked further. */
  | { insufficient: number }
  /** The credits were there, the project is not the account's: nothing was spent. */
  | { projectMissing: true }
  /** The account holds credits that expire, or its balance changed meanwhile: spend under its lock. */
  | { locked: true };

/**
 * A paid export in one prepared statement: the project must be the account's (and is held, `FOR KEY
 * SHARE`, against a concurrent delete), the credits are spent only then (`unexpiringSpend`), and the
 * export is inserted with its ledger entry. The balance before (the statement's snapshot) tells a
 * refusal from a project not found.
 */
const CREATE_PAID = `
  WITH project AS (
    SELECT id FROM projects WHERE id = $2::uuid AND account_id = $1::uuid FOR KEY SHARE
  ), ${unexpiringSpend({ account: '$1::uuid', credits: '$3::int', reason: '$4::text' }, 'EXISTS (SELECT 1 FROM project)')},
  created AS (
    INSERT INTO exports (id, account_id, project_id, created_at)
    SELECT gen_random_uuid(), $1::uuid, project.id, now() FROM project CROSS JOIN entry
    RETURNING id, project_id, created_at
  )
  SELECT created.id, created.project_id AS "projectId", created.created_at AS "createdAt",
    (SELECT balance_after FROM entry) AS "balanceAfter", COALESCE(before.balance, 0) AS balance,
    COALESCE(before.lot_credits, 0) AS "lotCredits", EXISTS (SELECT 1 FROM project) AS "projectFound"
  FROM (SELECT 1) AS one
  LEFT JOIN credit_balances AS before ON before.account_id = $1::uuid
  LEFT JOIN created ON true`;

@Injectable()
export class ExportsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Spends `credits` and creates the export in one statement, where the account's credits allow it. */
  async createPaid(
    accountId: string,
    projectId: string,
    credits: number,
    reason: string,
  ): Promise<PaidExport> {
    const [row] = await this.prisma.prepared<{
      id: string | null;
      projectId: string | null;
      createdAt: Date | null;
      balanceAfter: number | null;
      balance: number;
      lotCredits: number;
      projectFound: boolean;
    }>('export-create-paid', CREATE_PAID, [accountId, projectId, credits, reason]);
    const found = row!;
    if (found.id !== null && found.balanceAfter !== null) {
      return {
        created: { id: found.id, projectId: found.projectId!, createdAt: found.createdAt! },
        balanceAfter: found.balanceAfter,
      };
    }
    if (found.lotCredits > 0) return { locked: true };
    if (found.balance < credits) return { insufficient: found.balance };
    if (!found.projectFound) return { projectMissing: true };
    return { locked: true };
  }

  /** The export, in the caller's transaction; null when the project is not the account's. */
  async create(accountId: string, projectId: string, tx: Prisma.TransactionClient): Promise<Export | null> {
    const [project] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM projects WHERE id = ${projectId}::uuid AND account_id = ${accountId}::uuid FOR KEY SHARE`;
    if (!project) return null;
    return tx.export.create({ data: { accountId, projectId } });
  }

  count(accountId: string): Promise<number> {
    return this.prisma.export.count({ where: { accountId } });
  }
}
