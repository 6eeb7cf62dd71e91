/** Accounts over HTTP: register, log in and out, the session's user, profiles and API tokens. */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { actorOf, userOf } from '../../platform/http/auth.js';
import { idParams, noContent, problems } from '../../platform/http/schemas.js';
import { perAddress, perUser } from '../../platform/http/rate-limit.js';
import { SESSION_COOKIE } from './http.js';
import {
  changePassword,
  confirmPasswordReset,
  confirmRegistration,
  requestPasswordReset,
  requestRegistration,
  sandboxMailbox,
} from './recovery.js';
import { login, logout } from './sessions.js';
import { createMerchantToken, listMerchantTokens, revokeToken, tokenViewSchema } from './tokens.js';
import { sha256 } from '../../platform/ids.js';
import {
  emailSchema,
  passwordSchema,
  phoneSchema,
  userProfile,
  usernameSchema,
  userViewSchema,
} from './users.js';

const sessionResponse = z.object({ user: userViewSchema, csrfToken: z.string() });
/** The one answer to every registration and reset request (ADR 0009): it says nothing about accounts. */
const mailSent = z.object({
  status: z.literal('email_sent'),
  /** In the sandbox: the page showing the address's mail; null otherwise. */
  sandboxMailbox: z.string().nullable(),
});
const linkToken = z.string().min(20).max(100);
const tokenCreated = z.object({ id: z.string(), token: z.string(), prefix: z.string() });

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
          summary:
            'Register a buyer: always 202 "e-mail sent"; the mail holds the link that creates the account and signs in (ADR 0009)',
          body: z.strictObject({
            username: usernameSchema,
            email: emailSchema,
            phone: phoneSchema.optional(),
            password: passwordSchema,
            displayName: z.string().trim().min(1).max(40).optional(),
          }),
          response: { 202: mailSent, ...problems(400, 429) },
        },
        config: { auth: 'public', rateLimit: perAddress(20, '1 minute') },
      },
      async (req, reply) => {
        await requestRegistration(ctx, req.body);
        return reply
          .code(202)
          .send({ status: 'email_sent' as const, sandboxMailbox: sandboxMailbox(ctx, req.body.email) });
      },
    );

    app.post(
      '/auth/register/confirm',
      {
        schema: {
          tags: ['accounts'],
          summary:
            'Open the registration link: create the account and log in (another username if the first was taken)',
          body: z.strictObject({ token: linkToken, username: usernameSchema.optional() }),
          response: { 201: sessionResponse, ...problems(400, 409, 429) },
        },
        config: { auth: 'public', rateLimit: perAddress(20, '1 minute') },
      },
      async (req, reply) => {
        const session = await confirmRegistration(ctx, req.body, ctx.config.sessionHours);
        setCookie(reply, session.token, session.expiresAt);
        return reply.code(201).send({ user: session.user, csrfToken: session.csrfToken });
      },
    );

    app.post(
      '/auth/password-reset',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Ask for a password reset link by e-mail address or username: always 202',
          body: z.strictObject({ login: z.string().trim().min(1).max(254) }),
          response: { 202: mailSent, ...problems(400, 429) },
        },
        config: { auth: 'public', rateLimit: perAddress(10, '1 minute') },
      },
      async (req, reply) => {
        await requestPasswordReset(ctx, req.body);
        const address = req.body.login.includes('@') ? req.body.login : null;
        return reply
          .code(202)
          .send({ status: 'email_sent' as const, sandboxMailbox: sandboxMailbox(ctx, address) });
      },
    );

    app.post(
      '/auth/password-reset/confirm',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Set a new password from a reset link (once, 30 minutes); every session of the user ends',
          body: z.strictObject({ token: linkToken, password: passwordSchema }),
          response: { 204: noContent, ...problems(400, 429) },
        },
        config: { auth: 'public', rateLimit: perAddress(20, '1 minute') },
      },
      async (req, reply) => {
        await confirmPasswordReset(ctx, req.body);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/password',
      {
        schema: {
          tags: ['accounts'],
          summary: "Change the logged-in user's password; their other sessions end",
          body: z.strictObject({ currentPassword: z.string().min(1).max(128), newPassword: passwordSchema }),
          response: { 204: noContent, ...problems(400, 401, 403) },
        },
        config: { auth: { users: 'any' }, rateLimit: perUser(10, '1 minute') },
      },
      async (req, reply) => {
        const token = req.cookies[SESSION_COOKIE];
        await changePassword(ctx, userOf(req), req.body, token ? sha256(token) : null);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/login',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Log in with username or e-mail address and password (rate-limited, with back-off)',
          body: z.strictObject({
            username: z.string().min(1).max(254),
            password: z.string().min(1).max(128),
          }),
          response: { 200: sessionResponse, ...problems(400, 401, 403, 429) },
        },
        config: { auth: 'public', rateLimit: perAddress(30, '1 minute') },
      },
      async (req, reply) => {
        const result = await login(ctx, req.body, ctx.config.sessionHours, req.ip);
        setCookie(reply, result.token, result.expiresAt);
        return { user: result.user, csrfToken: result.csrfToken };
      },
    );

    app.post(
      '/auth/logout',
      {
        schema: { tags: ['accounts'], summary: 'Log out', response: { 204: noContent, ...problems(403) } },
        config: { auth: 'public' },
      },
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
        config: { auth: { users: 'any' } },
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
        config: { auth: { users: 'any' }, owner: 'user' },
      },
      async (req) => userProfile(ctx, actorOf(req), req.params.id),
    );

    app.post(
      '/merchant/tokens',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Create a merchant API token (shown once)',
          body: z.strictObject({ name: z.string().trim().min(1).max(60) }),
          response: { 201: tokenCreated, ...problems(400, 401, 403, 429) },
        },
        config: { auth: { users: ['merchant'] }, rateLimit: perUser(10, '1 minute') },
      },
      async (req, reply) => reply.code(201).send(await createMerchantToken(ctx, userOf(req), req.body.name)),
    );

    app.get(
      '/merchant/tokens',
      {
        schema: {
          tags: ['accounts'],
          summary: "The merchant's API tokens (hashes only; the secret is never shown again)",
          response: { 200: z.object({ items: z.array(tokenViewSchema) }), ...problems(401, 403) },
        },
        config: { auth: { users: ['merchant'] } },
      },
      async (req) => ({ items: await listMerchantTokens(ctx, userOf(req)) }),
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
        config: { owner: 'token', auth: { users: 'any', tokens: ['merchant'] } },
      },
      async (req, reply) => {
        await revokeToken(ctx, actorOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
