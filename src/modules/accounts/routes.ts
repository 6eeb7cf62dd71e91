import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { idParams, noContent, problems } from '../../platform/http/schemas.js';
import { authorize } from './authz.js';
import { SESSION_COOKIE, requireActor, requireRole } from './http.js';
import { hashPassword } from './passwords.js';
import { createSession, login, logout } from './sessions.js';
import { createApiToken, revokeApiToken } from './tokens.js';
import {
  findUserById,
  insertUser,
  merchantIdOf,
  passwordSchema,
  toUserView,
  usernameSchema,
  userViewSchema,
} from './users.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const sessionResponse = z.object({ user: userViewSchema, csrfToken: z.string() });
const tokenCreated = z.object({ id: z.string(), token: z.string(), prefix: z.string() });
const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scope: z.enum(['merchant', 'issuer', 'channel']),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export function accountRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const setCookie = (reply: FastifyReply, token: string, expiresAt: Date) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.cookieSecure,
      path: '/',
      expires: expiresAt,
    });

  return async (app) => {
    app.post(
      '/auth/register',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Register a buyer account and log in',
          body: z.strictObject({
            username: usernameSchema,
            password: passwordSchema,
            displayName: z.string().trim().min(1).max(40).optional(),
          }),
          response: { 201: sessionResponse, ...problems(400, 409, 429) },
        },
        config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      },
      async (req, reply) => {
        // The account, its first session and both audit events commit together or not at all.
        const passwordHash = await hashPassword(req.body.password);
        const { user, session } = await unitOfWork(ctx, async (trx) => {
          const user = await insertUser(trx, ctx, { ...req.body, passwordHash, role: 'buyer' }, null);
          const actor = {
            kind: 'user',
            id: user.id,
            role: user.role,
            memberLevel: user.member_level,
            merchantId: null,
          } as const;
          return { user, session: await createSession(trx, ctx, actor, ctx.config.sessionHours) };
        });
        setCookie(reply, session.token, session.expiresAt);
        return reply.code(201).send({ user: toUserView(user, null), csrfToken: session.csrfToken });
      },
    );

    app.post(
      '/auth/login',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Log in with username and password (rate-limited, with back-off)',
          body: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(128) }),
          response: { 200: sessionResponse, ...problems(400, 401, 403, 429) },
        },
        config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      },
      async (req, reply) => {
        const result = await login(ctx, req.body, ctx.config.sessionHours);
        setCookie(reply, result.token, result.expiresAt);
        return { user: result.user, csrfToken: result.csrfToken };
      },
    );

    app.post(
      '/auth/logout',
      { schema: { tags: ['accounts'], summary: 'Log out', response: { 204: noContent, ...problems(403) } } },
      async (req, reply) => {
        const token = req.cookies[SESSION_COOKIE];
        if (token) await logout(ctx, token, req.actor);
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/auth/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'The logged-in user',
          response: { 200: sessionResponse, ...problems(401) },
        },
      },
      async (req) => {
        const session = req.session ?? fail('auth.unauthenticated');
        return { user: session.user, csrfToken: session.csrfToken };
      },
    );

    app.get(
      '/users/:id',
      {
        schema: {
          tags: ['accounts'],
          summary: 'A user profile (own, or any for support and admin)',
          params: idParams,
          response: { 200: userViewSchema, ...problems(401, 404) },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        authorize(actor, 'read', { type: 'user', id: req.params.id }, 'catalog.user_not_found');
        const user = (await findUserById(ctx.db, req.params.id)) ?? fail('catalog.user_not_found');
        return toUserView(user, await merchantIdOf(ctx.db, user.id));
      },
    );

    app.post(
      '/merchant/tokens',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Create a merchant API token (shown once)',
          body: z.strictObject({ name: z.string().trim().min(1).max(60) }),
          response: { 201: tokenCreated, ...problems(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const actor = requireRole(req, 'merchant');
        const merchantId = actor.merchantId ?? fail('catalog.not_merchant');
        const created = await createApiToken(ctx, actor, {
          name: req.body.name,
          scope: 'merchant',
          userId: actor.id,
          merchantId,
          createdBy: actor.id,
        });
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/merchant/tokens',
      {
        schema: {
          tags: ['accounts'],
          summary: "The merchant's API tokens (hashes only; the secret is never shown again)",
          response: { 200: z.object({ items: z.array(tokenView) }), ...problems(401, 403) },
        },
      },
      async (req) => {
        const actor = requireRole(req, 'merchant');
        const rows = await ctx.db
          .selectFrom('api_tokens')
          .selectAll()
          .where('merchant_id', '=', actor.merchantId ?? '')
          .orderBy('created_at', 'desc')
          .execute();
        return {
          items: rows.map((r) => ({
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scope: r.scope,
            createdAt: r.created_at,
            lastUsedAt: r.last_used_at,
            revokedAt: r.revoked_at,
          })),
        };
      },
    );

    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Revoke an API token (owner or admin)',
          params: idParams,
          response: { 204: noContent, ...problems(401, 404) },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const row = await ctx.db
          .selectFrom('api_tokens')
          .select(['user_id', 'merchant_id'])
          .where('id', '=', req.params.id)
          .executeTakeFirst();
        if (!row) fail('request.not_found');
        authorize(
          actor,
          'update',
          { type: 'api_token', userId: row.user_id, merchantId: row.merchant_id },
          'request.not_found',
        );
        await revokeApiToken(ctx, actor, req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
