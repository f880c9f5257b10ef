import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { isUniqueViolation } from '../../database/sql-state';
import { Prisma, Role, User } from '../../generated/prisma/client';

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string, tx: Prisma.TransactionClient = this.prisma): Promise<User | null> {
    return tx.user.findUnique({ where: { id } });
  }

  /** Users in email order after `afterEmail`, whose email starts with `emailPattern` (a LIKE pattern), any case. */
  searchByEmail(
    emailPattern: string | undefined,
    afterEmail: string | undefined,
    take: number,
  ): Promise<User[]> {
    return this.prisma.user.findMany({
      where: {
        AND: [
          emailPattern ? { email: { startsWith: emailPattern, mode: 'insensitive' as const } } : {},
          afterEmail ? { email: { gt: afterEmail } } : {},
        ],
      },
      orderBy: { email: 'asc' },
      take,
    });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  /** Null when the email is taken. */
  async create(data: {
    email: string;
    name?: string;
    passwordHash: string;
    role?: Role;
    emailVerifiedAt?: Date;
  }): Promise<User | null> {
    try {
      return await this.prisma.user.create({ data });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  setRole(id: string, role: Role, tx: Prisma.TransactionClient = this.prisma): Promise<User> {
    return tx.user.update({ where: { id }, data: { role } });
  }

  /** Active admins (not disabled). */
  countAdmins(tx: Prisma.TransactionClient = this.prisma): Promise<number> {
    return tx.user.count({ where: { role: 'admin', disabledAt: null } });
  }

  /** What authentication needs to know of a user, read on a cache miss. */
  identity(id: string) {
    return this.prisma.user.findUnique({
      where: { id },
      select: { id: true, email: true, role: true, disabledAt: true },
    });
  }

  /** Locks the admins' rows, so that two demotions cannot both leave the other as the last one. */
  async lockAdmins(tx: Prisma.TransactionClient): Promise<void> {
    await tx.$queryRaw`SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE`;
  }

  update(
    id: string,
    data: { passwordHash?: string; role?: Role; disabledAt?: Date | null },
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<User> {
    return tx.user.update({ where: { id }, data });
  }
}
