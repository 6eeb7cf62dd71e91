/**
 * What a multipart stream can fail with, as problems. A body that ends in the middle of a part
 * (a dropped connection, a proxy cutting it short) is the client's fault and a 400, not a crash:
 * busboy reports it as a plain Error with no status, which would otherwise be a 500. Routes that
 * read multipart call this in their catch, after removing anything they had begun to store.
 */
import { fail } from '../errors.js';

/** busboy's messages for a body that ended before the form did. */
const INCOMPLETE = [
  /unexpected end of (multipart data|form)/i,
  /part terminated early/i,
  /malformed part header/i,
];

/** The code Fastify's multipart plugin gives a client that hung up mid-body. */
const PREMATURE_CLOSE = 'FST_MP_PREMATURE_CLOSE';

export function isIncompleteUpload(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if ((err as { code?: unknown }).code === PREMATURE_CLOSE) return true;
  if (typeof (err as { statusCode?: unknown }).statusCode === 'number') return false;
  return INCOMPLETE.some((re) => re.test(err.message));
}

/** Rethrows a truncated upload as `request.upload_incomplete` (400); anything else unchanged. */
export function rethrowUploadError(err: unknown, field = 'file'): never {
  if (isIncompleteUpload(err)) fail('request.upload_incomplete', { field });
  throw err;
}
