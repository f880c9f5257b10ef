import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import pLimit from 'p-limit';

/**
 * Hashes run on libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by default), which serves work first
 * come, first served, and which pg needs too to open a connection (SCRAM, DNS). Unbounded, a burst of
 * signups put each new connection behind all of the burst's hashes, past the pool's connect timeout
 * (503 database_unavailable for everyone). Two threads stay free for that work.
 */
const hashing = pLimit(Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2));

@Injectable()
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return hashing(() => argon2.hash(password, { type: argon2.argon2id }));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await hashing(() => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }
}
