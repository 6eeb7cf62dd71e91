/** Operator endpoints: platform rules, the test clock, the holiday calendar, the audit check, accounts and tokens. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { userOf } from '../../platform/http/auth.js';
import { isoDateTime, problems } from '../../platform/http/schemas.js';
import {
  adminUserViewSchema,
  checkPassword,
  createIntegrationToken,
  integrationTokenViewSchema,
  listIntegrationTokens,
  passwordSchema,
  searchUsers,
  setUserStatus,
  toUserView,
  unlockLogin,
  userSearchSchema,
  userStatusBodySchema,
  usernameSchema,
  userViewSchema,
} from '../accounts/index.js';
import { createAccountAsAdmin } from '../catalog/index.js';
import {
  advanceClock,
  calendarYears,
  calendarYearsSchema,
  changeRules,
  clockSchema,
  clockView,
  importHolidays,
  readRules,
  rulesPatchSchema,
  rulesViewSchema,
  verifyAudit,
  workingDayDeadline,
} from './operations.js';
import {
  auditPageSchema,
  auditQuerySchema,
  breakGlassReveals,
  revealViewSchema,
  searchAudit,
} from './audit.js';
import { dashboard, dashboardQuerySchema, dashboardSchema } from './dashboard.js';
import { verifyForAdmin, verifyReportSchema } from './verify.js';

const ADMIN = { users: ['admin'] } as const;

export function adminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/admin/rules',
      {
        schema: {
          tags: ['admin'],
          summary: 'Platform rules',
          response: { 200: rulesViewSchema, ...problems(401, 403) },
        },
        config: { auth: { users: ['admin', 'support'] } },
      },
      async (req) => readRules(ctx, userOf(req)),
    );

    app.patch(
      '/admin/rules',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Change platform rules (policy window bounds, quality-claim period, after-sales deadlines and thresholds) against the version read; 409 rules.version_conflict when another admin changed them meanwhile',
          body: rulesPatchSchema,
          response: { 200: rulesViewSchema, ...problems(400, 401, 403, 409) },
        },
        config: { auth: ADMIN },
      },
      async (req) => changeRules(ctx, userOf(req), req.body),
    );

    app.get(
      '/admin/clock',
      {
        schema: {
          tags: ['admin'],
          summary: 'The platform clock',
          response: { 200: clockSchema, ...problems(401, 403) },
        },
        config: { auth: ADMIN },
      },
      async () => clockView(ctx),
    );

    app.post(
      '/admin/clock/advance',
      {
        schema: {
          tags: ['admin'],
          summary: 'Move the test clock forward (not in production)',
          body: z
            .strictObject({
              days: z.number().int().min(0).max(3650).optional(),
              hours: z.number().int().min(0).max(100000).optional(),
              minutes: z.number().int().min(0).max(1000000).optional(),
            })
            .refine((b) => (b.days ?? 0) + (b.hours ?? 0) + (b.minutes ?? 0) > 0, {
              message: 'advance by more than zero',
            }),
          response: { 200: clockSchema, ...problems(400, 401, 403) },
        },
        config: { auth: ADMIN },
      },
      async (req) => advanceClock(ctx, userOf(req), req.body),
    );

    app.post(
      '/admin/calendar/import',
      {
        schema: {
          tags: ['admin'],
          summary: 'Load one year’s official holiday arrangement (JSON file body)',
          body: z.unknown(),
          response: {
            200: z.object({ year: z.number(), holidays: z.number(), workdays: z.number() }),
            ...problems(400, 401, 403),
          },
        },
        config: { auth: ADMIN },
      },
      async (req) => importHolidays(ctx, userOf(req), req.body),
    );

    app.get(
      '/admin/calendar/years',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Loaded holiday years (bundled data and admin imports) with their holiday and 调休 workday counts, and a warning when this year or the next is not loaded',
          response: { 200: calendarYearsSchema, ...problems(401, 403) },
        },
        config: { auth: { users: ['admin', 'support'] } },
      },
      async (req) => calendarYears(ctx, userOf(req)),
    );

    app.get(
      '/calendar/deadline',
      {
        schema: {
          tags: ['admin'],
          summary: 'Add N China working days to an instant (Asia/Shanghai)',
          querystring: z.strictObject({
            // years 1970–9998: 60 working days from the end of 9998 still end before year 10000
            from: isoDateTime().optional(),
            days: z.coerce.number().int().min(0).max(60),
          }),
          response: {
            200: z.object({
              from: z.string(),
              dueAt: z.string(),
              warnings: z.array(
                z.object({
                  code: z.string(),
                  year: z.number(),
                  messages: z.object({ 'zh-CN': z.string(), en: z.string() }),
                }),
              ),
            }),
            ...problems(400),
          },
        },
        config: { auth: 'public' },
      },
      async (req) =>
        workingDayDeadline(ctx, req.query.from ? new Date(req.query.from) : undefined, req.query.days),
    );

    app.get(
      '/admin/audit/verify',
      {
        schema: {
          tags: ['admin'],
          summary: 'Verify the hash chain of the audit log',
          response: {
            200: z.object({ ok: z.boolean(), count: z.number(), brokenAtSeq: z.number().nullable() }),
            ...problems(401, 403),
          },
        },
        config: { auth: ADMIN },
      },
      async (req) => verifyAudit(ctx, userOf(req)),
    );

    app.get(
      '/admin/verify',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Check the whole database against the invariants (spec §12): ledger, escrow, keys, refunds, audit chain and its exported head, states; the same report as `kameng verify`',
          response: { 200: verifyReportSchema, ...problems(401, 403) },
        },
        config: { auth: ADMIN },
      },
      async (req) => verifyForAdmin({ ...ctx, dataDir: ctx.config.dataDir }, userOf(req)),
    );

    app.get(
      '/admin/audit',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Search the audit log by object, actor, action (or a prefix ending in a dot) and time; newest first, paged by cursor',
          querystring: auditQuerySchema,
          response: { 200: auditPageSchema, ...problems(400, 401, 403) },
        },
        config: { auth: ADMIN },
      },
      async (req) => searchAudit(ctx, userOf(req), req.query),
    );

    app.get(
      '/admin/audit/reveals',
      {
        schema: {
          tags: ['admin'],
          summary: 'Break-glass key reveals: who read which key’s secret, when and why (newest first)',
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: z.object({ items: z.array(revealViewSchema) }), ...problems(400, 401, 403) },
        },
        config: { auth: ADMIN },
      },
      async (req) => ({ items: await breakGlassReveals(ctx, userOf(req), req.query.limit) }),
    );

    app.get(
      '/admin/users',
      {
        schema: {
          tags: ['admin'],
          summary: 'Search accounts by username, display name, e-mail, shop name or id; role and status',
          querystring: userSearchSchema,
          response: { 200: z.object({ items: z.array(adminUserViewSchema) }), ...problems(400, 401, 403) },
        },
        config: { auth: { users: ['admin', 'support'] } },
      },
      async (req) => ({ items: await searchUsers(ctx, userOf(req), req.query) }),
    );

    app.post(
      '/admin/users/:id/status',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Disable an account (its sessions and tokens stop at once) or reinstate it, with a reason (audited)',
          params: z.strictObject({ id: z.string().max(64) }),
          body: userStatusBodySchema,
          response: {
            200: z.object({ status: z.enum(['ACTIVE', 'DISABLED']), version: z.number().int() }),
            ...problems(400, 401, 403, 404, 409),
          },
        },
        config: { auth: ADMIN },
      },
      async (req) => setUserStatus(ctx, userOf(req), req.params.id, req.body),
    );

    app.post(
      '/admin/users/:id/login-unlock',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Lift every login throttle on an account (the cool-down and each address’s back-off; ADR 0010), audited',
          params: z.strictObject({ id: z.string().max(64) }),
          response: { 200: z.object({ cleared: z.number().int() }), ...problems(401, 403, 404) },
        },
        config: { auth: ADMIN },
      },
      async (req) => unlockLogin(ctx, userOf(req), req.params.id),
    );

    app.get(
      '/admin/dashboard',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Operator dashboard: orders and refunds by day (Asia/Shanghai), refund rate, decision time, deadlines breached, disputes, delayed payouts, merchant ranking',
          querystring: dashboardQuerySchema,
          response: { 200: dashboardSchema, ...problems(400, 401, 403) },
        },
        config: { auth: { users: ['admin', 'support'] } },
      },
      async (req) => dashboard(ctx, userOf(req), req.query),
    );

    app.post(
      '/admin/users',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create an account of any role (a merchant gets its shop)',
          body: z.strictObject({
            username: usernameSchema,
            password: passwordSchema,
            displayName: z.string().trim().min(1).max(40).optional(),
            role: z.enum(['buyer', 'merchant', 'support', 'arbitrator', 'admin']),
            memberLevel: z.enum(['REGULAR', 'VIP', 'SUPER']).optional(),
            merchantName: z.string().trim().min(1).max(60).optional(),
          }),
          response: { 201: userViewSchema, ...problems(400, 401, 403, 409) },
        },
        config: { auth: ADMIN },
      },
      async (req, reply) => {
        checkPassword(req.body.password, [req.body.username]); // the policy of ADR 0009
        const { user, merchantId } = await createAccountAsAdmin(ctx, userOf(req), req.body);
        return reply.code(201).send(toUserView(user, merchantId));
      },
    );

    app.get(
      '/admin/tokens',
      {
        schema: {
          tags: ['admin'],
          summary: 'The integration tokens admins issued (issuers, channel connectors); never their secrets',
          response: { 200: z.object({ items: z.array(integrationTokenViewSchema) }), ...problems(401, 403) },
        },
        config: { auth: ADMIN },
      },
      async (req) => ({ items: await listIntegrationTokens(ctx, userOf(req)) }),
    );

    app.post(
      '/admin/tokens',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create an API token for an issuer or a channel connector (shown once)',
          body: z.strictObject({
            name: z.string().trim().min(1).max(60),
            scope: z.enum(['issuer', 'channel']),
            merchantId: z.string().max(64).optional(),
          }),
          response: {
            201: z.object({ id: z.string(), token: z.string(), prefix: z.string() }),
            ...problems(400, 401, 403),
          },
        },
        config: { auth: ADMIN },
      },
      async (req, reply) => reply.code(201).send(await createIntegrationToken(ctx, userOf(req), req.body)),
    );
  };
}
