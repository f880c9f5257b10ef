import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { breachedPasswords, readBreachedPasswords } from './breached-passwords';

describe('the shipped breached-password list', () => {
  it('holds at least 10,000 passwords, long ones included', () => {
    const passwords = breachedPasswords();
    expect(passwords.size).toBeGreaterThanOrEqual(10_000);
    for (const password of ['password1234', '123456789012', 'qwertyuiop123']) {
      expect(passwords.has(password)).toBe(true);
    }
  });

  it('is read once per process', () => {
    expect(breachedPasswords()).toBe(breachedPasswords());
  });
});

describe('readBreachedPasswords', () => {
  it('lower-cases entries and skips blank lines, whatever the line endings', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'breached-'));
    try {
      const file = path.join(dir, 'list.txt');
      writeFileSync(file, 'Dragon\r\n\r\nletmein\n');
      expect([...readBreachedPasswords(file)]).toEqual(['dragon', 'letmein']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
