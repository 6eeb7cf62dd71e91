/**
 * Input refused at the edge, for every route, before any route code or database sees it: a NUL
 * character (U+0000) anywhere in the path, the query string, a header or the body — in a JSON
 * body at any depth, in keys as well as values. PostgreSQL cannot store NUL in text (it answered
 * 500 where SQLite answered 4xx), and no field of this API has a use for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, fieldError } from '../errors.js';
import { sendInvalidFields } from './problem.js';

const NUL = '\u0000';

/** The first place in `value` holding a NUL, as a dotted field path under `where`, or null. */
export function nulField(where: string, value: unknown): string | null {
  // Iterative, so a deeply nested body cannot overflow the stack.
  const stack: [string, unknown][] = [[where, value]];
  while (stack.length > 0) {
    const [field, v] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return field;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([field ? `${field}.${i}` : String(i), v[i]]);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        const name = field ? `${field}.${k}` : k;
        if (k.includes(NUL)) return name;
        stack.push([name, child]);
      }
    }
  }
  return null;
}

function refuse(req: FastifyRequest, reply: FastifyReply, field: string): FastifyReply {
  // The field name itself may carry the NUL (a key): shown escaped.
  return sendInvalidFields(req, reply, [
    fieldError(field.replaceAll(NUL, '\\u0000'), 'validation.nul_character'),
  ]);
}

export function refuseNulInput(app: FastifyInstance): void {
  // Path, query and headers are known before the body is read: refused before auth or a body.
  app.addHook('onRequest', async (req, reply) => {
    const field =
      nulField('', req.params) ??
      nulField('', req.query) ??
      (req.url.includes(NUL) || /%00/i.test(req.url) ? 'path' : null) ??
      nulField('headers', req.headers);
    if (field !== null) return refuse(req, reply, field);
  });
  // The body once parsed (JSON, or a notify route's raw text); multipart streams are checked
  // where they are read.
  app.addHook('preValidation', async (req, reply) => {
    const field = nulField('', req.body);
    if (field !== null) return refuse(req, reply, field || 'body');
  });
}

/** For what a route reads itself (a multipart file's name): 400 naming the field if it holds a NUL. */
export function assertNoNul(field: string, value: string | null | undefined): void {
  if (value?.includes(NUL))
    throw new DomainError('request.invalid', {
      field,
      errors: [fieldError(field, 'validation.nul_character')],
    });
}
