/** Operator endpoints: member levels, platform rules, test clock, holiday calendar, audit check, accounts. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadCalendar, importCalendarYear } from '../../platform/calendar-store.js';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { problems } from '../../platform/http/schemas.js';
import { getPlatformRules, putSetting, type PlatformRules } from '../../platform/settings.js';
import { requireRole } from '../accounts/http.js';
import { createApiToken } from '../accounts/tokens.js';
import { passwordSchema, usernameSchema, userViewSchema, toUserView } from '../accounts/users.js';
import { appendAudit, verifyAuditChain } from '../../platform/audit.js';
import { createAccount } from '../catalog/merchants.js';
import { levelPatchSchema, levelViewSchema, listLevels, updateLevel } from '../membership/levels.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const rulesSchema = z.object({
  policyWindowMinHours: z.number().int(),
  policyWindowMaxHours: z.number().int(),
  qualityClaimDays: z.number().int(),
  paymentTimeoutMinutes: z.number().int(),
  topupMinFen: z.number().int(),
  topupMaxFen: z.number().int(),
  reviewWorkingDays: z.number().int(),
  supportReviewWorkingDays: z.number().int(),
  supplementWorkingDays: z.number().int(),
  escalationDays: z.number().int(),
  maxResubmissions: z.number().int(),
  largeRefundFen: z.number().int(),
  payoutDelayWorkingDays: z.number().int(),
});
const clockSchema = z.object({ now: z.string(), offsetMs: z.number(), testClock: z.boolean() });

export function adminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const clockView = () => ({
    now: ctx.clock.now().toISOString(),
    offsetMs: ctx.testClock?.offset ?? 0,
    testClock: ctx.testClock !== null,
  });

  return async (app) => {
    app.get(
      '/admin/member-levels',
      {
        schema: {
          tags: ['admin'],
          summary: 'Member levels and their per-order quantity limits',
          response: { 200: z.object({ items: z.array(levelViewSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => {
        requireRole(req, 'admin', 'support', 'merchant');
        return { items: await listLevels(ctx.db) };
      },
    );

    app.patch(
      '/admin/member-levels/:level',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set a level’s per-order quantity limit',
          params: z.strictObject({ level: z.enum(['REGULAR', 'VIP', 'SUPER']) }),
          body: levelPatchSchema,
          response: { 200: z.object({ items: z.array(levelViewSchema) }), ...problems(400, 401, 403) },
        },
      },
      async (req) => ({
        items: await updateLevel(ctx, requireRole(req, 'admin'), req.params.level, req.body),
      }),
    );

    app.get(
      '/admin/rules',
      {
        schema: {
          tags: ['admin'],
          summary: 'Platform rules',
          response: { 200: rulesSchema, ...problems(401, 403) },
        },
      },
      async (req) => {
        requireRole(req, 'admin', 'support');
        return getPlatformRules(ctx.db);
      },
    );

    app.patch(
      '/admin/rules',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Change platform rules (policy window bounds, quality-claim period, after-sales deadlines and thresholds)',
          body: z.strictObject({
            policyWindowMinHours: z.number().int().min(1).max(720).optional(),
            policyWindowMaxHours: z.number().int().min(1).max(720).optional(),
            qualityClaimDays: z.number().int().min(1).max(90).optional(),
            paymentTimeoutMinutes: z
              .number()
              .int()
              .min(1)
              .max(24 * 60)
              .optional(),
            topupMinFen: z.number().int().min(1).optional(),
            topupMaxFen: z.number().int().min(1).max(100_000_000).optional(),
            reviewWorkingDays: z.number().int().min(1).max(3).optional(),
            supportReviewWorkingDays: z.number().int().min(1).max(5).optional(),
            supplementWorkingDays: z.number().int().min(1).max(10).optional(),
            escalationDays: z.number().int().min(1).max(30).optional(),
            maxResubmissions: z.number().int().min(0).max(5).optional(),
            largeRefundFen: z.number().int().min(1).max(100_000_000).optional(),
            payoutDelayWorkingDays: z.number().int().min(1).max(20).optional(),
          }),
          response: { 200: rulesSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) => {
        const actor = requireRole(req, 'admin');
        const at = ctx.clock.now();
        const next: PlatformRules = { ...(await getPlatformRules(ctx.db)), ...req.body };
        if (next.topupMinFen > next.topupMaxFen) {
          fail('validation.too_big', { field: 'topupMinFen', params: { maximum: next.topupMaxFen } });
        }
        if (next.policyWindowMinHours > next.policyWindowMaxHours) {
          fail('validation.too_big', {
            field: 'policyWindowMinHours',
            params: { maximum: next.policyWindowMaxHours },
          });
        }
        await unitOfWork(ctx, async (trx) => {
          await putSetting(trx, 'platform_rules', next, at);
          await appendAudit(trx, {
            actor,
            action: 'platform.rules_changed',
            objectType: 'settings',
            objectId: 'platform_rules',
            data: { ...next },
            at,
          });
        });
        return next;
      },
    );

    app.get(
      '/admin/clock',
      {
        schema: {
          tags: ['admin'],
          summary: 'The platform clock',
          response: { 200: clockSchema, ...problems(401, 403) },
        },
      },
      async (req) => {
        requireRole(req, 'admin');
        return clockView();
      },
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
      },
      async (req) => {
        const actor = requireRole(req, 'admin');
        const testClock = ctx.testClock ?? fail('clock.test_clock_disabled');
        const ms =
          ((req.body.days ?? 0) * 24 * 60 + (req.body.hours ?? 0) * 60 + (req.body.minutes ?? 0)) * 60_000;
        await testClock.advance(ms, actor);
        return clockView();
      },
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
      },
      async (req) => importCalendarYear(ctx, requireRole(req, 'admin'), req.body),
    );

    app.get(
      '/calendar/deadline',
      {
        schema: {
          tags: ['admin'],
          summary: 'Add N China working days to an instant (Asia/Shanghai)',
          querystring: z.strictObject({
            from: z.iso.datetime().optional(),
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
      },
      async (req) => {
        const from = req.query.from ? new Date(req.query.from) : ctx.clock.now();
        const result = (await loadCalendar(ctx.db)).addWorkingDays(from, req.query.days);
        return { from: from.toISOString(), dueAt: result.dueAt.toISOString(), warnings: result.warnings };
      },
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
      },
      async (req) => {
        requireRole(req, 'admin');
        return verifyAuditChain(ctx.db);
      },
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
      },
      async (req, reply) => {
        const actor = requireRole(req, 'admin');
        const { user, merchantId } = await createAccount(ctx, actor, req.body);
        return reply.code(201).send(toUserView(user, merchantId));
      },
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
      },
      async (req, reply) => {
        const actor = requireRole(req, 'admin');
        const created = await createApiToken(ctx, actor, {
          name: req.body.name,
          scope: req.body.scope,
          userId: null,
          merchantId: req.body.merchantId ?? null,
          createdBy: actor.id,
        });
        return reply.code(201).send(created);
      },
    );
  };
}
