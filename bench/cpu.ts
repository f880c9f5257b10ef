import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Linux USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/** CPU used while measuring, in cores (1 = one core busy all the time). */
export interface CpuUse {
  /** The process serving the route (with its children). */
  server: number;
  /** The bench's PostgreSQL (all its processes). */
  postgres: number;
  /** This process: autocannon, and the Stripe double when the server calls it. */
  loadGenerator: number;
  /** Processes outside the bench (other builds or test suites): 0 on a quiet machine. */
  foreign: number;
  cores: number;
}

interface ProcessInfo {
  parent: number;
  command: string;
  ticks: number;
}

interface Snapshot {
  at: number;
  machine: number;
  processes: Map<number, ProcessInfo>;
}

/** user, nice, system, irq, softirq and steal of /proc/stat's cpu line (3 and 4 are idle and iowait). */
const BUSY_CPU_FIELDS = [0, 1, 2, 5, 6, 7];

function machineBusyTicks(): number {
  const [cpuLine = ''] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
  const ticks = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  if (ticks.length < 7) throw new Error(`Not the /proc/stat cpu line this reads: "${cpuLine}"`);
  // steal is missing on old kernels
  return BUSY_CPU_FIELDS.reduce((sum, index) => sum + (ticks[index] ?? 0), 0);
}

function processes(): Map<number, ProcessInfo> {
  const found = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // after the command: state, ppid, … utime, stime, cutime, cstime are stat fields 14 to 17
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = fields.slice(11, 15).map(Number);
      found.set(Number(entry), {
        parent: Number(fields[1]),
        command,
        ticks: ticks.length === 4 ? ticks.reduce((sum, value) => sum + value, 0) : NaN,
      });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

function snapshot(): Snapshot | null {
  try {
    return { at: performance.now(), machine: machineBusyTicks(), processes: processes() };
  } catch {
    return null; // not Linux
  }
}

function descendsFrom(table: Map<number, ProcessInfo>, pid: number, ancestor: number): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
    if (current === ancestor) return true;
    current = table.get(current)?.parent ?? 0;
  }
  return false;
}

/** Starts watching; the returned function tells who used the CPU since then. */
export function watchCpu(serverPid?: number): () => CpuUse | null {
  const start = snapshot();
  return () => {
    const end = snapshot();
    if (!start || !end) return null;
    const used = { server: 0, postgres: 0, loadGenerator: 0, ours: 0 };
    for (const [pid, info] of end.processes) {
      if (!descendsFrom(end.processes, pid, process.pid)) continue;
      const ticks = info.ticks - (start.processes.get(pid)?.ticks ?? 0);
      used.ours += ticks;
      if (pid === process.pid) used.loadGenerator += ticks;
      else if (serverPid !== undefined && descendsFrom(end.processes, pid, serverPid)) used.server += ticks;
      else if (info.command === 'postgres') used.postgres += ticks;
    }
    const seconds = (end.at - start.at) / 1000;
    const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
    return {
      server: cores(used.server),
      postgres: cores(used.postgres),
      loadGenerator: cores(used.loadGenerator),
      foreign: Math.max(0, cores(end.machine - start.machine - used.ours)),
      cores: os.availableParallelism(),
    };
  };
}
