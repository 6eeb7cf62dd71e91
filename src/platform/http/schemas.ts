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
