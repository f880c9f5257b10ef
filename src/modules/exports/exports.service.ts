import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { PaywallSubject } from '../paywall/paywall.requirements';
import { PaywallService } from '../paywall/paywall.service';
import { CreatedExport, ExportsRepository } from './exports.repository';

/** What an export costs. */
export const EXPORT_CREDITS = 1;

@Injectable()
export class ExportsService {
  constructor(
    private readonly exports: ExportsRepository,
    private readonly paywall: PaywallService,
    private readonly changes: ChangeFeed,
  ) {}

  /**
   * Spends the credit and creates the export together (SPEC's order: 402 without credits, then 404
   * for a project that is not the account's, which spends nothing). One statement while the account
   * holds no credits that expire; otherwise one transaction under the balance's lock.
   */
  async create(
    subject: PaywallSubject,
    projectId: string,
  ): Promise<{ id: string; projectId: string; createdAt: string; creditsRemaining: number }> {
    const reason = PaywallService.spendReason(subject);
    const paid = await this.exports.createPaid(subject.accountId, projectId, EXPORT_CREDITS, reason);
    if ('created' in paid) {
      this.changes.local({ kind: 'usage', accountId: subject.accountId });
      return toExportDto(paid.created, paid.balanceAfter);
    }
    if ('insufficient' in paid)
      throw await this.paywall.insufficientCredits(subject, EXPORT_CREDITS, paid.insufficient);
    if ('projectMissing' in paid) throw projectNotFound();
    const { result, balanceAfter } = await this.paywall.spendCreditsWith(
      subject,
      EXPORT_CREDITS,
      async (tx) => {
        const created = await this.exports.create(subject.accountId, projectId, tx);
        if (!created) throw projectNotFound();
        return created;
      },
    );
    return toExportDto(result, balanceAfter);
  }

  count(accountId: string): Promise<number> {
    return this.exports.count(accountId);
  }
}

function projectNotFound(): DomainError {
  return new DomainError('not_found', 'No such project.');
}

function toExportDto(created: CreatedExport, creditsRemaining: number) {
  return {
    id: created.id,
    projectId: created.projectId,
    createdAt: created.createdAt.toISOString(),
    creditsRemaining,
  };
}
