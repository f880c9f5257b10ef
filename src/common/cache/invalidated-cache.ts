import { LRUCache } from 'lru-cache';

export interface InvalidatedCacheOptions<V extends object> {
  max: number;
  /** A safety net only: changes arrive as invalidations well before this. */
  ttlMs: number;
  /** How long one value may live, when it knows it changes by itself sooner (ms; 0 or less: not kept). */
  ttlOf?: (value: V) => number;
}

/**
 * Values computed from the database, kept in process and dropped when told they changed. A hit costs
 * nothing; requests that miss together share one load; a load that raced an invalidation is returned
 * to its callers but not kept, so a change can never be covered up by an older answer.
 */
export class InvalidatedCache<V extends object> {
  private readonly entries: LRUCache<string, V>;
  /** Bumped on every invalidation, so a load that raced one is not stored. */
  private readonly generations = new Map<string, number>();
  private globalGeneration = 0;
  private readonly loading = new Map<string, { generation: string; value: Promise<V> }>();

  constructor(
    private readonly load: (key: string) => Promise<V>,
    private readonly options: InvalidatedCacheOptions<V>,
  ) {
    this.entries = new LRUCache<string, V>({ max: options.max, ttl: options.ttlMs });
  }

  get(key: string): Promise<V> | V {
    const cached = this.entries.get(key);
    if (cached) return cached;
    const generation = this.generationOf(key);
    const loading = this.loading.get(key);
    if (loading?.generation === generation) return loading.value;
    const value = this.loadAndKeep(key, generation);
    this.loading.set(key, { generation, value });
    return value;
  }

  invalidate(key: string): void {
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    if (this.generations.size > this.options.max) {
      // Forgetting counters could let a load that raced a change look current: end them all.
      this.generations.clear();
      this.globalGeneration++;
    }
    this.entries.delete(key);
  }

  invalidateAll(): void {
    this.globalGeneration++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private async loadAndKeep(key: string, generation: string): Promise<V> {
    try {
      const value = await this.load(key);
      if (this.generationOf(key) === generation) {
        const ttl = Math.min(this.options.ttlMs, this.options.ttlOf?.(value) ?? this.options.ttlMs);
        if (ttl > 0) this.entries.set(key, value, { ttl });
      }
      return value;
    } finally {
      if (this.loading.get(key)?.generation === generation) this.loading.delete(key);
    }
  }

  private generationOf(key: string): string {
    return `${this.globalGeneration}:${this.generations.get(key) ?? 0}`;
  }
}
