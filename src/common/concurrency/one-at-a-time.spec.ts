import { OneAtATime } from './one-at-a-time';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OneAtATime', () => {
  it('runs the work of one key one at a time, in the order asked', async () => {
    const queue = new OneAtATime<string>();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, index) =>
      queue.run('sub_1', async () => {
        log.push(`start ${index}`);
        await gate.promise;
        log.push(`end ${index}`);
        return index;
      }),
    );
    await tick();
    expect(log).toEqual(['start 0']);
    gates[2]?.resolve();
    gates[1]?.resolve();
    await tick();
    expect(log).toEqual(['start 0']);
    gates[0]?.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    await tick();
    expect(queue.busy).toBe(0);
  });

  it('runs different keys side by side', async () => {
    const queue = new OneAtATime<string>();
    const gate = deferred();
    const started: string[] = [];
    const first = queue.run('sub_1', async () => {
      started.push('sub_1');
      await gate.promise;
    });
    const second = queue.run('sub_2', () => {
      started.push('sub_2');
      return Promise.resolve();
    });
    await second;
    expect(started).toEqual(['sub_1', 'sub_2']);
    gate.resolve();
    await first;
  });

  it('fails only the caller whose work failed, and goes on with the next', async () => {
    const queue = new OneAtATime<string>();
    const failing = queue.run('sub_1', () => Promise.reject(new Error('deadlock')));
    const next = queue.run('sub_1', () => Promise.resolve('stored'));
    await expect(failing).rejects.toThrow('deadlock');
    await expect(next).resolves.toBe('stored');
  });
});
