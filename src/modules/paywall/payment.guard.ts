import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { CreditsRepository } from '../credits/credits.repository';
import { Entitlements } from '../entitlements/entitlement.types';
import { FeatureUsageService } from '../entitlements/feature-usage.service';
import { AuthenticationGuard } from '../auth/authentication.guard';
import { RolesGuard } from '../auth/roles.guard';
import { AuthenticatedUser } from '../users/user.types';
import { decideFeature } from './access-decision';
import { EntitlementsCache } from './entitlements-cache.service';
import { PaymentRequiredFactory } from './payment-required.factory';
import {
  PAYWALL_REQUIREMENTS,
  PaywallContext,
  PaywalledRequest,
  PaywallRequirement,
} from './paywall.requirements';

type GuardedRequest = FastifyRequest & PaywalledRequest & { user?: AuthenticatedUser };

/**
 * Runs after authentication (401 first, 403 for roles) and answers 402 per the access policy.
 * Feature checks are answered from the in-process cache; limits count current use; credits are
 * spent atomically here (and given back if the handler fails).
 */
@Injectable()
export class PaymentGuard implements CanActivate {
  /** Metadata never changes at run time: read once per handler. */
  private readonly requirements = new WeakMap<object, PaywallRequirement[]>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationGuard,
    private readonly roles: RolesGuard,
    private readonly cache: EntitlementsCache,
    private readonly usage: FeatureUsageService,
    private readonly credits: CreditsRepository,
    private readonly paymentRequired: PaymentRequiredFactory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (request.paywall) return true;
    const requirements = this.requirementsOf(context);
    if (!request.user) await this.authentication.canActivate(context);
    this.roles.canActivate(context);
    const user = request.user!;
    const route = request.routeOptions.url ?? request.url;
    const entitlements = await this.cache.get(user.id);
    const paywall: PaywallContext = { limits: {}, creditsSpent: 0, creditsRemaining: null };

    for (const requirement of requirements) {
      if (requirement.kind === 'credits') continue;
      const decision = decideFeature(entitlements, requirement.feature);
      if (!decision.granted) {
        throw await this.paymentRequired.create({
          code: decision.code,
          feature: requirement.feature,
          route,
          entitlements,
        });
      }
      if (requirement.kind === 'limit') {
        paywall.limits[requirement.feature] = decision.limit;
        await this.assertBelowLimit(user.id, requirement.feature, decision.limit, route, entitlements);
      }
    }
    const credits = requirements.reduce(
      (sum, requirement) => sum + (requirement.kind === 'credits' ? requirement.credits : 0),
      0,
    );
    if (credits > 0) await this.spend(user.id, credits, route, entitlements, paywall);
    request.paywall = paywall;
    return true;
  }

  private requirementsOf(context: ExecutionContext): PaywallRequirement[] {
    const handler = context.getHandler();
    let requirements = this.requirements.get(handler);
    if (!requirements) {
      requirements = this.reflector.getAllAndMerge<PaywallRequirement[]>(PAYWALL_REQUIREMENTS, [
        handler,
        context.getClass(),
      ]);
      this.requirements.set(handler, requirements);
    }
    return requirements;
  }

  private async assertBelowLimit(
    userId: string,
    feature: string,
    limit: number | null,
    route: string,
    entitlements: Entitlements,
  ): Promise<void> {
    if (limit === null) return;
    const used = await this.usage.used(feature, userId);
    if (used < limit) return;
    throw await this.paymentRequired.create({
      code: 'limit_reached',
      feature,
      route,
      entitlements,
      limit: { limit, used },
    });
  }

  private async spend(
    userId: string,
    credits: number,
    route: string,
    entitlements: Entitlements,
    paywall: PaywallContext,
  ): Promise<void> {
    const remaining = await this.credits.spend(userId, credits, `spend:${route}`);
    if (remaining === null) {
      const balance = await this.credits.balance(userId);
      throw await this.paymentRequired.create({
        code: 'insufficient_credits',
        feature: null,
        route,
        entitlements,
        credits: { required: credits, balance },
      });
    }
    paywall.creditsSpent = credits;
    paywall.creditsRemaining = remaining;
  }
}
