import { readFile, readlink, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const FAST_SHUTDOWN_TIMEOUT_MS = 10_000;
const POSTMASTER_PID_LINE = 0;
const POSTMASTER_PORT_LINE = 3;

/**
 * Makes the data directory startable after an unclean end of a previous run: a postmaster.pid whose
 * process is gone (or is now another program) is removed, and a postmaster that outlived the Node
 * process which started it (kill -9) is shut down. A postmaster still owned by another live Node
 * process is left alone and reported.
 */
export async function clearLeftoverPostmaster(dataDir: string): Promise<void> {
  const pidFile = postmasterPidFile(dataDir);
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined) return;
  if (!(await isRunning(pid))) return rm(pidFile, { force: true });

  const commandLine = await readProcFile(pid, 'cmdline');
  if (commandLine === undefined) return;
  if (!isPostmasterOf(commandLine.split('\0'), dataDir)) return rm(pidFile, { force: true });

  if (await isOwnedByAnotherNodeProcess(pid)) {
    throw new Error(
      `PostgreSQL (PID ${pid}) already runs on ${dataDir} for another process; stop that process, ` +
        `or reach its database through DATABASE_URL (port ${await readPostmasterPort(dataDir)})`,
    );
  }
  await stopProcess(pid);
}

export function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  return readPostmasterLine(dataDir, POSTMASTER_PID_LINE);
}

function readPostmasterPort(dataDir: string): Promise<number | undefined> {
  return readPostmasterLine(dataDir, POSTMASTER_PORT_LINE);
}

async function readPostmasterLine(dataDir: string, line: number): Promise<number | undefined> {
  const content = await readFile(postmasterPidFile(dataDir), 'utf8').catch(() => undefined);
  const value = Number.parseInt(content?.split('\n')[line] ?? '', 10);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

function isPostmasterOf(args: string[], dataDir: string): boolean {
  const dataDirIndex = args.indexOf('-D') + 1;
  return dataDirIndex > 0 && path.resolve(args[dataDirIndex] ?? '') === dataDir;
}

async function isOwnedByAnotherNodeProcess(pid: number): Promise<boolean> {
  const stat = await readProcFile(pid, 'stat');
  const parentPid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (!parentPid || parentPid === 1 || parentPid === process.pid) return false;
  const parentExecutable = await readlink(`/proc/${parentPid}/exe`).catch(() => undefined);
  if (parentExecutable === undefined) return true;
  return parentExecutable === (await realpath(process.execPath));
}

async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, FAST_SHUTDOWN_TIMEOUT_MS)) return;
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, FAST_SHUTDOWN_TIMEOUT_MS);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isRunning(pid))) return true;
    await sleep(50);
  }
  return false;
}

export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = await readProcFile(pid, 'stat');
  const isZombie = stat?.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ?? false;
  return !isZombie;
}

function postmasterPidFile(dataDir: string): string {
  return path.join(dataDir, 'postmaster.pid');
}

function readProcFile(pid: number, name: 'cmdline' | 'stat'): Promise<string | undefined> {
  return readFile(`/proc/${pid}/${name}`, 'utf8').catch(() => undefined);
}
