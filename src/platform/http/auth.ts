/**
 * Who may call a route is declared with the route, in one place (`config.auth`): it is enforced
 * before the handler runs and documented as the operation's `security` in the OpenAPI document.
 * Every /api route must declare it — a route without a declaration stops the server at start.
 *
 * The declaration is authentication and the coarse role gate (a buyer route, a merchant token
 * route); what an actor may do with a particular object is the use case's business (authz).
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Actor, UserActor } from '../actor.js';
import type { Role, TokenScope } from '../db/schema.js';
import { fail } from '../errors.js';

export type RouteAuth =
  /** Anyone. A session, when there is one, is known to the handler (prices at the viewer's level). */
  | 'public'
  /** A logged-in user of one of these roles (`any`: every role); API tokens of these kinds too. */
  | { users: readonly Role[] | 'any'; tokens?: readonly TokenScope[] }
  /** API clients only, with a token of one of these kinds. */
  | { tokens: readonly TokenScope[]; users?: never };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: resolved from the session cookie or the bearer token (accounts module). */
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

const ALL_ROLES: readonly Role[] = ['buyer', 'merchant', 'support', 'arbitrator', 'admin'];

function securityOf(auth: RouteAuth): Record<string, string[]>[] {
  if (auth === 'public') return [];
  const schemes: Record<string, string[]>[] = [];
  if (auth.users) schemes.push({ cookieSession: [] });
  if (auth.tokens?.length) schemes.push({ apiToken: [] });
  return schemes;
}

function whoText(auth: RouteAuth): string {
  if (auth === 'public') return 'Who: anyone.';
  const parts: string[] = [];
  if (auth.users)
    parts.push(`logged-in ${auth.users === 'any' ? 'users (any role)' : auth.users.join(', ')}`);
  if (auth.tokens?.length) parts.push(`API tokens (${auth.tokens.join(', ')})`);
  return `Who: ${parts.join('; ')}.`;
}

/** Enforces a declaration for an actor; throws 401 / 403 as problem+json. */
export function checkAuth(auth: RouteAuth, actor: Actor | null): void {
  if (auth === 'public') return;
  if (!actor) fail('auth.unauthenticated');
  if (actor.kind === 'user') {
    const roles = auth.users === 'any' ? ALL_ROLES : (auth.users ?? []);
    if (!roles.includes(actor.role)) fail('auth.forbidden');
    return;
  }
  if (actor.kind === 'token') {
    if (!auth.tokens?.includes(actor.scope)) fail('auth.forbidden');
    return;
  }
  fail('auth.forbidden');
}

/**
 * Installs the declarations: must be called before any /api route is registered. Swagger UI's own
 * assets under /api/docs are the only routes exempt.
 */
export function declaredAuth(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || route.url === '/api/docs' || route.url.startsWith('/api/docs/'))
      return;
    const auth = route.config?.auth;
    if (!auth) throw new Error(`${String(route.method)} ${route.url}: declare who may call it (config.auth)`);
    const schema = route.schema ?? {};
    const description = [schema.description, whoText(auth)].filter(Boolean).join('\n\n');
    route.schema = { ...schema, security: securityOf(auth), description };
    const check = async (req: FastifyRequest): Promise<void> => checkAuth(auth, req.actor);
    const own = route.preHandler;
    route.preHandler = own === undefined ? [check] : [check, ...(Array.isArray(own) ? own : [own])];
  });
}

/** The caller of a route that declared users or tokens (never null there). */
export function actorOf(req: FastifyRequest): Actor {
  return req.actor ?? fail('auth.unauthenticated');
}

/** The logged-in user of a route that declared users only. */
export function userOf(req: FastifyRequest): UserActor {
  const actor = actorOf(req);
  if (actor.kind !== 'user') fail('auth.forbidden');
  return actor;
}
