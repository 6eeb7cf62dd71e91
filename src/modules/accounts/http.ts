/**
 * Request authentication: a session cookie (browsers) or a bearer API token (merchants,
 * issuers, channel connectors) becomes `req.actor`. Cookie-authenticated writes must echo the
 * session's CSRF token in `x-csrf-token`; token-authenticated calls carry no ambient credentials
 * and need none. Which actors a route admits is declared with the route (platform/http/auth.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { csrfMatches, resolveSession, type ResolvedSession } from './sessions.js';
import { resolveApiToken } from './tokens.js';

export const SESSION_COOKIE = 'kameng_sid';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    session: ResolvedSession | null;
  }
}

export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  // preValidation: the caller is known before the route's gate, which runs before validation.
  app.addHook('preValidation', async (req) => {
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && /^bearer /i.test(auth)) {
      const actor = await resolveApiToken(ctx, auth.slice(7).trim());
      if (!actor) fail('auth.token_invalid');
      req.actor = actor;
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const session = await resolveSession(ctx, cookie);
    if (!session) return; // expired or logged out: treated as anonymous
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(session.csrfToken, headerValue(req, 'x-csrf-token'))) {
      fail('auth.csrf_invalid');
    }
    req.session = session;
    req.actor = session.actor;
  });
}

function headerValue(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
