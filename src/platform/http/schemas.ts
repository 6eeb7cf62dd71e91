import { z } from 'zod';
import { problemSchema } from './problem.js';

/** Problem responses to document on a route, e.g. `...problems(400, 401, 404)`. */
export function problems(...statuses: number[]): Record<number, typeof problemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema]));
}

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });
export const noContent = z.null().describe('No content');
