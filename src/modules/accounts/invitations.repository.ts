import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { AccountRole, Prisma } from '../../generated/prisma/client';

export interface PendingInvitation {
  id: string;
  email: string;
  role: AccountRole;
  expiresAt: Date;
}

export interface NewInvitation {
  accountId: string;
  email: string;
  role: AccountRole;
  tokenHash: string;
  invitedById: string;
  expiresAt: Date;
}

const PENDING_INVITATION = { id: true, email: true, role: true, expiresAt: true } as const;

/** Invitations to join an account; pending means not accepted, not revoked and not expired. */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A new invitation; the account's earlier open one to the address stops working. */
  async replace(invitation: NewInvitation, tx: Prisma.TransactionClient): Promise<PendingInvitation> {
    await tx.invitation.updateMany({
      where: { accountId: invitation.accountId, email: invitation.email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return tx.invitation.create({ data: invitation, select: PENDING_INVITATION });
  }

  pending(accountId: string): Promise<PendingInvitation[]> {
    return this.prisma.invitation.findMany({
      where: { accountId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      select: PENDING_INVITATION,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** How many invitations of the account are pending, leaving out the one to `exceptEmail`. */
  pendingCount(
    accountId: string,
    { exceptEmail }: { exceptEmail: string },
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    return tx.invitation.count({
      where: {
        accountId,
        acceptedAt: null,
        revokedAt: null,
        expiresAt: { gt: new Date() },
        email: { not: exceptEmail },
      },
    });
  }

  /** Revokes the account's invitation if it is open; whether it was. */
  async revoke(accountId: string, invitationId: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.invitation.updateMany({
      where: { id: invitationId, accountId, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0;
  }

  /** Which account a token's invitation is for, whatever its state: what to lock before `accept`. */
  async accountOfToken(tokenHash: string): Promise<string | null> {
    const row = await this.prisma.invitation.findUnique({
      where: { tokenHash },
      select: { accountId: true },
    });
    return row?.accountId ?? null;
  }

  /**
   * Marks the invitation accepted if it is pending: one statement, so one token serves one request even
   * when sent twice at once. The invitation, or null.
   */
  async accept(
    tokenHash: string,
    tx: Prisma.TransactionClient,
  ): Promise<{ id: string; accountId: string; email: string; role: AccountRole } | null> {
    const rows = await tx.$queryRaw<{ id: string; accountId: string; email: string; role: AccountRole }[]>`
      UPDATE invitations SET accepted_at = now()
       WHERE token_hash = ${tokenHash} AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
      RETURNING id, account_id AS "accountId", email, role`;
    return rows[0] ?? null;
  }
}
