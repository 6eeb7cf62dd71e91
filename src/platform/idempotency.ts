/**
 * The Idempotency-Key contract every money-moving create shares (orders, top-ups, memberships,
 * refund applications): the key names the caller's intent, a replay returns the first result, and
 * the same key with a different body is refused — so the body is hashed and stored with the row.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './audit-chain.js';
import { fail } from './errors.js';

/** Idempotency-Key header: 8–64 URL-safe characters (a UUID fits). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/;

export function checkIdempotencyKey(key: string | undefined): string {
  if (!key || !IDEMPOTENCY_KEY.test(key))
    fail('order.idempotency_key_required', { field: 'Idempotency-Key' });
  return key;
}

/** The body's fingerprint: the same request always hashes the same (keys sorted). */
export const requestHash = (body: unknown): string =>
  createHash('sha256').update(canonicalJson(body)).digest('hex');
