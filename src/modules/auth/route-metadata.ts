import { ExecutionContext, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext.getHandler() returns
type Handler = Function;

/**
 * A route's metadata, read once per handler: guards run on every request and metadata never
 * changes at run time.
 */
export class RouteMetadata<T> {
  private readonly values = new WeakMap<Handler, T>();

  constructor(private readonly read: (reflector: Reflector, targets: [Handler, Type]) => T) {}

  of(reflector: Reflector, context: ExecutionContext): T {
    const handler = context.getHandler();
    if (this.values.has(handler)) return this.values.get(handler) as T;
    const value = this.read(reflector, [handler, context.getClass()]);
    this.values.set(handler, value);
    return value;
  }
}
