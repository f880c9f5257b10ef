import { PrismaPg } from '@prisma/adapter-pg';

import type { PrismaService } from '../database/prisma.service';
import { PrismaClient } from '../generated/prisma/client';
import { ApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { AuditLog } from '../modules/audit/audit-log.service';
import { AuditRepository } from '../modules/audit/audit.repository';
import { UsersRepository } from '../modules/users/users.repository';
import { SessionsRepository } from '../modules/sessions/sessions.repository';
import { ChangeFeed } from '../modules/change-feed/change-feed.service';
import { AdminCommands } from './admin-commands';
import { runCli, withDatabase } from './cli-database';

const USAGE = 'usage: npm run admin -- promote <email> | demote <email>';

runCli(async () => {
  const [command, email, ...extra] = process.argv.slice(2);
  if ((command !== 'promote' && command !== 'demote') || !email || extra.length > 0) {
    throw new Error(USAGE);
  }
  const outcome = await withDatabase(async (databaseUrl) => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    try {
      // The repositories use only the client's queries, not what PrismaService adds for the server
      // (its pool metrics), so they run here without booting Nest.
      const client = prisma as unknown as PrismaService;
      const commands = new AdminCommands(
        new UsersRepository(client),
        new ApiKeysRepository(client),
        new SessionsRepository(client),
        (work) => prisma.$transaction(work),
        async (userId, tx) => {
          await tx.$executeRawUnsafe(
            `SELECT ${ChangeFeed.notifyExpression('$1')}`,
            ChangeFeed.encode({ kind: 'identity', userId }),
          );
        },
        new AuditLog(new AuditRepository(client)),
      );
      return command === 'promote' ? await commands.promote(email) : await commands.demote(email);
    } finally {
      await prisma.$disconnect();
    }
  });
  console.log(outcome);
});
