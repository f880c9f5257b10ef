import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const RECONNECT_DELAY_MS = 1_000;

export interface DedicatedConnectionOptions {
  name: string;
  connectionString: string;
  /** Runs on every (re)connection: LISTEN, take a lock… */
  onConnect(client: Client): Promise<void>;
  /** Runs when the connection is lost, before reconnecting. */
  onLost?(): void;
}

/**
 * A PostgreSQL connection of its own, outside the pool, kept open: reconnected a second after it
 * drops (database restarted, network), until `close()`.
 */
export class DedicatedConnection {
  private readonly logger: Logger;
  private client?: Client;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly options: DedicatedConnectionOptions) {
    this.logger = new Logger(options.name);
  }

  async open(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await this.options.onConnect(client);
      this.client = client;
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  /** A query on this connection; fails while it is down. */
  async query<Row extends object>(text: string, values: unknown[] = []): Promise<Row[]> {
    if (!this.client) throw new Error(`${this.options.name}: the connection is down`);
    return (await this.client.query<Row>(text, values)).rows;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== undefined && this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed || this.retry) return;
    this.options.onLost?.();
    this.logger.warn({ msg: 'connection lost; reconnecting', reason: error?.message });
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.open();
    }, RECONNECT_DELAY_MS);
    this.retry.unref();
  }
}
