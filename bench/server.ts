import { spawn } from 'node:child_process';
import path from 'node:path';

import { freePort, PROJECT_DIR, ServerProcess } from '../test/support/server-process';

/**
 * test/support's spawnServer with node flags of our own (--cpu-prof is not allowed in NODE_OPTIONS):
 * the compiled server, resolved once GET /health answers 200.
 */
export async function spawnServer(
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const port = String(await freePort());
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, path.join(PROJECT_DIR, 'dist', 'main.js')], {
    env: { ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    child,
    bootMs: 0,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  while (Date.now() - startedAt < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (await healthy(url)) return { ...server, bootMs: Date.now() - startedAt };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`GET /health did not answer 200 within ${timeoutMs} ms:\n${output}`);
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).status === 200;
  } catch {
    return false;
  }
}
