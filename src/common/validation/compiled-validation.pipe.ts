import { ArgumentMetadata, PipeTransform, Type, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { plainToInstance, TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  getMetadataStorage,
  ValidationArguments,
  ValidationTypes,
  ValidatorConstraintInterface,
} from 'class-validator';

type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

/** One decorator's check, bound once: what class-validator looks up again on every call. */
interface BoundCheck {
  /** `validateIf` of the decorator's options: false skips the check. */
  readonly when: ((object: object, value: unknown) => boolean) | undefined;
  readonly constraint: ValidatorConstraintInterface;
  readonly metadata: ValidationMetadata;
}

interface PropertyPlan {
  readonly name: string;
  /** @IsOptional / @ValidateIf: all must hold for the property to be checked at all. */
  readonly conditions: ((object: object, value: unknown) => boolean)[];
  /** @IsDefined's, then the others, in class-validator's order. */
  readonly checks: BoundCheck[];
}

/** A DTO's rules, read once from class-validator's metadata; null when the class has a rule the plan does not run. */
type ValidationPlan = {
  readonly properties: PropertyPlan[];
  readonly allowed: ReadonlySet<string>;
  /** No class-transformer decorator applies to the class: `plainToInstance` only copies (`copyToInstance`). */
  readonly plainCopy: boolean;
} | null;

const RUN_BY_PLAN = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.WHITELIST,
]);

/**
 * Nest's ValidationPipe, with a fast path for the flat bodies most routes take. class-validator looks
 * up a class's rules on every call (scanning every DTO class for inheritance) and builds an error object
 * per property whether or not it fails; on a small route that is a third of the request's CPU.
 *
 * The fast path runs the very same constraint instances, in class-validator's order and with its
 * arguments, from a plan built once per class, and only ever *accepts*: a body with a failing rule, a
 * property that is not a scalar, an asynchronous rule or a class with nested/grouped/`each` rules goes
 * through Nest's ValidationPipe, which then answers exactly as it would have (same errors, same 400).
 * So the pipe never accepts what Nest's would refuse, and hands the handler the same instance
 * (class-transformer's `plainToInstance` with the same options).
 */
export class CompiledValidationPipe implements PipeTransform {
  private readonly canonical: ValidationPipe;
  private readonly plans = new Map<Type, ValidationPlan>();

  constructor(private readonly options: ValidationPipeOptions) {
    if (!options.transform || !options.whitelist || !options.forbidNonWhitelisted)
      throw new Error('CompiledValidationPipe implements transform + whitelist + forbidNonWhitelisted only');
    if (options.groups?.length || options.always || options.transformOptions || options.skipMissingProperties)
      throw new Error('CompiledValidationPipe does not implement groups, always or transform options');
    this.canonical = new ValidationPipe(options);
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const { metatype } = metadata;
    if ((metadata.type === 'body' || metadata.type === 'query') && metatype && isPlainObject(value)) {
      const plan = this.planOf(metatype);
      if (plan) {
        const instance = plan.plainCopy
          ? copyToInstance(metatype, value)
          : (plainToInstance(metatype, value) as Record<string, unknown>);
        // A `__proto__` key would have set the prototype (the JSON parser refuses it; this holds regardless).
        if (Object.getPrototypeOf(instance) === metatype.prototype && accepts(plan, instance))
          return instance;
      }
    }
    return this.canonical.transform(value, metadata);
  }

  private planOf(metatype: Type): ValidationPlan {
    let plan = this.plans.get(metatype);
    if (plan === undefined) {
      plan = buildPlan(metatype);
      this.plans.set(metatype, plan);
    }
    return plan;
  }
}

/** Exported for its unit test: the plan of a class, or null when the canonical pipe must judge it. */
export function buildPlan(metatype: Type): ValidationPlan {
  const storage = getMetadataStorage();
  // The same lookup class-validator makes on each call (no groups, `always` false, not strict).
  const metadatas = storage.getTargetValidationMetadatas(
    metatype,
    undefined as unknown as string,
    false,
    false,
  );
  if (metadatas.length === 0) return null;
  const unsupported = metadatas.some(
    (metadata) =>
      !RUN_BY_PLAN.has(metadata.type) ||
      metadata.each ||
      metadata.always !== undefined ||
      (metadata.groups?.length ?? 0) > 0,
  );
  if (unsupported) return null;

  const grouped = storage.groupByPropertyName(metadatas);
  const properties = Object.entries(grouped).map(([name, ofProperty]): PropertyPlan => {
    const bind = (type: string): BoundCheck[] =>
      ofProperty
        .filter((metadata) => metadata.type === type)
        .flatMap((metadata) =>
          storage.getTargetValidatorConstraints(metadata.constraintCls).map((constraintMetadata) => ({
            when: metadata.validateIf,
            constraint: constraintMetadata.instance,
            metadata,
          })),
        );
    return {
      name,
      conditions: ofProperty
        .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
        .map((metadata) => metadata.constraints[0] as (object: object, value: unknown) => boolean),
      checks: [...bind(ValidationTypes.IS_DEFINED), ...bind(ValidationTypes.CUSTOM_VALIDATION)],
    };
  });
  // Whitelisting keeps the properties with any rule at all (an @Allow() included).
  const allowed = new Set(Object.keys(grouped));
  return { properties, allowed, plainCopy: withoutTransformRules(metatype, allowed) };
}

/**
 * Whether class-transformer has no rule for the class: no @Expose/@Exclude anywhere on it, no strategy,
 * and no @Type or @Transform on a property the plan allows (any other property fails the whitelist,
 * and the canonical pipe judges the body).
 */
function withoutTransformRules(metatype: Type, allowed: ReadonlySet<string>): boolean {
  return (
    defaultMetadataStorage.getStrategy(metatype) === 'none' &&
    defaultMetadataStorage.getExposedMetadatas(metatype).length === 0 &&
    defaultMetadataStorage.getExcludedMetadatas(metatype).length === 0 &&
    [...allowed].every(
      (property) =>
        defaultMetadataStorage.findTypeMetadata(metatype, property) === undefined &&
        defaultMetadataStorage.findTransformMetadatas(metatype, property, TransformationType.PLAIN_TO_CLASS)
          .length === 0,
    )
  );
}

/**
 * What `plainToInstance` makes of a plain object for a class without class-transformer rules, for the
 * values the plan accepts (scalars: class-transformer returns them as they are): a new instance with
 * the object's keys copied, but for the keys it never copies (`__proto__`, `constructor`, a getter
 * without a setter, a method). Objects are copied by reference, which the plan refuses anyway.
 */
export function copyToInstance(metatype: Type, value: Record<string, unknown>): Record<string, unknown> {
  const instance = new metatype() as Record<string, unknown>;
  const prototype = metatype.prototype as object;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
    if ((descriptor && !descriptor.set) || instance[key] instanceof Function) continue;
    instance[key] = value[key];
  }
  return instance;
}

/** True when class-validator would find no error on this instance; false when it might. */
export function accepts(plan: NonNullable<ValidationPlan>, instance: Record<string, unknown>): boolean {
  for (const key of Object.keys(instance)) if (!plan.allowed.has(key)) return false;
  for (const property of plan.properties) {
    const value = instance[property.name];
    if (value !== null && typeof value === 'object') return false;
    if (!property.conditions.every((condition) => condition(instance, value))) continue;
    for (const { when, constraint, metadata } of property.checks) {
      if (when && !when(instance, value)) continue;
      const args: ValidationArguments = {
        targetName: instance.constructor.name,
        property: metadata.propertyName,
        object: instance,
        value,
        constraints: metadata.constraints,
      };
      const verdict = constraint.validate(value, args) as unknown;
      // An asynchronous rule is left to the canonical pipe, which awaits it.
      if (!verdict || typeof (verdict as { then?: unknown }).then === 'function') return false;
    }
  }
  return true;
}

/** A parsed body or query string: Fastify's query objects have a prototype of their own with none above it. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null;
}
