import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

import { ERROR_CATALOG, ErrorCode } from '../errors/error-catalog';
import { PROBLEM_SCHEMA_REF } from './problem.schema';

/** Documents the problem+json answers a route can give, grouped by status. */
export function ApiProblems(...codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: statusCodes
          .map((code) => `\`${code}\`: ${ERROR_CATALOG[code].description}`)
          .join('<br>'),
        content: { 'application/problem+json': { schema: { $ref: PROBLEM_SCHEMA_REF } } },
      }),
    ),
  );
}

/** What any route that calls Stripe can answer besides its own problems. */
export const STRIPE_PROBLEMS = ['stripe_rejected', 'stripe_unavailable', 'billing_not_configured'] as const;
