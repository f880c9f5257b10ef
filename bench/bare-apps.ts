import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { PgYardstickConfig } from './pg-yardstick-app';

export interface BareApps {
  nodeHttp: string;
  fastify: string;
  nest: string;
  pid: number;
  stop(): void;
}

export interface PgYardstick {
  url: string;
  pid: number;
  stop(): void;
}

/** Runs bare-nest-app.ts (through tsx) in its own process and resolves with its URLs. */
export function startBareApps(nodeArgs: string[] = []): Promise<BareApps> {
  return startApp<Pick<BareApps, 'nodeHttp' | 'fastify' | 'nest'>>('bare-nest-app.ts', {}, nodeArgs);
}

/** Runs pg-yardstick-app.ts (bare Fastify, `pg`, our routes' SQL) in its own process. */
export function startPgYardstick(config: PgYardstickConfig): Promise<PgYardstick> {
  return startApp<{ url: string }>('pg-yardstick-app.ts', { PG_YARDSTICK: JSON.stringify(config) });
}

/** A yardstick process: its file run through tsx, which prints one JSON line of URLs once it listens. */
async function startApp<Urls extends object>(
  file: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): Promise<Urls & { pid: number; stop(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join(__dirname, file)],
    {
      env: {
        ...process.env,
        ...env,
        NODE_OPTIONS: '',
        TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const urls = await new Promise<Urls>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as Urls));
  });
  return {
    ...urls,
    pid: child.pid!,
    stop: () => {
      child.removeAllListeners('exit');
      child.kill();
    },
  };
}
