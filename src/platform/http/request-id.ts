/**
 * Every request's id (Fastify's `request.id`, logged as `reqId`): the caller's `X-Request-Id` when
 * it matches a safe pattern (a proxy or client that already names its requests keeps its name),
 * else a fresh UUID; echoed in the `X-Request-Id` response header, problem+json replies included.
 * The id is put in the log context (log-context.ts) for the whole request, so lines written by use
 * cases through `ctx.log` or `fallbackLogger` carry it as well as `request.log`'s own.
 */
import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestIdFor, withLogContext } from '../log-context.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Fastify's `genReqId`: the incoming header when safe, else a new id. */
export const genReqId = (req: IncomingMessage): string => requestIdFor(req.headers[REQUEST_ID_HEADER]);

/**
 * The request's async context, entered in onRequest. Fastify 5 keeps it through reading the body
 * (a test reads a 256 KiB body over a real socket); it is entered again in preValidation anyway, as
 * @fastify/request-context does, in case a content-type parser resumes on another resource's
 * callbacks — before the auth hooks, the route and the use cases run.
 */
const scopes = new WeakMap<FastifyRequest, AsyncResource>();

/** Must be called before any other hook is added, so that every later hook runs inside the context. */
export function registerRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, req.id);
    withLogContext({ reqId: req.id }, () => {
      const scope = new AsyncResource('kameng-request');
      scopes.set(req, scope);
      scope.runInAsyncScope(done);
    });
  });
  app.addHook('preValidation', (req, _reply, done) => {
    const scope = scopes.get(req);
    if (scope) scope.runInAsyncScope(done);
    else done();
  });
}
