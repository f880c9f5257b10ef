import { CoalescedFetches } from './coalesced-fetches';

/** A fetch the test answers by hand, numbered in the order fetches started. */
class ManualFetches {
  readonly started: { n: number; resolve: (value: string) => void; reject: (error: Error) => void }[] = [];

  readonly fetch = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      this.started.push({ n: this.started.length + 1, resolve, reject });
    });

  nth(n: number) {
    const fetch = this.started[n - 1];
    if (!fetch) throw new Error(`fetch ${n} has not started`);
    return fetch;
  }

  answer(n: number, value = `answer ${n}`): void {
    this.nth(n).resolve(value);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CoalescedFetches', () => {
  it('starts a fetch at once when none is in flight, and forgets the key once it is answered', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    const answer = fetches.fetch('sub_1', manual.fetch);
    expect(manual.started).toHaveLength(1);
    manual.answer(1);
    await expect(answer).resolves.toBe('answer 1');
    expect(fetches.inFlight).toBe(0);
  });

  it('never gives a caller the fetch that was in flight when it asked: it shares the follow-up', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    const first = fetches.fetch('sub_1', manual.fetch);
    const later = Array.from({ length: 19 }, () => fetches.fetch('sub_1', manual.fetch));
    await tick();
    expect(manual.started).toHaveLength(1);

    manual.answer(1);
    await expect(first).resolves.toBe('answer 1');
    await tick();
    expect(manual.started).toHaveLength(2);
    manual.answer(2);
    await expect(Promise.all(later)).resolves.toEqual(Array(19).fill('answer 2'));
    expect(manual.started).toHaveLength(2);
    expect(fetches.inFlight).toBe(0);
  });

  it('gives the fetch in flight to the callers it answers, and the follow-up only to the others', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    void fetches.fetch('sub_1', manual.fetch);
    const answered = Array.from({ length: 5 }, () => fetches.fetch('sub_1', manual.fetch, () => true));
    const notAnswered = fetches.fetch('sub_1', manual.fetch, (value) => value !== 'answer 1');
    manual.answer(1);
    await expect(Promise.all(answered)).resolves.toEqual(Array(5).fill('answer 1'));
    await tick();
    expect(manual.started).toHaveLength(2);
    manual.answer(2);
    await expect(notAnswered).resolves.toBe('answer 2');
  });

  it('starts no follow-up when the fetch in flight answers every caller', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    void fetches.fetch('sub_1', manual.fetch);
    const waiters = Array.from({ length: 3 }, () => fetches.fetch('sub_1', manual.fetch, () => true));
    manual.answer(1);
    await Promise.all(waiters);
    for (let i = 0; i < 3; i++) await tick();
    expect(manual.started).toHaveLength(1);
    expect(fetches.inFlight).toBe(0);
  });

  it('starts the follow-up only after the fetch in flight has settled', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    void fetches.fetch('sub_1', manual.fetch);
    void fetches.fetch('sub_1', manual.fetch);
    for (let i = 0; i < 5; i++) await tick();
    expect(manual.started).toHaveLength(1);
  });

  it('gives callers arriving during the follow-up a fetch of their own after it', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    void fetches.fetch('sub_1', manual.fetch);
    const second = fetches.fetch('sub_1', manual.fetch);
    manual.answer(1);
    await tick();
    expect(manual.started).toHaveLength(2);

    const third = fetches.fetch('sub_1', manual.fetch);
    const fourth = fetches.fetch('sub_1', manual.fetch);
    manual.answer(2);
    await expect(second).resolves.toBe('answer 2');
    await tick();
    manual.answer(3);
    await expect(Promise.all([third, fourth])).resolves.toEqual(['answer 3', 'answer 3']);
    expect(manual.started).toHaveLength(3);
  });

  it('keeps keys apart', () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    void fetches.fetch('sub_1', manual.fetch);
    void fetches.fetch('sub_2', manual.fetch);
    expect(manual.started).toHaveLength(2);
    expect(fetches.inFlight).toBe(2);
  });

  it('fails the starter of a failed fetch and those sharing it; who waited on it goes on to the follow-up', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const manual = new ManualFetches();
    const first = fetches.fetch('sub_1', manual.fetch);
    const second = fetches.fetch('sub_1', manual.fetch);
    const third = fetches.fetch('sub_1', manual.fetch);
    manual.nth(1).reject(new Error('Stripe said 500'));
    await expect(first).rejects.toThrow('Stripe said 500');
    await tick();
    manual.nth(2).reject(new Error('Stripe said 429'));
    await expect(second).rejects.toThrow('Stripe said 429');
    await expect(third).rejects.toThrow('Stripe said 429');

    const afterwards = fetches.fetch('sub_1', manual.fetch);
    expect(manual.started).toHaveLength(3);
    manual.answer(3);
    await expect(afterwards).resolves.toBe('answer 3');
  });

  it('survives a fetch that throws before returning a promise', async () => {
    const fetches = new CoalescedFetches<string, string>();
    const broken = () => {
      throw new Error('no client');
    };
    await expect(fetches.fetch('sub_1', broken)).rejects.toThrow('no client');
    expect(fetches.inFlight).toBe(0);
    await expect(fetches.fetch('sub_1', () => Promise.resolve('fine'))).resolves.toBe('fine');
  });
});
