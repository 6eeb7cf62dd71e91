import { createHash, randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';
import { shanghaiDate } from './calendar.js';

export const newId = (): string => randomUUID();

/** A random secret token (session, CSRF, API token), URL-safe. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Tokens are stored only as SHA-256: a database leak does not reveal live credentials. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

let lastMs = 0;
let counter = 0;
/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids from one
 * process strictly increasing within a millisecond, then random bits. Sorting by id is creation
 * order, which gives oldest-first allocation on a single index.
 */
export function newOrderedId(nowMs: number): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs += 1; // borrow the next millisecond rather than repeat or go backwards
    counter = 0;
  }
  const b = randomFromPool(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | ((counter >> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Bulk import needs two random values per key (id, IV); one CSPRNG call per 64 KiB instead of
// per value removed a fifth of the import's CPU time.
const POOL_BYTES = 64 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `n` bytes from the OS CSPRNG, served from a pool; each byte is handed out once. */
export function randomFromPool(n: number): Buffer {
  if (n > POOL_BYTES) return randomBytes(n);
  if (poolOffset + n > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

/**
 * Human-readable numbers like `KM261126` + 10 digits (订单号; after-sales requests are `RF…`): the
 * Shanghai date a person can recognise, then random digits (not a counter, so concurrent creates
 * share no hot row). Ten digits make a same-day collision rare; the unique index turns one into a
 * retry.
 */
export function newNumber(prefix: string, at: Date): string {
  const day = shanghaiDate(at).replace(/-/g, '').slice(2);
  const tail = `${randomInt(0, 100_000)}`.padStart(5, '0') + `${randomInt(0, 100_000)}`.padStart(5, '0');
  return `${prefix}${day}${tail}`;
}
