import { useMemo, useRef } from 'react';
import { ApiError } from './api';

/** A fresh Idempotency-Key (36 chars of [0-9a-f-]; crypto.randomUUID needs a secure context). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** No answer, or a 5xx: the server may or may not have created the order. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 0 || err.status >= 500);
}

export interface IdempotencyKeys {
  /** The key for this attempt: the same one again while the body is the same and the last try got no answer. */
  keyFor(body: unknown): string;
  /** After the request: an answer (success or 4xx) ends the attempt; a network error or 5xx keeps the key for the retry. */
  settle(err?: unknown): void;
}

/**
 * One Idempotency-Key per purchase attempt. Retrying the same attempt after a network error reuses
 * the key, so the server replays the first result instead of creating a second order; a changed
 * body (different quantity, new policy version) starts a new attempt, because the server refuses a
 * key reused for a different request.
 */
export function useIdempotencyKey(): IdempotencyKeys {
  const current = useRef<{ key: string; body: string } | null>(null);
  return useMemo(
    () => ({
      keyFor(body: unknown): string {
        const json = JSON.stringify(body);
        if (!current.current || current.current.body !== json) {
          current.current = { key: newIdempotencyKey(), body: json };
        }
        return current.current.key;
      },
      settle(err?: unknown): void {
        if (err === undefined || !outcomeUnknown(err)) current.current = null;
      },
    }),
    [],
  );
}
