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
 * inside the transaction that makes the change, so a rolled-back change is never announced: other
 * instances hear it on commit, on one LISTEN connection each, and this instance's subscribers hear it
 * as soon as `transaction` has committed (a change made outside a transaction: at once). While that
 * connection is down nothing can be heard: `onGap` subscribers drop everything they derived when it
 * is lost and again when it is back.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly handlers = new Map<ChangeKind, Set<(change: Change) => void>>();
  private readonly gapHandlers = new Set<() => void>();
  /** Changes published in a transaction opened by `transaction`, told locally once it commits. */
  private readonly uncommitted = new WeakMap<Prisma.TransactionClient, Change[]>();
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

  /** A transaction whose published changes reach this instance's subscribers once it has committed. */
  async transaction<T>(
    work: (tx: Prisma.TransactionClient) => Promise<T>,
    options?: { timeout?: number; maxWait?: number },
  ): Promise<T> {
    let changes: Change[] = [];
    const result = await this.prisma.$transaction(async (tx) => {
      changes = [];
      this.uncommitted.set(tx, changes);
      return work(tx);
    }, options);
    for (const change of changes) this.deliver(change);
    return result;
  }

  /**
   * Announces a change. Pass the transaction that makes it (opened with `transaction`); without one the
   * NOTIFY is a statement of its own, for a change already committed, and a failure to send it is
   * logged, not thrown: the change is made, and other instances' entries still end within their TTL.
   */
  async publish(change: Change, tx?: Prisma.TransactionClient): Promise<void> {
    if (tx) {
      await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${ChangeFeed.encode(change)})`;
      // In a transaction opened elsewhere, this instance hears its own NOTIFY like the others.
      this.uncommitted.get(tx)?.push(change);
      return;
    }
    try {
      await this.prisma.$executeRaw`SELECT pg_notify(${CHANNEL}, ${ChangeFeed.encode(change)})`;
    } catch (error) {
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

  /** A change only this instance's subscribers hear (the kind says why the others need not). */
  local(change: Change): void {
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
