import type { ServerResponse } from 'node:http';
import type { StripeErrorBody } from './api-error';
import { matchesRequest, type RequestMatcher } from './path-pattern';

export interface FaultScope extends RequestMatcher {
  /** How many matching requests the fault applies to; defaults to 1. */
  times?: number;
}

export interface FailFault {
  kind: 'fail';
  status: number;
  error: StripeErrorBody;
  headers: Record<string, string>;
}

export interface HangFault {
  kind: 'hang';
  /** Answer after this many milliseconds; without it the double never answers. */
  delayMs?: number;
  /**
   * Process the request before hanging, so a lost answer still changed Stripe's state (the case an
   * idempotent retry exists for). Otherwise nothing happens until the delay has passed.
   */
  afterProcessing: boolean;
}

export interface DropFault {
  kind: 'drop';
  /** Process the request and then drop the connection instead of answering. */
  afterProcessing: boolean;
}

export type Fault = FailFault | HangFault | DropFault;

interface ArmedFault {
  fault: Fault;
  scope: RequestMatcher;
  remaining: number;
}

/** Faults armed for upcoming requests, consumed first come, first served. */
export class FaultSwitchboard {
  private armed: ArmedFault[] = [];

  arm(fault: Fault, scope: FaultScope = {}): void {
    const { times = 1, ...matcher } = scope;
    if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
    this.armed.push({ fault, scope: matcher, remaining: times });
  }

  take(method: string, path: string): Fault | undefined {
    const match = this.armed.find((entry) => matchesRequest(entry.scope, method, path));
    if (!match) return undefined;
    match.remaining -= 1;
    if (match.remaining === 0) this.armed = this.armed.filter((entry) => entry !== match);
    return match.fault;
  }

  /** How many more requests armed faults will intercept. */
  pendingCount(): number {
    return this.armed.reduce((sum, entry) => sum + entry.remaining, 0);
  }

  clear(): void {
    this.armed = [];
  }
}

/** Answers held back by hang faults, so `stop()` and `reset()` can let go of them. */
export class HeldResponses {
  private readonly held = new Map<ServerResponse, NodeJS.Timeout | undefined>();

  /** Runs `answer` after `delayMs`, or never; forgets the response once its client goes away. */
  hold(response: ServerResponse, delayMs: number | undefined, answer: () => void): void {
    const timer =
      delayMs === undefined
        ? undefined
        : setTimeout(() => {
            this.held.delete(response);
            answer();
          }, delayMs);
    this.held.set(response, timer);
    response.on('close', () => {
      clearTimeout(this.held.get(response));
      this.held.delete(response);
    });
  }

  releaseAll(): void {
    for (const [response, timer] of this.held) {
      clearTimeout(timer);
      response.socket?.destroy();
    }
    this.held.clear();
  }
}
