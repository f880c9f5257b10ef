import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FIXTURE = path.join(__dirname, 'fixtures', 'boot-limited-route.js');

/** Nest 12 is ES modules only, which Jest cannot load on Node 20: the boot runs in a plain node process. */
async function boot(variant: 'with-counter' | 'without-counter') {
  try {
    const { stdout } = await run(process.execPath, [FIXTURE, variant]);
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('a limited route and its usage counter', () => {
  it('stops the boot, naming the route and the feature, when nothing counts the feature', async () => {
    const outcome = await boot('without-counter');
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trim()).toBe(
      "@WithinLimit('widgets') on WidgetsController.create has no usage counter: mark the provider that counts it with @CountsUsageOf('widgets').",
    );
  });

  it('boots when a provider is marked @CountsUsageOf the feature', async () => {
    const outcome = await boot('with-counter');
    expect(outcome).toMatchObject({ code: 0, stdout: 'booted\n' });
  });
});
