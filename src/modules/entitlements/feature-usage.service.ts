import { Injectable } from '@nestjs/common';

export type UsageCounter = (userId: string) => Promise<number>;

/** How much of a limited feature a user has used; feature modules register their counters. */
@Injectable()
export class FeatureUsageService {
  private readonly counters = new Map<string, UsageCounter>();

  register(feature: string, counter: UsageCounter): void {
    this.counters.set(feature, counter);
  }

  async used(feature: string, userId: string): Promise<number> {
    const counter = this.counters.get(feature);
    return counter ? counter(userId) : 0;
  }
}
