/**
 * The operator's use cases over platform services: the platform rules, the test clock, the
 * holiday calendar and the audit chain. Admins change them; support may read the rules.
 */
import { z } from 'zod';
import { INT4_MAX } from '../../platform/http/schemas.js';
import type { Actor, UserActor } from '../../platform/actor.js';
import { verifyAuditChain, appendAudit, type ChainReport } from '../../platform/audit.js';
import { beyondKnownData, bundledYears, shanghaiDate } from '../../platform/calendar.js';
import {
  importCalendarYear,
  importedYears,
  loadCalendar,
  type ImportResult,
} from '../../platform/calendar-store.js';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import {
  getPlatformRules,
  putSettingIfVersion,
  settingVersion,
  type PlatformRules,
} from '../../platform/settings.js';
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

/** The rules with the version they were read at: a change must name it (optimistic concurrency). */
export const rulesViewSchema = rulesSchema.extend({
  version: z.number().int().meta({ description: 'Pass it back as expectedVersion when changing the rules' }),
});
export type RulesView = z.infer<typeof rulesViewSchema>;

const RULES_KEY = 'platform_rules';

export const rulesPatchSchema = z.strictObject({
  expectedVersion: z
    .number()
    .int()
    .min(0)
    .max(INT4_MAX)
    .meta({ description: 'The version read with GET; a change made since then is refused (409)' }),
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

export async function readRules(ctx: Pick<AppContext, 'db'>, actor: Actor): Promise<RulesView> {
  asAdmin(actor, ['support']);
  const [rules, version] = await Promise.all([getPlatformRules(ctx.db), settingVersion(ctx.db, RULES_KEY)]);
  return { ...rules, version };
}

/**
 * Changes some rules against the version the admin read: if another admin saved meanwhile, nothing
 * is written and the change is refused (409 rules.version_conflict) so neither change is lost
 * silently. Bounds that would cross (min above max) are refused. The audit event keeps the rules
 * before and after.
 */
export async function changeRules(
  ctx: Pick<AppContext, 'db' | 'clock' | 'log'>,
  actor: Actor,
  body: z.infer<typeof rulesPatchSchema>,
): Promise<RulesView> {
  const admin = asAdmin(actor);
  const at = ctx.clock.now();
  const { expectedVersion, ...patch } = body;
  const conflict = (current: number): never =>
    fail('rules.version_conflict', {
      params: { current, expected: expectedVersion },
      data: { currentVersion: current },
    });
  return unitOfWork(ctx, async (trx) => {
    const current = await settingVersion(trx, RULES_KEY);
    if (current !== expectedVersion) conflict(current);
    const before = await getPlatformRules(trx);
    const next: PlatformRules = { ...before, ...patch };
    if (next.topupMinFen > next.topupMaxFen)
      fail('validation.too_big', { field: 'topupMinFen', params: { maximum: next.topupMaxFen } });
    if (next.policyWindowMinHours > next.policyWindowMaxHours)
      fail('validation.too_big', {
        field: 'policyWindowMinHours',
        params: { maximum: next.policyWindowMaxHours },
      });
    if (!(await putSettingIfVersion(trx, RULES_KEY, next, at, expectedVersion)))
      conflict(await settingVersion(trx, RULES_KEY));
    const changed = (Object.keys(patch) as (keyof PlatformRules)[]).filter((k) => before[k] !== next[k]);
    await appendAudit(trx, {
      actor: admin,
      action: 'platform.rules_changed',
      objectType: 'settings',
      objectId: RULES_KEY,
      data: { version: expectedVersion + 1, changed, before: { ...before }, after: { ...next } },
      at,
    });
    return { ...next, version: expectedVersion + 1 };
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

const calendarWarningSchema = z.object({
  code: z.literal('calendar.beyond_known_data'),
  year: z.number().int(),
  messages: z.object({ 'zh-CN': z.string(), en: z.string() }),
});

export const calendarYearsSchema = z.object({
  /** This year and the next in Asia/Shanghai by the platform clock. */
  currentYear: z.number().int(),
  bundledFrom: z.number().int(),
  bundledTo: z.number().int(),
  items: z.array(
    z.object({
      year: z.number().int(),
      /** Where the year's arrangement comes from: the bundled chinese-days data or an admin's import (which wins). */
      source: z.enum(['bundled', 'imported']),
      /** The notice an import named (its `source` field); null for bundled years. */
      notice: z.string().nullable(),
      holidays: z.number().int(),
      workdays: z.number().int(),
      importedAt: z.string().nullable(),
      importedBy: z.string().nullable(),
    }),
  ),
  /** This year or the next without an arrangement: deadlines there count Monday–Friday only. */
  warnings: z.array(calendarWarningSchema),
});

/** The years whose holiday arrangement is loaded, and a warning for this year or the next if not. */
export async function calendarYears(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  actor: Actor,
): Promise<z.infer<typeof calendarYearsSchema>> {
  asAdmin(actor, ['support']);
  const imported = await importedYears(ctx.db);
  const importedSet = new Set(imported.map((y) => y.year));
  const bundled = bundledYears();
  const items = [
    ...bundled
      .filter((b) => !importedSet.has(b.year))
      .map((b) => ({
        ...b,
        source: 'bundled' as const,
        notice: null,
        importedAt: null,
        importedBy: null,
      })),
    ...imported.map((y) => ({
      year: y.year,
      source: 'imported' as const,
      notice: y.source,
      holidays: y.holidays,
      workdays: y.workdays,
      importedAt: y.importedAt,
      importedBy: y.importedBy,
    })),
  ].sort((a, b) => b.year - a.year);
  const currentYear = Number(shanghaiDate(ctx.clock.now()).slice(0, 4));
  const known = new Set(items.map((i) => i.year));
  const warnings = [currentYear, currentYear + 1].filter((y) => !known.has(y)).map(beyondKnownData);
  const years = bundled.map((b) => b.year);
  return {
    currentYear,
    bundledFrom: Math.min(...years),
    bundledTo: Math.max(...years),
    items,
    warnings,
  };
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

export async function verifyAudit(
  ctx: Pick<AppContext, 'db'>,
  actor: Actor,
): Promise<Pick<ChainReport, 'ok' | 'count' | 'brokenAtSeq'>> {
  asAdmin(actor);
  const { ok, count, brokenAtSeq } = await verifyAuditChain(ctx.db);
  return { ok, count, brokenAtSeq };
}
