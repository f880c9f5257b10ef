import { GroupCommit } from './group-commit';

/** A write the test completes by hand, recording each batch. */
function manualWrites() {
  const batches: number[][] = [];
  const pending: { resolve: (results: string[]) => void; reject: (error: Error) => void }[] = [];
  const write = (batch: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(batch);
      pending.push({ resolve: (results) => resolve(results), reject });
    });
  return { batches, pending, write };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes an item alone at once when nothing is being written', async () => {
    const writes = manualWrites();
    const commit = new GroupCommit(writes.write);
    const result = commit.add(1);
    expect(writes.batches).toEqual([[1]]);
    writes.pending[0]!.resolve(['one']);
    await expect(result).resolves.toBe('one');
  });

  it('writes the items that arrived during a write together, in one batch, each getting its answer', async () => {
    const writes = manualWrites();
    const commit = new GroupCommit(writes.write);
    const first = commit.add(1);
    const later = [2, 3, 4].map((item) => commit.add(item));
    expect(writes.batches).toEqual([[1]]);
    writes.pending[0]!.resolve(['one']);
    await first;
    await tick();
    expect(writes.batches).toEqual([[1], [2, 3, 4]]);
    writes.pending[1]!.resolve(['two', 'three', 'four']);
    await expect(Promise.all(later)).resolves.toEqual(['two', 'three', 'four']);
  });

  it('fails every item of a failed batch, and goes on with the next', async () => {
    const writes = manualWrites();
    const commit = new GroupCommit(writes.write);
    const first = commit.add(1);
    const second = commit.add(2);
    const third = commit.add(3);
    writes.pending[0]!.reject(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    writes.pending[1]!.reject(new Error('still down'));
    await expect(second).rejects.toThrow('still down');
    await expect(third).rejects.toThrow('still down');
    const afterwards = commit.add(4);
    expect(writes.batches.at(-1)).toEqual([4]);
    writes.pending[2]!.resolve(['four']);
    await expect(afterwards).resolves.toBe('four');
  });
});
