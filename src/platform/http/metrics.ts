/**
 * GET /metrics (Prometheus text format) and the hook that times every request.
 *
 * The figures are business figures (refunds, checkouts, payouts), so the route is closed by
 * default: without KAMENG_METRICS_TOKEN it answers only callers on this machine — a loopback
 * socket address and no proxy headers (a reverse proxy on the same host forwarding a public request
 * is not a local caller) — and 404 to anyone else. With a token it answers any address that sends
 * `Authorization: Bearer <token>` (compared in constant time), and 401 to anyone who does not.
 * Like /api/openapi.json it is infrastructure, not API: it is left out of the OpenAPI contract.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from '../config.js';
import { fail } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { problemCodeOf, sendNotFound } from './problem.js';

const CHECKOUT_ROUTE = '/api/orders';
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Equal-length digests compared in constant time: the token's length is not revealed either. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function localCaller(req: FastifyRequest): boolean {
  const peer = req.socket.remoteAddress;
  return peer !== undefined && isLoopback(peer) && PROXY_HEADERS.every((h) => req.headers[h] === undefined);
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url;
    metrics.observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (req.method === 'POST' && route === CHECKOUT_ROUTE) {
      const status = reply.statusCode;
      if (status === 201)
        metrics.observeCheckout(reply.getHeader('idempotency-replayed') ? 'replayed' : 'created', undefined);
      else metrics.observeCheckout(status >= 500 ? 'failed' : 'refused', problemCodeOf(req));
    }
    done();
  });

  const gate = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (token !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !tokenMatches(given, token)) {
        void reply.header('www-authenticate', 'Bearer realm="kameng-metrics"');
        fail('auth.token_invalid');
      }
      // Not an API token: the session/token hook (preValidation) must not try to resolve it.
      delete req.headers.authorization;
      return undefined;
    }
    return localCaller(req) ? undefined : sendNotFound(req, reply);
  };

  app.get('/metrics', { schema: { hide: true }, onRequest: gate }, async (_req, reply) => {
    const text = await metrics.scrape();
    return reply.type(metrics.contentType).send(text);
  });
}
