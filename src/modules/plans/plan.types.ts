import { Plan, PlanFeature, Price } from '../../generated/prisma/client';

/** A plan with its features and prices, as the catalog stores it. */
export type PlanWithCatalog = Plan & { features: PlanFeature[]; prices: Price[] };
