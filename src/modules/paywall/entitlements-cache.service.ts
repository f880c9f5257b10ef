import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { ChangeFeed } from '../change-feed/change-feed.service';
import { Entitlements } from '../entitlements/entitlement.types';
import { EntitlementsService } from '../entitlements/entitlements.service';

const MAX_USERS = 50_000;
/** A safety net only: changes arrive as notifications well before this. */
const TTL_MS = 60_000;

/**
 * Each user's entitlements, in process. A hit costs no database query; notifications drop entries,
 * and an entry never outlives the moment its result could change by itself (a grace or grant ending).
 */
@Injectable()
export class EntitlementsCache {
  private readonly entries = new LRUCache<string, Entitlements>({ max: MAX_USERS, ttl: TTL_MS });
  /** Bumped on every invalidation, so a computation that raced one is not stored. */
  private readonly generations = new Map<string, number>();
  private globalGeneration = 0;
  /** Computations under way, so that concurrent misses for one user share one. */
  private readonly loading = new Map<string, { generation: string; entitlements: Promise<Entitlements> }>();

  constructor(
    private readonly entitlements: EntitlementsService,
    changes: ChangeFeed,
  ) {
    changes.subscribe('entitlements', (change) => this.invalidate(change.userId));
    // A plan's features may have changed: every user's entitlements may differ.
    changes.subscribe('catalog', () => this.invalidateAll());
    changes.onGap(() => this.invalidateAll());
  }

  get(userId: string): Promise<Entitlements> | Entitlements {
    const cached = this.entries.get(userId);
    if (cached) return cached;
    const generation = this.generationOf(userId);
    const loading = this.loading.get(userId);
    if (loading?.generation === generation) return loading.entitlements;
    const entitlements = this.load(userId, generation);
    this.loading.set(userId, { generation, entitlements });
    return entitlements;
  }

  /** Computes once for all the requests that miss together; stored unless a change came meanwhile. */
  private async load(userId: string, generation: string): Promise<Entitlements> {
    try {
      const computed = await this.entitlements.compute(userId);
      if (this.generationOf(userId) === generation) {
        const ttl = computed.validUntil
          ? Math.min(TTL_MS, computed.validUntil.getTime() - Date.now())
          : TTL_MS;
        if (ttl > 0) this.entries.set(userId, computed, { ttl });
      }
      return computed;
    } finally {
      if (this.loading.get(userId)?.generation === generation) this.loading.delete(userId);
    }
  }

  invalidate(userId: string): void {
    this.generations.set(userId, (this.generations.get(userId) ?? 0) + 1);
    if (this.generations.size > MAX_USERS) {
      // Forgetting counters could let a computation that raced a change look current: end them all.
      this.generations.clear();
      this.globalGeneration++;
    }
    this.entries.delete(userId);
  }

  invalidateAll(): void {
    this.globalGeneration++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private generationOf(userId: string): string {
    return `${this.globalGeneration}:${this.generations.get(userId) ?? 0}`;
  }
}
