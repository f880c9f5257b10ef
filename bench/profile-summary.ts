/**
 * Summarises a V8 .cpuprofile (from BENCH_CPU_PROF): self time by function and by origin (package
 * or source file), and the inclusive time of frames whose name matches a pattern.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top=25] [--inclusive=<regex>] [--from=<s>] [--to=<s>]
 *
 * --from/--to keep the samples of that window (seconds since the profile started), e.g. one measured
 * route; --timeline prints how busy the main thread was, second by second, to find it.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function origin(url: string): string {
  if (!url) return '(native/V8)';
  const [, modulePackage] = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url) ?? [];
  if (modulePackage) return modulePackage;
  if (url.startsWith('node:')) return url;
  const local = /\/(dist|src|bench)\/(.+)$/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url;
}

function frameName(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${origin(frame.url)}:${frame.lineNumber + 1}`;
}

function top(totals: Map<string, number>, all: number, count: number): string[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([name, micros]) =>
        `${((100 * micros) / all).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
}

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

function timeline(profile: Profile, nodes: Map<number, ProfileNode>): string {
  const seconds: { busy: number; all: number }[] = [];
  let at = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    const second = (seconds[Math.floor(at / 1e6)] ??= { busy: 0, all: 0 });
    second.all += micros;
    if (nodes.get(id)!.callFrame.functionName !== '(idle)') second.busy += micros;
  });
  return seconds
    .map((second, index) => `${index}s:${Math.round((100 * second.busy) / second.all)}%`)
    .join(' ');
}

function main(): void {
  const file = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top=25] [--inclusive=<regex>]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const count = Number(flag('top') ?? 25);
  const from = Number(flag('from') ?? 0) * 1e6;
  const to = Number(flag('to') ?? Infinity) * 1e6;
  const inclusiveArg = flag('inclusive');
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  if (process.argv.includes('--timeline')) {
    process.stdout.write(`${timeline(profile, nodes)}\n`);
    return;
  }
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const self = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const pattern = inclusiveArg ? new RegExp(inclusiveArg) : null;
  let total = 0;
  let idle = 0;
  let at = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    if (at < from || at > to) return;
    const node = nodes.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)') idle += micros;
    total += micros;
    self.set(frameName(node.callFrame), (self.get(frameName(node.callFrame)) ?? 0) + micros);
    const where = name.startsWith('(') ? name : origin(node.callFrame.url);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + micros);
    if (!pattern) return;
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const key = frameName(nodes.get(current)!.callFrame);
      if (pattern.test(key) && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
      }
    }
  });
  const busy = total - idle;
  const lines = [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(idle / 1000).toFixed(0)} ms idle; shares below are of the ${(busy / 1000).toFixed(0)} ms busy`,
    '',
    'self time by origin:',
    ...top(new Map([...byOrigin].filter(([name]) => name !== '(idle)')), busy, count),
    '',
    'self time by function:',
    ...top(new Map([...self].filter(([name]) => !name.startsWith('(idle)'))), busy, count),
  ];
  if (pattern)
    lines.push('', `inclusive time of frames matching ${pattern}:`, ...top(inclusive, busy, count));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
