import { ERROR_CATALOG, problemType } from '../errors/error-catalog';

export const PROBLEM_SCHEMA_NAME = 'Problem';
export const PROBLEM_SCHEMA_REF = `#/components/schemas/${PROBLEM_SCHEMA_NAME}`;

export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', example: '/problems/validation-failed' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ERROR_CATALOG) },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

export function describeProblemCodes(): string {
  const rows = Object.entries(ERROR_CATALOG).map(
    ([code, entry]) => `| \`${code}\` | ${entry.status} | \`${problemType(code)}\` | ${entry.description} |`,
  );
  return ['| code | status | type | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
