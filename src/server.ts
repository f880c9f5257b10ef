import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { Logger as Pino } from 'pino';

import { AppModule } from './app.module';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import { AppConfig } from './config/app-config';
import { Environment, loadEnvironment } from './config/environment';
import { EmbeddedDatabase, startEmbeddedDatabase } from './database/embedded-database';
import { applyMigrations } from './database/migrations/migration-runner';
import {
  answerClientError,
  answerFrameworkError,
  configureHttp,
  REQUEST_TIMEOUT_MS,
  requestIdFrom,
} from './http-setup';

export interface RunningServer {
  app: NestFastifyApplication;
  log: Pino;
  url: string;
  config: AppConfig;
  embeddedDatabase: EmbeddedDatabase | null;
  close(): Promise<void>;
}

/** Boots the whole service the same way for `npm start`, `start:prod` and the e2e tests. */
export async function startServer(source: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const env = loadEnvironment(source);
  const log = createRootLogger(env.LOG_LEVEL);

  const embeddedDatabase = env.DATABASE_URL ? null : await startEmbedded(env, log);
  try {
    const databaseUrl = env.DATABASE_URL ?? embeddedDatabase!.url;
    if (env.MIGRATE_ON_BOOT) {
      const applied = await applyMigrations(databaseUrl);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    const config = new AppConfig(env, databaseUrl, resolveJwtSecret(env, log));
    const app = await createApp(config, log);
    await app.listen({ port: env.PORT, host: '0.0.0.0' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    const url = `http://127.0.0.1:${port}`;
    log.info({ url, embeddedDatabase: Boolean(embeddedDatabase) }, 'tollgate is listening');

    return {
      app,
      log,
      url,
      config,
      embeddedDatabase,
      async close() {
        await app.close();
        await embeddedDatabase?.stop();
      },
    };
  } catch (error) {
    await embeddedDatabase?.stop();
    throw error;
  }
}

async function createApp(config: AppConfig, log: Pino): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Fastify's own logger would make a child logger for every request; the hooks log through `log`.
    logger: false,
    bodyLimit: config.env.BODY_LIMIT_BYTES,
    ...(config.env.TRUST_PROXY ? { trustProxy: trustedProxies(config.env.TRUST_PROXY) } : {}),
    genReqId: requestIdFrom,
    forceCloseConnections: 'idle',
    // A body that never arrives in full must not hold a connection (and its handler) forever.
    requestTimeout: REQUEST_TIMEOUT_MS,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(log),
    bodyParser: false,
  });
  await configureHttp(app, { bodyLimit: config.env.BODY_LIMIT_BYTES, appUrl: config.env.APP_URL }, log);
  return app;
}

function startEmbedded(env: Environment, log: Pino): Promise<EmbeddedDatabase> {
  log.info({ dataDir: env.DATA_DIR }, 'no DATABASE_URL: starting embedded PostgreSQL');
  return startEmbeddedDatabase({ dataDir: env.DATA_DIR, port: env.EMBEDDED_DATABASE_PORT });
}

function resolveJwtSecret(env: Environment, log: Pino): string {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  log.warn('JWT_SECRET is not set: using a random one, so tokens end with this process');
  return randomBytes(48).toString('base64url');
}

/** A hop count (the nearest N proxies are trusted), or the addresses and CIDRs of trusted proxies. */
function trustedProxies(setting: string): string | ((address: string, hop: number) => boolean) {
  if (!/^\d+$/.test(setting)) return setting;
  const hops = Number(setting);
  return (_address, hop) => hop < hops;
}
