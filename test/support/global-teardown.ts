import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.testDatabase?.release();
  if (globalThis.testDataDir) rmSync(globalThis.testDataDir, { recursive: true, force: true });
}
