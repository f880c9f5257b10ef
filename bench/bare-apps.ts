import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface BareApps {
  nodeHttp: string;
  fastify: string;
  nest: string;
  pid: number;
  stop(): void;
}

/** Runs bare-nest-app.ts (through tsx) in its own process and resolves with its URLs. */
export async function startBareApps(): Promise<BareApps> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'bare-nest-app.ts')],
    {
      env: { ...process.env, NODE_OPTIONS: '', TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  type Urls = Pick<BareApps, 'nodeHttp' | 'fastify' | 'nest'>;
  const urls = await new Promise<Urls>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare apps exited with ${code}`)));
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
