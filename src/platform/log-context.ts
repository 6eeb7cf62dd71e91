/**
 * Who a log line belongs to, carried across awaits: the request being handled (its request id),
 * or the background run (a sweep) that wrote it. Fastify binds `reqId` to `request.log` only; use
 * cases log through `ctx.log` (the app's root logger), `fallbackLogger` or a mailer's logger, none
 * of which know the request. A pino `mixin` reads this store on every line, so each of those lines
 * carries the id too and one request can be followed through the log with a single filter.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';

export interface LogContext {
  /** The HTTP request being handled (the `X-Request-Id` it was answered with). */
  reqId?: string;
  /** Background work: what runs (`sweep`) and this run's id. */
  job?: string;
  runId?: string;
}

const store = new AsyncLocalStorage<LogContext>();

/** Runs `fn` (and everything it awaits or starts) with `context` on its log lines. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return store.run(context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return store.getStore();
}

/** A background run's id: short, unique enough to tell runs apart in one day's log. */
export const newRunId = (): string => randomUUID().slice(0, 8);

/** An incoming `X-Request-Id` is kept only when it is this: no spaces, quotes or control characters. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The id of a request: the caller's `X-Request-Id` when it is safe to log and echo, else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

const chindings = pino.symbols.chindingsSym;

/**
 * pino `mixin`: the current context's fields, merged into every line. A request's own logger
 * (`request.log`) already has `reqId` bound by Fastify; it is not added twice (a JSON line with a
 * duplicate key would be ambiguous to log tools).
 */
export function logContextMixin(_merge: object, _level: number, logger: Logger): object {
  const context = store.getStore();
  if (!context) return {};
  if (context.reqId !== undefined) {
    const bound = (logger as unknown as Record<symbol, unknown>)[chindings];
    if (typeof bound === 'string' && bound.includes('"reqId":')) return {};
  }
  return context;
}
