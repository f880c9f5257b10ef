import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface FeedOutcome {
  heardBySecond: unknown[];
  heardByFirst: unknown[];
  committedArrivedInMs: number;
  statementArrivedInMs: number;
}

describe('the change feed between two instances on one database', () => {
  let outcome: FeedOutcome;

  beforeAll(async () => {
    // Nest 12 is ES modules only, which Jest cannot load on Node 20: the instances run in a plain node process.
    const { stdout } = await run(
      process.execPath,
      [path.join(__dirname, 'fixtures', 'change-feed-instances.js')],
      {
        env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL },
      },
    );
    outcome = JSON.parse(stdout) as FeedOutcome;
  });

  it('never announces a change whose transaction rolled back', () => {
    expect(outcome.heardBySecond).not.toContainEqual(
      expect.objectContaining({ accountId: '00000000-0000-4000-8000-00000000000a' }),
    );
    expect(outcome.heardByFirst).not.toContainEqual(
      expect.objectContaining({ accountId: '00000000-0000-4000-8000-00000000000a' }),
    );
  });

  it('delivers committed changes, in a transaction or by a single statement, to the other instance within a second', () => {
    expect(outcome.heardBySecond).toEqual([
      { kind: 'entitlements', accountId: '00000000-0000-4000-8000-00000000000b' },
      { kind: 'catalog' },
    ]);
    expect(outcome.committedArrivedInMs).toBeLessThan(1_000);
    expect(outcome.statementArrivedInMs).toBeLessThan(1_000);
  });
});
