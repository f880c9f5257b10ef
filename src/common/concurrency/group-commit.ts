/**
 * Writes items in batches, like PostgreSQL's group commit: an item arriving while no batch is being
 * written is written at once, alone; items arriving while one is written wait and go together in the
 * next. So a quiet instance adds no delay, and a busy one spends one statement on many items.
 * `write` answers each item of its batch, in order; if it fails, every item of that batch fails.
 */
export class GroupCommit<Item, Result> {
  private waiting: { item: Item; resolve(result: Result): void; reject(error: Error): void }[] = [];
  private writing = false;

  constructor(private readonly write: (batch: Item[]) => Promise<Result[]>) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const results = await this.write(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index] as Result));
      } catch (error) {
        for (const entry of batch) entry.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.writing = false;
  }
}
