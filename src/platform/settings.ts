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
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: toJson(value), updated_at: now(at) }))
    .execute();
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
}

export const DEFAULT_RULES: PlatformRules = {
  policyWindowMinHours: 24,
  policyWindowMaxHours: 72,
  qualityClaimDays: 7,
  paymentTimeoutMinutes: 15,
  topupMinFen: 100,
  topupMaxFen: 500_000,
};

export async function getPlatformRules(db: Db): Promise<PlatformRules> {
  return { ...DEFAULT_RULES, ...(await getSetting<Partial<PlatformRules>>(db, 'platform_rules')) };
}
