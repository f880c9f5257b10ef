import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

/** The taken slot, or when the window that refused it ends. */
export type Reservation = { granted: true; attempts: number } | { granted: false; windowEndsAt: Date };

/**
 * Requests counted per key and window (password checks, signups), in PostgreSQL so that every
 * instance counts the same. A slot is taken in
 * one statement (a conditional upsert, row-locked), so concurrent checks can never pass the limit.
 */
const RESERVE = `
  INSERT INTO request_throttles AS current (key, window_started_at, attempts) VALUES ($1, now(), 1)
  ON CONFLICT (key) DO UPDATE SET
    attempts = CASE WHEN current.window_started_at <= now() - $2 * interval '1 millisecond'
      THEN 1 ELSE current.attempts + 1 END,
    window_started_at = CASE WHEN current.window_started_at <= now() - $2 * interval '1 millisecond'
      THEN now() ELSE current.window_started_at END
  WHERE current.window_started_at <= now() - $2 * interval '1 millisecond' OR current.attempts < $3
  RETURNING attempts`;

@Injectable()
export class ThrottleRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Takes one of `limit` slots of `key`'s window of `windowMs`, if one is left. */
  async reserve(key: string, limit: number, windowMs: number): Promise<Reservation> {
    const [taken] = await this.prisma.prepared<{ attempts: number }>('throttle-reserve', RESERVE, [
      key,
      windowMs,
      limit,
    ]);
    if (taken) return { granted: true, attempts: taken.attempts };
    const row = await this.prisma.requestThrottle.findUnique({ where: { key } });
    const windowEndsAt = new Date((row?.windowStartedAt.getTime() ?? Date.now()) + windowMs);
    return { granted: false, windowEndsAt };
  }

  /** Gives a slot back (a check that turned out right is not a failure). */
  async release(key: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE request_throttles SET attempts = attempts - 1 WHERE key = ${key} AND attempts > 0`;
  }

  /** Forgets a key's count. */
  async clear(key: string): Promise<void> {
    await this.prisma.requestThrottle.deleteMany({ where: { key } });
  }

  /** Windows that started before `before` count for nobody. */
  async deleteExpired(before: Date): Promise<void> {
    await this.prisma.requestThrottle.deleteMany({ where: { windowStartedAt: { lt: before } } });
  }
}
