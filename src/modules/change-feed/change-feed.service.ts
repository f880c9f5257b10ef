import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { DedicatedConnection } from '../../database/dedicated-connection';
import { PrismaService } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';
import { Change, ChangeKind, ChangeOf } from './change.types';

const CHANNEL = 'tollgate_changes';

type Handler<K extends ChangeKind> = (change: ChangeOf<K>) => void;

/**
 * The one way a change travels between modules and instances. `publish` sends a PostgreSQL NOTIFY
 * (inside the caller's transaction when given one, so a rolled-back change is never announced) and
 * tells this instance's subscribers at once; every instance hears the NOTIFY on one LISTEN
 * connection, this one included, so an entry recomputed before a transaction committed is dropped
 * again when it does. While that connection is down nothing can be heard: `onGap` subscribers drop
 * everything they derived when it is lost and again when it is back.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly handlers = new Map<ChangeKind, Set<(change: Change) => void>>();
  private readonly gapHandlers = new Set<() => void>();
  private readonly connection: DedicatedConnection;

  constructor(
    config: AppConfig,
    private readonly prisma: PrismaService,
  ) {
    this.connection = new DedicatedConnection({
      name: ChangeFeed.name,
      connectionString: config.databaseUrl,
      onConnect: async (client) => {
        client.on('notification', (message) => {
          if (message.channel === CHANNEL && message.payload) this.receive(message.payload);
        });
        await client.query(`LISTEN ${CHANNEL}`);
        this.gap();
      },
      onLost: () => this.gap(),
    });
  }

  /** For a change made by a single statement: embed this expression, `payloadParameter` bound to `encode(change)`. */
  static notifyExpression(payloadParameter: string): string {
    return `pg_notify('${CHANNEL}', ${payloadParameter})`;
  }

  static encode(change: Change): string {
    return JSON.stringify(change);
  }

  /**
   * Announces a change. Pass the transaction that makes it; without one the NOTIFY is a statement of
   * its own, for changes already committed. A failure to notify is logged, not thrown: the change is
   * made, and other instances' entries still end within their TTL.
   */
  async publish(change: Change, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    try {
      await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${ChangeFeed.encode(change)})`;
    } catch (error) {
      if (tx !== this.prisma) throw error;
      this.logger.warn({
        msg: 'could not notify other instances',
        change: change.kind,
        reason: (error as Error).message,
      });
    }
    this.deliver(change);
  }

  /** After a statement that embedded `notifyExpression` returned: this instance's subscribers hear it now. */
  published(change: Change): void {
    this.deliver(change);
  }

  subscribe<K extends ChangeKind>(kind: K, handler: Handler<K>): void {
    let handlers = this.handlers.get(kind);
    if (!handlers) this.handlers.set(kind, (handlers = new Set()));
    handlers.add(handler as (change: Change) => void);
  }

  /** Called when changes may have been missed (the LISTEN connection lost or re-established). */
  onGap(handler: () => void): void {
    this.gapHandlers.add(handler);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.connection.open();
  }

  onModuleDestroy(): Promise<void> {
    return this.connection.close();
  }

  private receive(payload: string): void {
    let change: Change;
    try {
      change = JSON.parse(payload) as Change;
    } catch {
      this.logger.warn({ msg: 'unreadable change notification ignored' });
      return;
    }
    this.deliver(change);
  }

  private deliver(change: Change): void {
    for (const handler of this.handlers.get(change.kind) ?? []) handler(change);
  }

  private gap(): void {
    for (const handler of this.gapHandlers) handler();
  }
}
