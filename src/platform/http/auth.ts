/**
 * Who may call a route is declared with the route, in one place (`config.auth`): it is enforced
 * before the handler runs and documented as the operation's `security` in the OpenAPI document.
 * Every /api route must declare it — a route without a declaration stops the server at start.
 *
 * The declaration is authentication and the coarse role gate (a buyer route, a merchant token
 * route); what an actor may do with a particular object is the use case's business (authz).
 *
 * API tokens are admitted only where their kind is named (`tokens`), each kind for its purpose:
 * `merchant` — a shop's own systems on its back-office routes; `issuer` — the activation registry
 * (`/api/registry/*`); `channel` — a channel connector, which has no route of its own yet (channel
 * notifications are signed with the shop's secret and are public routes). Naming `users` never
 * admits a token, whatever shop the token is bound to; and a use case asks `actingMerchant()`
 * (accounts), never `actor.merchantId`, whose shop an actor acts for.
 *
 * `config.owner` declares, next to the gate, the second half of who may call: the route's path
 * names an object that belongs to a party (an order to its buyer and its shop, a key to its
 * shop …). A caller the gate admits who is neither a party to that object nor platform staff
 * (support, admin, arbitrator — where the gate admits them) gets the object's 404, with the same
 * body as for an id that does not exist: existence does not leak. The use case enforces it; the
 * authorisation matrix (test/integration/authz-matrix.test.ts) reads both declarations from
 * `routeDeclarations()` and checks every route of the OpenAPI document against them.
 *
 * Both are checked before the request is looked at: the gate runs before body and parameter
 * validation, so a caller who may not call a route learns nothing of its input (401/403, not 400).
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

/**
 * Objects a route's path can name that belong to a party (see `config.owner` above), and who the
 * parties are — `user`: the user; `token`: its user or shop; `product`, `import`, `key`,
 * `withdrawal`, `channelShop`, `sandboxShop`: the shop (its merchant and the shop's merchant
 * tokens); `unit`, `order`: the buyer and the shop; `refund`, `dispute`: the buyer and the
 * merchant; `evidence`: its uploader and the parties of the request it is attached to. Staff who
 * see every object of a kind (where the gate admits them): support and admin; also arbitrators for
 * orders, requests, disputes and evidence; only admins for tokens. A product on sale is public:
 * `product` hides drafts only.
 */
export type Owned =
  | 'user'
  | 'token'
  | 'product'
  | 'import'
  | 'key'
  | 'unit'
  | 'order'
  | 'withdrawal'
  | 'evidence'
  | 'refund'
  | 'dispute'
  | 'channelShop'
  | 'sandboxShop';

/** A route's declarations, as the authorisation matrix reads them. */
export interface RouteDeclaration {
  method: string;
  url: string;
  auth: RouteAuth;
  owner: Owned | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: resolved from the session cookie or the bearer token (accounts module). */
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** The party-owned object the route's path names (see the comment at the top of the file). */
    owner?: Owned;
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
const declarations = new WeakMap<FastifyInstance, RouteDeclaration[]>();

/** Every /api route's declarations (HEAD routes Fastify adds for GETs left out). */
export function routeDeclarations(app: FastifyInstance): readonly RouteDeclaration[] {
  return declarations.get(app) ?? [];
}

export function declaredAuth(app: FastifyInstance): void {
  const declared: RouteDeclaration[] = [];
  declarations.set(app, declared);
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || route.url === '/api/docs' || route.url.startsWith('/api/docs/'))
      return;
    const auth = route.config?.auth;
    if (!auth) throw new Error(`${String(route.method)} ${route.url}: declare who may call it (config.auth)`);
    for (const method of [route.method].flat())
      if (method !== 'HEAD')
        declared.push({ method, url: route.url, auth, owner: route.config?.owner ?? null });
    const schema = route.schema ?? {};
    const description = [schema.description, whoText(auth)].filter(Boolean).join('\n\n');
    route.schema = { ...schema, security: securityOf(auth), description };
    const check = async (req: FastifyRequest): Promise<void> => checkAuth(auth, req.actor);
    // Before validation: a caller who may not call the route learns nothing of its input.
    const own = route.preValidation;
    route.preValidation = own === undefined ? [check] : [check, ...(Array.isArray(own) ? own : [own])];
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
