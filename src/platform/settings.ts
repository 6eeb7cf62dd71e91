import type { Db } from './db/dialect.js';
import { fromJson, now, toJson } from './db/dialect.js';

export async function getSetting<T>(db: Db, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row ? fromJson<T>(row.value) : undefined;
}

export async function putSetting(db: Db, key: string, value: unknown, at: Date): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value: toJson(value), updated_at: now(at) })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        value: toJson(value),
        updated_at: now(at),
        version: eb('settings.version', '+', 1),
      })),
    )
    .execute();
}

/** A setting's version: 0 while it was never written (its defaults apply). */
export async function settingVersion(db: Db, key: string): Promise<number> {
  const row = await db.selectFrom('settings').select('version').where('key', '=', key).executeTakeFirst();
  return row ? Number(row.version) : 0;
}

/**
 * Writes a setting only if it is still at `expected` (compare-and-set), bumping its version; false
 * when someone else wrote it meanwhile. On PostgreSQL a concurrent writer of the same row waits for
 * the first to commit, then finds the version moved on and writes nothing.
 */
export async function putSettingIfVersion(
  db: Db,
  key: string,
  value: unknown,
  at: Date,
  expected: number,
): Promise<boolean> {
  if (expected === 0) {
    const r = await db
      .insertInto('settings')
      .values({ key, value: toJson(value), updated_at: now(at), version: 1 })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
  const r = await db
    .updateTable('settings')
    .set((eb) => ({ value: toJson(value), updated_at: now(at), version: eb('version', '+', 1) }))
    .where('key', '=', key)
    .where('version', '=', expected)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Platform-wide rules an admin configures (spec §3, §6). */
export interface PlatformRules {
  policyWindowMinHours: number;
  policyWindowMaxHours: number;
  qualityClaimDays: number;
  /** How long a WeChat/Alipay order waits for payment before its reservation is released. */
  paymentTimeoutMinutes: number;
  topupMinFen: number;
  topupMaxFen: number;
  /** The 保证金 a merchant keeps: withdrawals leave at least the shortfall to it in the payable balance. */
  minDepositFen: number;
  /** After-sales (spec §7, §8). Review deadline of a merchant, in China working days (1–3). */
  reviewWorkingDays: number;
  /** Support's own deadline for a request the merchant did not answer in time. */
  supportReviewWorkingDays: number;
  /** How long a buyer has to supply what a reviewer asked for (待补充材料). */
  supplementWorkingDays: number;
  /** After a rejection: days to resubmit, accept or escalate before the request closes (§9: 7). */
  escalationDays: number;
  /** Resubmissions allowed after a rejection. */
  maxResubmissions: number;
  /** Refunds of at least this amount need the reviewer's second confirmation. */
  largeRefundFen: number;
  /** A payout not done within this many working days raises a delay alert (到账延迟). */
  payoutDelayWorkingDays: number;
  /** Disputes (spec §9): each party's evidence deadline, in China working days from the opening. */
  disputeEvidenceWorkingDays: number;
  /** The arbitrator's decision is due this many working days after the evidence closes (3–5). */
  arbitrationWorkingDays: number;
  /**
   * The reveal budget: keys one user may reveal (查看卡密) per window, shared by every instance; a
   * bulk reveal of N keys spends N. Stops a stolen session from draining a large order at once.
   */
  revealBudgetKeys: number;
  revealBudgetWindowMinutes: number;
}

export const DEFAULT_RULES: PlatformRules = {
  policyWindowMinHours: 24,
  policyWindowMaxHours: 72,
  qualityClaimDays: 7,
  paymentTimeoutMinutes: 15,
  topupMinFen: 100,
  topupMaxFen: 500_000,
  minDepositFen: 50_000,
  reviewWorkingDays: 2,
  supportReviewWorkingDays: 1,
  supplementWorkingDays: 3,
  escalationDays: 7,
  maxResubmissions: 2,
  largeRefundFen: 50_000,
  payoutDelayWorkingDays: 5,
  disputeEvidenceWorkingDays: 3,
  arbitrationWorkingDays: 3,
  revealBudgetKeys: 2_000,
  revealBudgetWindowMinutes: 60,
};

export async function getPlatformRules(db: Db): Promise<PlatformRules> {
  return { ...DEFAULT_RULES, ...(await getSetting<Partial<PlatformRules>>(db, PLATFORM_RULES)) };
}

/** The settings key of the platform rules (a statement that reads them with other rows selects it). */
export const PLATFORM_RULES = 'platform_rules';

/** The platform rules from the stored setting's JSON (null: never written, the defaults apply). */
export const platformRulesFrom = (value: string | null | undefined): PlatformRules => ({
  ...DEFAULT_RULES,
  ...(value ? fromJson<Partial<PlatformRules>>(value) : {}),
});
