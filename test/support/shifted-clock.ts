import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A clock a test server runs on (see shifted-clock-preload.js): `env` starts the server on it, `shift` moves it. */
export interface ShiftedClock {
  env: NodeJS.ProcessEnv;
  /** Sets how far ahead of real time the server's clock runs. */
  shiftTo(offsetMs: number): void;
  remove(): void;
}

export function shiftedClock(): ShiftedClock {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-clock-'));
  const file = path.join(dir, 'offset');
  writeFileSync(file, '0');
  return {
    env: {
      SHIFTED_CLOCK_FILE: file,
      NODE_OPTIONS:
        `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'shifted-clock-preload.js')}`.trim(),
    },
    shiftTo: (offsetMs) => writeFileSync(file, String(Math.round(offsetMs))),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
