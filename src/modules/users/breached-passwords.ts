import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Shipped next to this file (copied into dist by nest-cli.json's assets); see its LICENSE and the README. */
export const BREACHED_PASSWORDS_FILE = path.join(__dirname, 'breached-passwords.txt');

let shipped: ReadonlySet<string> | undefined;

/** The shipped list, read once per process, lower-cased for case-insensitive lookups. */
export function breachedPasswords(): ReadonlySet<string> {
  shipped ??= readBreachedPasswords(BREACHED_PASSWORDS_FILE);
  return shipped;
}

/** One password a line; blank lines are skipped. */
export function readBreachedPasswords(file: string): ReadonlySet<string> {
  const passwords = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (line !== '') passwords.add(line.toLowerCase());
  }
  return passwords;
}
