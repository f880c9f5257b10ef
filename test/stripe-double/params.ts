import qs from 'qs';
import { invalidValue, missingParam, unknownParam } from './api-error';
import type { Metadata } from './types';

/** Request parameters as decoded from Stripe's bracket notation (`metadata[userId]=1`). */
export type Params = Record<string, unknown>;

export function parseFormEncoded(encoded: string): Params {
  return qs.parse(encoded, { depth: 10, arrayLimit: 1000, parameterLimit: 10_000 });
}

const METADATA_KEY_LIMIT = 50;
const METADATA_KEY_MAX_LENGTH = 40;
const METADATA_VALUE_MAX_LENGTH = 500;

function isHash(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed, validating access to request parameters. Error messages and `param` paths follow
 * Stripe's (`recurring[interval]`, `line_items[0][price]`).
 */
export class ParamReader {
  constructor(
    readonly raw: Params,
    private readonly prefix = '',
  ) {}

  pathOf(name: string): string {
    return this.prefix ? `${this.prefix}[${name}]` : name;
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  /** Every endpoint also accepts `expand`, so it need not be listed. */
  rejectUnknown(allowed: readonly string[]): void {
    for (const name of Object.keys(this.raw)) {
      if (name === 'expand' && !this.prefix) continue;
      if (!allowed.includes(name)) throw unknownParam(this.pathOf(name));
    }
  }

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw invalidValue(this.pathOf(name), `Invalid string: ${JSON.stringify(value)}`);
    }
    return value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw missingParam(this.pathOf(name));
    return value;
  }

  /** Stripe unsets nullable fields when they are sent empty (`description=`). */
  nullableString(name: string): string | null | undefined {
    const value = this.string(name);
    return value === '' ? null : value;
  }

  integer(name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw invalidValue(this.pathOf(name), `Invalid integer: ${value}`);
    const parsed = Number(value);
    if (bounds.min !== undefined && parsed < bounds.min) {
      throw invalidValue(this.pathOf(name), `This value must be greater than or equal to ${bounds.min}.`);
    }
    if (bounds.max !== undefined && parsed > bounds.max) {
      throw invalidValue(this.pathOf(name), `This value must be less than or equal to ${bounds.max}.`);
    }
    return parsed;
  }

  requiredInteger(name: string, bounds: { min?: number; max?: number } = {}): number {
    const value = this.integer(name, bounds);
    if (value === undefined) throw missingParam(this.pathOf(name));
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') {
      throw invalidValue(this.pathOf(name), `Invalid boolean: ${value}`);
    }
    return value === 'true';
  }

  requiredBoolean(name: string): boolean {
    const value = this.boolean(name);
    if (value === undefined) throw missingParam(this.pathOf(name));
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalidValue(
        this.pathOf(name),
        `Invalid ${this.pathOf(name)}: must be one of ${formatChoices(allowed)}`,
      );
    }
    return value as T;
  }

  requiredOneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.oneOf(name, allowed);
    if (value === undefined) throw missingParam(this.pathOf(name));
    return value;
  }

  /** A nested hash (`recurring[interval]=month`). An empty string unsets it, as in Stripe. */
  hash(name: string): ParamReader | null | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (value === '') return null;
    if (!isHash(value)) throw invalidValue(this.pathOf(name), 'Invalid hash');
    return new ParamReader(value, this.pathOf(name));
  }

  /** An array of hashes (`line_items[0][price]=…`). */
  hashList(name: string): ParamReader[] | undefined {
    return this.list(name)?.map((entry, index) => {
      const path = `${this.pathOf(name)}[${index}]`;
      if (!isHash(entry)) throw invalidValue(path, 'Invalid hash');
      return new ParamReader(entry, path);
    });
  }

  stringList(name: string): string[] | undefined {
    return this.list(name)?.map((entry, index) => {
      if (typeof entry !== 'string') {
        throw invalidValue(`${this.pathOf(name)}[${index}]`, 'Invalid string');
      }
      return entry;
    });
  }

  /** `expand[]=…` on any endpoint. */
  expand(): string[] {
    return this.stringList('expand') ?? [];
  }

  /**
   * Metadata as Stripe validates it. Returns the keys to merge: a key mapped to null is removed,
   * and `null` overall (from `metadata=`) clears every key.
   */
  metadata(name = 'metadata'): Record<string, string | null> | null | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (value === '') return null;
    const path = this.pathOf(name);
    if (!isHash(value)) throw invalidValue(path, 'Invalid hash');
    const entries = Object.entries(value);
    if (entries.length > METADATA_KEY_LIMIT) {
      throw invalidValue(path, `Invalid ${path}: cannot have more than 50 keys`);
    }
    const update: Record<string, string | null> = {};
    for (const [key, entry] of entries) {
      if (typeof entry !== 'string') throw invalidValue(`${path}[${key}]`, 'Invalid string');
      if (key.length > METADATA_KEY_MAX_LENGTH) {
        throw invalidValue(`${path}[${key}]`, `Metadata keys can have up to 40 characters.`);
      }
      if (entry.length > METADATA_VALUE_MAX_LENGTH) {
        throw invalidValue(`${path}[${key}]`, `Metadata values can have up to 500 characters.`);
      }
      update[key] = entry === '' ? null : entry;
    }
    return update;
  }

  private list(name: string): unknown[] | undefined {
    const value = this.raw[name];
    if (value === undefined || value === '') return undefined;
    if (Array.isArray(value)) return value as unknown[];
    // qs turns indexes it will not treat as array positions into object keys.
    if (isHash(value) && Object.keys(value).every((key) => /^\d+$/.test(key))) {
      return Object.keys(value)
        .sort((a, b) => Number(a) - Number(b))
        .map((key) => value[key]);
    }
    throw invalidValue(this.pathOf(name), 'Invalid array');
  }
}

export function applyMetadata(
  current: Metadata,
  update: Record<string, string | null> | null | undefined,
): Metadata {
  if (update === undefined) return current;
  if (update === null) return {};
  const merged = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function formatChoices(choices: readonly string[]): string {
  if (choices.length < 2) return choices.join('');
  return `${choices.slice(0, -1).join(', ')}, or ${choices[choices.length - 1]}`;
}
