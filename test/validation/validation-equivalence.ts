import type { ArgumentMetadata, Type, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import type { getMetadataStorage as GetMetadataStorage } from 'class-validator';
import { createRequire } from 'node:module';
import path from 'node:path';

import type * as CompiledValidation from '../../src/common/validation/compiled-validation.pipe';
import type * as DomainErrors from '../../src/common/errors/domain-error';
import type * as ValidationErrors from '../../src/common/validation/validation-errors';

/*
 * Run by compiled-validation.e2e-spec.ts in a child process (`tsx`): NestJS 12 is ECMAScript modules,
 * which Jest's module loader cannot require. The pipe, Nest's own ValidationPipe and the DTOs are
 * loaded from the compiled server (`npm test` builds it first), so both pipes read one class-validator
 * metadata storage. Prints one JSON line: what the two pipes answered, compared.
 */
const dist = createRequire(path.resolve(__dirname, '../../dist/main.js'));
dist('reflect-metadata');
const { ValidationPipe: NestValidationPipe } = dist('@nestjs/common') as {
  ValidationPipe: typeof ValidationPipe;
};
const { getMetadataStorage } = dist('class-validator') as { getMetadataStorage: typeof GetMetadataStorage };
const { buildPlan, CompiledValidationPipe } = dist(
  './common/validation/compiled-validation.pipe',
) as typeof CompiledValidation;
const { DomainError } = dist('./common/errors/domain-error') as typeof DomainErrors;
const { flattenValidationErrors } = dist('./common/validation/validation-errors') as typeof ValidationErrors;

const DTO_FILES = [
  'account/account.dto',
  'accounts/accounts.dto',
  'admin-users/admin-users.dto',
  'analyses/analysis.dto',
  'analyses/estimate.dto',
  'api-keys/api-key.dto',
  'audit/audit.dto',
  'auth/auth.dto',
  'billing/billing.dto',
  'billing/subscription-operations.dto',
  'billing/trials.dto',
  'credits/credits.dto',
  'entitlements/grant.dto',
  'exports/export.dto',
  'mail/mail.dto',
  'metering/meter-events.dto',
  'plans/plan.dto',
  'projects/project.dto',
  'webhooks/webhook-event.dto',
];
const dtos = Object.fromEntries(
  DTO_FILES.map((file) => [file, dist(`./modules/${file}`) as Record<string, unknown>]),
);
const dto = (file: string, name: string): Type => dtos[file]![name] as Type;
const EstimateRequestDto = dto('analyses/estimate.dto', 'EstimateRequestDto');
const CreateProjectDto = dto('projects/project.dto', 'CreateProjectDto');

const OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
};

/** Every class of the API's DTO files that carries validation rules. */
const DTO_CLASSES: Type[] = Object.values(dtos)
  .flatMap((module) => Object.values(module))
  .filter((value): value is Type => typeof value === 'function' && rulesOf(value as Type).length > 0);

/** Values of the kinds the DTOs' rules tell apart: lengths, NUL, variation selectors, formats, numbers. */
const VALUES: unknown[] = [
  'Website relaunch',
  '',
  ' ',
  'a'.repeat(200),
  'a'.repeat(201),
  'b'.repeat(321),
  'nul\u0000byte',
  '\uFE0F',
  'a\uFE0F',
  '😀',
  'ada@example.com',
  ' Ada@Example.COM ',
  'not an email',
  '2027-01-31T12:00:00Z',
  '2027-01-31',
  '2027-W05',
  'https://example.com/return',
  'javascript:alert(1)',
  '00000000-0000-4000-8000-000000000000',
  'price_123',
  'pro',
  'month',
  'day',
  'billing_period',
  'admin',
  'member',
  'owner',
  'processed',
  'failed',
  'correct horse battery staple',
  0,
  1,
  -1,
  1.5,
  20,
  100,
  1e9,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  false,
  null,
  [],
  ['a'],
  {},
  { nested: 1 },
];

const { parse: parseQuery } = dist('fast-querystring') as { parse: (query: string) => unknown };

/** A value of VALUES as a query string has it. */
function pick(random: () => number): unknown {
  const value = VALUES[Math.floor(random() * VALUES.length)];
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
}

async function compare(): Promise<object> {
  const compiled = new CompiledValidationPipe(OPTIONS);
  const nest = new NestValidationPipe(OPTIONS);
  const random = seededRandom(20261201);
  const mismatches: object[] = [];
  let cases = 0;
  let fastAccepted = 0;
  const classesAcceptedFast = new Set<string>();
  const canonical = compiled as unknown as { canonical: { transform: (...args: unknown[]) => unknown } };
  const deferTo = canonical.canonical.transform.bind(canonical.canonical);
  let deferred = false;
  canonical.canonical.transform = (...args: unknown[]) => {
    deferred = true;
    return deferTo(...args);
  };

  const compare = async (
    metatype: Type,
    type: 'body' | 'query',
    input: unknown,
    fresh: () => unknown,
  ): Promise<void> => {
    cases++;
    const metadata: ArgumentMetadata = { type, metatype, data: undefined };
    const expected = await outcome(() => nest.transform(fresh(), metadata));
    deferred = false;
    const actual = await outcome(() => compiled.transform(fresh(), metadata));
    const same =
      JSON.stringify(actual) === JSON.stringify(expected) &&
      (actual.value === undefined || Object.getPrototypeOf(actual.value) === metatype.prototype);
    if (!same) mismatches.push({ metatype: metatype.name, type, input, expected, actual });
    if (!deferred) {
      fastAccepted++;
      classesAcceptedFast.add(metatype.name);
    }
  };

  for (const metatype of DTO_CLASSES) {
    const properties = Object.keys(getMetadataStorage().groupByPropertyName(rulesOf(metatype)));
    for (let sample = 0; sample < 400; sample++) {
      const body: Record<string, unknown> = {};
      for (const property of properties) {
        if (random() < 0.25) continue;
        body[property] = VALUES[Math.floor(random() * VALUES.length)];
      }
      if (random() < 0.05) body.unexpected = 'x';
      // Mostly valid bodies too: the examples the fast path must accept.
      if (sample % 4 === 0) Object.assign(body, validExample(metatype));
      await compare(metatype, 'body', body, () => structuredClone(body));
    }
    // The same class as a query string, parsed as Fastify parses it (strings, repeated keys as arrays).
    for (let sample = 0; sample < 200; sample++) {
      const pairs: [string, string][] = [];
      for (const property of properties) {
        if (random() < 0.25) continue;
        const repeats = random() < 0.1 ? 2 : 1;
        for (let index = 0; index < repeats; index++) pairs.push([property, String(pick(random))]);
      }
      if (sample % 4 === 0)
        pairs.push(
          ...Object.entries(validExample(metatype)).map(([k, v]) => [k, String(v)] as [string, string]),
        );
      if (random() < 0.05) pairs.push(['__proto__', 'x']);
      if (random() < 0.05) pairs.push(['__proto__', 'a'], ['__proto__', 'b']);
      if (random() < 0.05) pairs.push(['constructor', 'y']);
      const query = new URLSearchParams(pairs).toString();
      await compare(metatype, 'query', query, () => parseQuery(query));
    }
  }
  return {
    dtoClasses: DTO_CLASSES.length,
    cases,
    fastAccepted,
    classesAcceptedFast: [...classesAcceptedFast],
    mismatches,
    plans: {
      EstimateRequestDto: buildPlan(EstimateRequestDto) !== null,
      CreateProjectDto: buildPlan(CreateProjectDto) !== null,
      CreatePlanDto: buildPlan(dto('plans/plan.dto', 'CreatePlanDto')) !== null,
    },
  };
}

function rulesOf(metatype: Type) {
  return getMetadataStorage().getTargetValidationMetadatas(
    metatype,
    undefined as unknown as string,
    false,
    false,
  );
}

/** The pipe's answer, as data: the instance it returns or the problem it raises. */
async function outcome(run: () => unknown): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await run() };
  } catch (error) {
    if (error instanceof DomainError) {
      return { error: { code: error.code, message: error.message, extensions: error.extensions } };
    }
    return { error: String(error) };
  }
}

/** A body the hot DTOs accept; other classes get an empty start. */
function validExample(metatype: Type): Record<string, unknown> {
  if (metatype === EstimateRequestDto) return { text: 'how many words are in this text' };
  if (metatype === CreateProjectDto) return { name: 'Website relaunch' };
  return {};
}

/** Deterministic, so that a failure names a body that fails again. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

void compare().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
