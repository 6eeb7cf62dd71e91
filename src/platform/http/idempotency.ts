/** The Idempotency-Key header on routes that create (schema for the contract, and its reader). */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkIdempotencyKey } from '../idempotency.js';

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('8–64 letters, digits, - or _; a replay returns the first result'),
});

/** The request's Idempotency-Key, checked (400 `order.idempotency_key_required` when missing). */
export function idempotencyKeyOf(req: FastifyRequest): string {
  const v = req.headers['idempotency-key'];
  return checkIdempotencyKey(Array.isArray(v) ? v[0] : v);
}
