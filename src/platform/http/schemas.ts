import { z } from 'zod';
import { problemSchema } from './problem.js';

/** Problem responses to document on a route, e.g. `...problems(400, 401, 404)`. */
export function problems(...statuses: number[]): Record<number, typeof problemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema]));
}

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });
/**
 * A page cursor: the id of the last row of the previous page (a UUID). Anything else is a 400,
 * not a silently different page.
 */
export const cursorSchema = z.guid({ message: 'cursor must be the nextCursor of a previous page' });
export const noContent = z.null().describe('No content');

/** The years a date or instant from a client may fall in (PostgreSQL refuses year 0 with a 500). */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 9998;
const inYears = (v: string): boolean => {
  const year = Number(v.slice(0, 4));
  return year >= MIN_YEAR && year <= MAX_YEAR;
};
const yearsIssue = {
  message: `must fall in the years ${MIN_YEAR}–${MAX_YEAR}`,
  params: { code: 'validation.date_range' },
} as const;

/**
 * An ISO 8601 instant from a client (`2026-01-05T02:00:00Z`), in the years 1970–9998: year 0 or
 * 10000+ would otherwise reach the database (a 500 on PostgreSQL) or overflow date arithmetic.
 * Every date-time in a request schema is this one.
 */
export const isoDateTime = () => z.iso.datetime().refine(inYears, yearsIssue);
/** A calendar date from a client (`2026-01-05`), in the years 1970–9998 like {@link isoDateTime}. */
export const isoDate = () => z.iso.date().refine(inYears, yearsIssue);

/** The largest value an INTEGER column holds (PostgreSQL's int4; past it an insert is a 500). */
export const INT4_MAX = 2_147_483_647;
/** A row version a client passes back (optimistic concurrency): 1 … INT4_MAX. */
export const versionSchema = z.number().int().min(1).max(INT4_MAX);
