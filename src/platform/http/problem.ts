/**
 * The one error handler: every error leaves as RFC 9457 problem+json with a stable `code`, the
 * message in zh-CN and English, the field at fault and, for validation, one entry per field.
 * 5xx details are logged and never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { constraintKind } from '../db/dialect.js';
import {
  DomainError,
  ERROR_CODES,
  fieldError,
  messagesFor,
  statusFor,
  type ErrorCode,
  type FieldError,
  type Messages,
} from '../errors.js';

/** One of the catalog's stable codes (src/platform/errors.ts), listed in full in the OpenAPI document. */
const errorCodeSchema = z.enum(ERROR_CODES).meta({ id: 'ErrorCode' });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: errorCodeSchema,
    detail: z.string(),
    messages: z.object({ 'zh-CN': z.string(), en: z.string() }),
    field: z.string().optional(),
    errors: z
      .array(
        z.object({
          field: z.string(),
          code: errorCodeSchema,
          messages: z.object({ 'zh-CN': z.string(), en: z.string() }),
        }),
      )
      .optional(),
    instance: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;

export function preferredLang(req: FastifyRequest): keyof Messages {
  const header = req.headers['accept-language'];
  return typeof header === 'string' && /^\s*en\b/i.test(header) ? 'en' : 'zh-CN';
}

/** The code each request was answered with, for the checkout metrics (read in onResponse). */
const answeredCodes = new WeakMap<FastifyRequest, ErrorCode>();

/** The problem code this request was answered with; undefined when it succeeded. */
export function problemCodeOf(req: FastifyRequest): ErrorCode | undefined {
  return answeredCodes.get(req);
}

export function problemBody(
  req: FastifyRequest,
  code: ErrorCode,
  status: number,
  messages: Messages,
  extra: {
    field?: string | undefined;
    errors?: FieldError[] | undefined;
    data?: Record<string, unknown> | undefined;
  } = {},
): Problem {
  answeredCodes.set(req, code);
  return {
    type: `https://kameng.dev/problems/${code}`,
    title: messages.en,
    status,
    code,
    detail: messages[preferredLang(req)],
    messages,
    ...(extra.field !== undefined ? { field: extra.field } : {}),
    ...(extra.errors?.length ? { errors: extra.errors } : {}),
    instance: req.url,
    ...(extra.data ? { data: extra.data } : {}),
  };
}

function sendProblem(reply: FastifyReply, body: Problem, headers?: Record<string, string>): FastifyReply {
  if (headers) void reply.headers(headers);
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

interface ZodIssueParams {
  expected?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  keys?: unknown;
  values?: unknown;
  origin?: unknown;
  format?: unknown;
  input?: unknown;
}

/** Turns one zod issue (as fastify-type-provider-zod reports it) into a bilingual field error. */
function issueToFieldError(
  where: string,
  issue: { keyword: string; instancePath: string; message: string; params: ZodIssueParams },
): FieldError[] {
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const field = path || where;
  const p = issue.params;
  switch (issue.keyword) {
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? (p.keys as unknown[]).map(String) : [];
      return keys.map((k) => fieldError(path ? `${path}.${k}` : k, 'validation.unknown_field', { key: k }));
    }
    case 'invalid_type':
      // zod does not echo the input; its message names what it received.
      if (/received undefined/.test(issue.message)) return [fieldError(field, 'validation.required')];
      if (p.expected === 'int') return [fieldError(field, 'validation.not_integer')];
      return [fieldError(field, 'validation.invalid_type', { expected: String(p.expected) })];
    case 'too_small':
      return [
        fieldError(
          field,
          p.origin === 'string' || p.origin === 'array' ? 'validation.too_short' : 'validation.too_small',
          {
            minimum: String(p.minimum),
          },
        ),
      ];
    case 'too_big':
      return [
        fieldError(
          field,
          p.origin === 'string' || p.origin === 'array' ? 'validation.too_long' : 'validation.too_big',
          {
            maximum: String(p.maximum),
          },
        ),
      ];
    case 'invalid_value':
      return [
        fieldError(field, 'validation.invalid_value', {
          options: Array.isArray(p.values) ? (p.values as unknown[]).map(String).join(', ') : '',
        }),
      ];
    case 'invalid_format':
      return [fieldError(field, 'validation.invalid_format')];
    case 'custom': {
      // A refinement names its own field code through `params.code` (e.g. validation.date_range).
      const own = (p as { params?: { code?: unknown } }).params?.code;
      if (typeof own === 'string' && (ERROR_CODES as readonly string[]).includes(own))
        return [fieldError(field, own as ErrorCode)];
      return [fieldError(field, 'validation.invalid')];
    }
    default:
      return [fieldError(field, 'validation.invalid')];
  }
}

/** 400 `request.invalid` naming every bad field; the message is the first field's, prefixed by its name. */
export function sendInvalidFields(
  req: FastifyRequest,
  reply: FastifyReply,
  errors: FieldError[],
): FastifyReply {
  const first = errors[0];
  const messages = first
    ? {
        'zh-CN': `${first.field}：${first.messages['zh-CN']}`,
        en: `${first.field}: ${first.messages.en}`,
      }
    : messagesFor('request.invalid');
  return sendProblem(
    reply,
    problemBody(req, 'request.invalid', 400, messages, { field: first?.field, errors }),
  );
}

export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DomainError | Error, req, reply) => {
    if (error instanceof DomainError) {
      return sendProblem(
        reply,
        problemBody(req, error.code, error.status, error.messages, {
          field: error.field,
          errors: error.options.errors,
          data: error.options.data,
        }),
        error.options.headers,
      );
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as FastifyError).validationContext ?? 'body';
      const errors = error.validation.flatMap((v) => issueToFieldError(where, v as never));
      return sendInvalidFields(req, reply, errors);
    }
    // A database constraint that a service did not translate still means bad input, not a crash.
    const kind = constraintKind(error);
    if (kind === 'unique' || kind === 'foreign_key' || kind === 'check' || kind === 'not_null') {
      req.log.warn({ err: error }, 'constraint violation reached the error handler');
      const code: ErrorCode =
        kind === 'unique'
          ? 'request.duplicate'
          : kind === 'foreign_key'
            ? 'request.invalid_reference'
            : 'request.invalid';
      return sendProblem(reply, problemBody(req, code, statusFor(code), messagesFor(code)));
    }
    const fe = error as FastifyError;
    const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, problemBody(req, 'internal.error', 500, messagesFor('internal.error')));
    }
    const code: ErrorCode =
      status === 413
        ? 'request.payload_too_large'
        : status === 415
          ? 'request.unsupported_media_type'
          : status === 429
            ? 'request.too_many'
            : status === 404
              ? 'request.not_found'
              : 'request.invalid';
    // Fastify's own 4xx (bad JSON, empty body …): keep its explanation in English detail.
    const messages = messagesFor(code);
    const body = problemBody(
      req,
      code,
      status,
      code === 'request.invalid' ? { ...messages, en: `${messages.en}: ${fe.message}` } : messages,
    );
    return sendProblem(reply, body);
  });
}

export function sendNotFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, problemBody(req, 'request.not_found', 404, messagesFor('request.not_found')));
}

/**
 * What Fastify's router refuses before any route runs (a path parameter past the router's length
 * limit, a malformed URL component) answers as problem+json like every other bad request, rather
 * than in Fastify's own error shape.
 */
export function sendFrameworkError(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    reply,
    problemBody(req, 'request.invalid', 400, messagesFor('request.invalid'), { field: 'path' }),
  );
}
