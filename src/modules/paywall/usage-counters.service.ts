import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { Prisma } from '../../generated/prisma/client';
import { PAYWALL_REQUIREMENTS, PaywallRequirement } from './paywall.requirements';
import { USAGE_COUNTER, UsageCounter } from './usage-counter.decorator';

/** The counters of every limited feature, found at boot among the providers marked `@CountsUsageOf`. */
@Injectable()
export class UsageCounters implements OnApplicationBootstrap {
  private readonly counters = new Map<string, UsageCounter>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const feature = wrapper.metatype && this.reflector.get<string>(USAGE_COUNTER, wrapper.metatype);
      if (!feature || !wrapper.instance) continue;
      const existing = this.counters.get(feature);
      if (existing && existing !== wrapper.instance) {
        throw new Error(
          `Two usage counters for feature '${feature}': keep one @CountsUsageOf('${feature}').`,
        );
      }
      this.counters.set(feature, wrapper.instance as UsageCounter);
    }
    for (const { route, feature } of this.limitedRoutes()) {
      if (!this.counters.has(feature)) {
        throw new Error(
          `@WithinLimit('${feature}') on ${route} has no usage counter: mark the provider that counts it with @CountsUsageOf('${feature}').`,
        );
      }
    }
  }

  /** How much of the feature the user uses now; 0 for a feature nothing counts (e.g. a flag). */
  used(feature: string, accountId: string, tx?: Prisma.TransactionClient): Promise<number> {
    const counter = this.counters.get(feature);
    return counter ? counter.countUsage(accountId, tx) : Promise.resolve(0);
  }

  private *limitedRoutes(): Generator<{ route: string; feature: string }> {
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[method] as () => unknown;
        const requirements = this.reflector.get<PaywallRequirement[] | undefined>(
          PAYWALL_REQUIREMENTS,
          handler,
        );
        for (const requirement of requirements ?? []) {
          if (requirement.kind === 'limit')
            yield { route: `${wrapper.name}.${method}`, feature: requirement.feature };
        }
      }
    }
  }
}
