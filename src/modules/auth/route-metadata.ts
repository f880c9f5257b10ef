import { ExecutionContext, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * A route's metadata, read once per handler: guards run on every request and metadata never
 * changes at run time.
 */
export class RouteMetadata<T> {
  private readonly values = new WeakMap<Function, T>();

  constructor(private readonly read: (reflector: Reflector, targets: [Function, Type]) => T) {}

  of(reflector: Reflector, context: ExecutionContext): T {
    const handler = context.getHandler();
    if (this.values.has(handler)) return this.values.get(handler) as T;
    const value = this.read(reflector, [handler, context.getClass()]);
    this.values.set(handler, value);
    return value;
  }
}
