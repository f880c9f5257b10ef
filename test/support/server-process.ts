import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/** Runs `dist/main.js`, the compiled server: `npm test` builds it first, exactly what `npm run start:prod` runs. */
export const PROJECT_DIR = path.join(__dirname, '..', '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  bootMs: number;
  /** What the process printed so far, for failure messages. */
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error(`No port in the probe's address: ${String(address)}`)),
      );
    });
  });
}

/** The environment of a fresh shell: none of the suite's database, secrets or mail server unless given. */
export function cleanEnvironment(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const {
    DATABASE_URL: _d,
    TEST_DATABASE_URL: _t,
    JWT_SECRET: _j,
    ADMIN_EMAIL: _e,
    ADMIN_PASSWORD: _p,
    SMTP_URL: _s,
    MAIL_FROM: _f,
    ...rest
  } = process.env;
  return { ...rest, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...extra };
}

/** `projectDir`: a copy of the project (its `dist` and `node_modules`) to run from, as the working directory. */
export function runToExit(
  env: NodeJS.ProcessEnv,
  projectDir = PROJECT_DIR,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(projectDir, 'dist', 'main.js')], {
    env,
    cwd: projectDir,
    stdio: ['ignore', 'ignore', 'pipe'],
    // A server that boots instead of refusing to is stopped (SIGTERM), so its test fails rather than hangs.
    timeout: 30_000,
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** Spawns the server and resolves once GET /health answers 200. */
export async function spawnServer(
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  projectDir = PROJECT_DIR,
): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const startedAt = Date.now();
  const child = spawn(process.execPath, [path.join(projectDir, 'dist', 'main.js')], {
    env: { ...env, PORT: port },
    cwd: projectDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  while (Date.now() - startedAt < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (await isHealthy(url)) {
      return {
        url,
        child,
        bootMs: Date.now() - startedAt,
        output: () => output,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`GET /health did not answer 200 within ${timeoutMs} ms:\n${output}`);
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}
