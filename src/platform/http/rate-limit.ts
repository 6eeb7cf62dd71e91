/**
 * Rate limits declared with the route (`config.rateLimit`), in two kinds:
 *
 * - per address (`perAddress`): for anonymous routes (login, registration, lookups). Counted when
 *   the request arrives, keyed on the client's address (`req.ip`, which honours KAMENG_TRUST_PROXY).
 * - per caller (`perUser`): for routes only a logged-in user or an API token may call. Counted
 *   after authentication (the `preHandler` hook, after the route's `auth` check), keyed on the user
 *   or token: users behind one shared NAT or proxy each have their own budget, and an anonymous
 *   client cannot spend anybody's (it is refused with 401 before it is counted).
 *
 * Both answer 429 `request.too_many` problem+json with Retry-After (the error handler).
 */
import type { FastifyRequest } from 'fastify';
import type { RateLimitOptions } from '@fastify/rate-limit';

type Window = `${number} ${'second' | 'seconds' | 'minute' | 'minutes' | 'hour' | 'hours'}`;

/** At most `max` requests per `timeWindow` from one client address (anonymous routes). */
export function perAddress(max: number, timeWindow: Window): RateLimitOptions {
  return { max, timeWindow };
}

/** The authenticated caller a per-user limit counts for: the user, or the API token. */
export function callerKey(req: FastifyRequest): string {
  const actor = req.actor;
  if (actor?.kind === 'user') return `user:${actor.id}`;
  if (actor?.kind === 'token') return `token:${actor.tokenId}`;
  // Unreachable on a route that declares users or tokens (the auth check runs first); an
  // unauthenticated request is never counted against a user.
  return `anon:${req.ip}`;
}

/** At most `max` requests per `timeWindow` per logged-in user or API token, counted after authentication. */
export function perUser(max: number, timeWindow: Window): RateLimitOptions {
  return { max, timeWindow, hook: 'preHandler', keyGenerator: callerKey };
}
