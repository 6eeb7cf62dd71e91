import { randomInt } from 'node:crypto';
import { shanghaiDate } from '../../platform/calendar.js';

/**
 * Human-readable order numbers (订单号) like `KM261126` + 10 digits: the Shanghai date a buyer
 * can recognise, then random digits (not a counter, so concurrent checkouts share no hot row).
 * Ten digits make a same-day collision rare; the unique index turns one into a retry.
 */
export const newOrderNo = (at: Date): string => newNumber('KM', at);

/** The same shape under another prefix: after-sales requests are `RF…`. */
export function newNumber(prefix: string, at: Date): string {
  const day = shanghaiDate(at).replace(/-/g, '').slice(2);
  const tail = `${randomInt(0, 100_000)}`.padStart(5, '0') + `${randomInt(0, 100_000)}`.padStart(5, '0');
  return `${prefix}${day}${tail}`;
}

/** Idempotency-Key header: 8–64 URL-safe characters (a UUID fits). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/;
