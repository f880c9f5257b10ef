import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma, Role, User } from '../../generated/prisma/client';

export interface NewUser {
  email: string;
  name?: string;
  passwordHash: string;
  role?: Role;
  emailVerifiedAt?: Date;
}

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

  /**
   * Null when the email is taken. Inside a transaction it must not fail on the unique index (that would
   * abort the transaction), hence ON CONFLICT. Only `UsersService.register` calls it: it makes the
   * personal account too.
   */
  async create(data: NewUser, tx: Prisma.TransactionClient): Promise<User | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO users (id, email, name, password_hash, role, email_verified_at, updated_at)
      VALUES (gen_random_uuid(), ${data.email}, ${data.name ?? null}, ${data.passwordHash},
              ${data.role ?? 'user'}::"Role", ${data.emailVerifiedAt ?? null}, now())
      ON CONFLICT (email) DO NOTHING
      RETURNING id`;
    const created = rows[0];
    return created ? tx.user.findUnique({ where: { id: created.id } }) : null;
  }

  /** Changes the email unless another user has it (false then). */
  async changeEmail(id: string, email: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const changed = await tx.$executeRaw`
      UPDATE users SET email = ${email}, email_verified_at = now(), updated_at = now()
       WHERE id = ${id}::uuid AND NOT EXISTS (SELECT 1 FROM users WHERE email = ${email})`;
    return changed === 1;
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

  /** Erases the user's personal data; the row stays for the billing records that point at it. */
  erase(id: string, tx: Prisma.TransactionClient): Promise<User> {
    const now = new Date();
    return tx.user.update({
      where: { id },
      data: {
        email: `deleted-${id}@deleted.invalid`,
        name: null,
        passwordHash: '',
        role: 'user',
        disabledAt: now,
        deletedAt: now,
      },
    });
  }

  update(
    id: string,
    data: {
      passwordHash?: string;
      role?: Role;
      disabledAt?: Date | null;
      name?: string | null;
      emailVerifiedAt?: Date;
    },
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<User> {
    return tx.user.update({ where: { id }, data });
  }
}
