import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import PQueue from 'p-queue';

/**
 * Hashes run on libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by default), which serves work first
 * come, first served, and which pg needs too to open a connection (SCRAM, DNS). Unbounded, a burst of
 * signups put each new connection behind all of the burst's hashes, past the pool's connect timeout
 * (503 database_unavailable for everyone). Two threads stay free for that work.
 */
const hashing = new PQueue({ concurrency: Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2) });

/** Checking a password (login) goes before hashing a new one (signup): a burst of signups cannot starve logins. */
const VERIFY_FIRST = 1;

@Injectable()
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return hashing.add(() => argon2.hash(password, { type: argon2.argon2id }));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await hashing.add(() => argon2.verify(hash, password), { priority: VERIFY_FIRST });
    } catch {
      return false;
    }
  }
}
