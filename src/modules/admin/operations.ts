/**
 * The operator's use cases over platform services: the platform rules, the test clock, the
 * holiday calendar and the audit chain. Admins change them; support may read the rules.
 */
import { z } from 'zod';
import type { Actor, UserActor } from '../../platform/actor.js';
import { verifyAuditChain, appendAudit, type ChainReport } from '../../platform/audit.js';
import { importCalendarYear, loadCalendar, type ImportResult } from '../../platform/calendar-store.js';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { getPlatformRules, putSetting, type PlatformRules } from '../../platform/settings.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

function asAdmin(actor: Actor, also: readonly string[] = []): UserActor {
  if (actor.kind !== 'user' || !(actor.role === 'admin' || also.includes(actor.role))) fail('auth.forbidden');
  return actor;
}

export const rulesSchema = z.object({
  policyWindowMinHours: z.number().int(),
  policyWindowMaxHours: z.number().int(),
  qualityClaimDays: z.number().int(),
  paymentTimeoutMinutes: z.number().int(),
  topupMinFen: z.number().int(),
  topupMaxFen: z.number().int(),
  minDepositFen: z.number().int(),
  reviewWorkingDays: z.number().int(),
  supportReviewWorkingDays: z.number().int(),
  supplementWorkingDays: z.number().int(),
  escalationDays: z.number().int(),
  maxResubmissions: z.number().int(),
  largeRefundFen: z.number().int(),
  payoutDelayWorkingDays: z.number().int(),
  disputeEvidenceWorkingDays: z.number().int(),
  arbitrationWorkingDays: z.number().int(),
  revealBudgetKeys: z.number().int(),
  revealBudgetWindowMinutes: z.number().int(),
});

export const rulesPatchSchema = z.strictObject({
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
  minDepositFen: z.number().int().min(0).max(100_000_000).optional(),
  reviewWorkingDays: z.number().int().min(1).max(3).optional(),
  supportReviewWorkingDays: z.number().int().min(1).max(5).optional(),
  supplementWorkingDays: z.number().int().min(1).max(10).optional(),
  escalationDays: z.number().int().min(1).max(30).optional(),
  maxResubmissions: z.number().int().min(0).max(5).optional(),
  largeRefundFen: z.number().int().min(1).max(100_000_000).optional(),
  payoutDelayWorkingDays: z.number().int().min(1).max(20).optional(),
  disputeEvidenceWorkingDays: z.number().int().min(1).max(10).optional(),
  arbitrationWorkingDays: z.number().int().min(3).max(5).optional(),
  revealBudgetKeys: z.number().int().min(1).max(1_000_000).optional(),
  revealBudgetWindowMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});

export async function readRules(ctx: Pick<AppContext, 'db'>, actor: Actor): Promise<PlatformRules> {
  asAdmin(actor, ['support']);
  return getPlatformRules(ctx.db);
}

/** Changes some rules; bounds that would cross (min above max) are refused. */
export async function changeRules(
  ctx: Pick<AppContext, 'db' | 'clock' | 'log'>,
  actor: Actor,
  patch: z.infer<typeof rulesPatchSchema>,
): Promise<PlatformRules> {
  const admin = asAdmin(actor);
  const at = ctx.clock.now();
  return unitOfWork(ctx, async (trx) => {
    const next: PlatformRules = { ...(await getPlatformRules(trx)), ...patch };
    if (next.topupMinFen > next.topupMaxFen)
      fail('validation.too_big', { field: 'topupMinFen', params: { maximum: next.topupMaxFen } });
    if (next.policyWindowMinHours > next.policyWindowMaxHours)
      fail('validation.too_big', {
        field: 'policyWindowMinHours',
        params: { maximum: next.policyWindowMaxHours },
      });
    await putSetting(trx, 'platform_rules', next, at);
    await appendAudit(trx, {
      actor: admin,
      action: 'platform.rules_changed',
      objectType: 'settings',
      objectId: 'platform_rules',
      data: { ...next },
      at,
    });
    return next;
  });
}

export const clockSchema = z.object({ now: z.string(), offsetMs: z.number(), testClock: z.boolean() });

export function clockView(ctx: Pick<AppContext, 'clock' | 'testClock'>): z.infer<typeof clockSchema> {
  return {
    now: ctx.clock.now().toISOString(),
    offsetMs: ctx.testClock?.offset ?? 0,
    testClock: ctx.testClock !== null,
  };
}

/** Moves the test clock forward (never in production: there is no test clock there). */
export async function advanceClock(
  ctx: Pick<AppContext, 'clock' | 'testClock'>,
  actor: Actor,
  by: { days?: number | undefined; hours?: number | undefined; minutes?: number | undefined },
): Promise<z.infer<typeof clockSchema>> {
  const admin = asAdmin(actor);
  const testClock = ctx.testClock ?? fail('clock.test_clock_disabled');
  const ms = ((by.days ?? 0) * 24 * 60 + (by.hours ?? 0) * 60 + (by.minutes ?? 0)) * 60_000;
  await testClock.advance(ms, admin);
  return clockView(ctx);
}

export function importHolidays(ctx: AppContext, actor: Actor, file: unknown): Promise<ImportResult> {
  return importCalendarYear(ctx, asAdmin(actor), file);
}

/** N China working days after an instant (Asia/Shanghai), with the calendar's warnings. */
export async function workingDayDeadline(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  from: Date | undefined,
  days: number,
) {
  const start = from ?? ctx.clock.now();
  const result = (await loadCalendar(ctx.db)).addWorkingDays(start, days);
  return { from: start.toISOString(), dueAt: result.dueAt.toISOString(), warnings: result.warnings };
}

export function verifyAudit(ctx: Pick<AppContext, 'db'>, actor: Actor): Promise<ChainReport> {
  asAdmin(actor);
  return verifyAuditChain(ctx.db);
}
