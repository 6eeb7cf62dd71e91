/**
 * Per-account login back-off: after FREE_ATTEMPTS failures each further failure doubles the lock
 * (2 s, 4 s, 8 s … capped at 15 minutes). Keyed by the username asked for, whether or not it
 * exists, so the lock reveals nothing. Per-IP limits come on top, from @fastify/rate-limit.
 */
import { now, type Db } from '../../platform/db/dialect.js';

export const FREE_ATTEMPTS = 5;
const MAX_LOCK_MS = 15 * 60 * 1000;

export function lockMsAfter(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_LOCK_MS, 2 ** (failures - FREE_ATTEMPTS + 1) * 1000);
}

/** Seconds until the key may try again, or 0. */
export async function lockedFor(db: Db, key: string, at: Date): Promise<number> {
  const row = await db
    .selectFrom('login_throttle')
    .select('locked_until')
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row?.locked_until) return 0;
  const ms = Date.parse(row.locked_until) - at.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

export async function recordFailure(db: Db, key: string, at: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('login_throttle')
      .select('failures')
      .where('key', '=', key)
      .executeTakeFirst();
    const failures = (row?.failures ?? 0) + 1;
    const lockMs = lockMsAfter(failures);
    const values = {
      failures,
      locked_until: lockMs > 0 ? now(new Date(at.getTime() + lockMs)) : null,
      updated_at: now(at),
    };
    await trx
      .insertInto('login_throttle')
      .values({ key, ...values })
      .onConflict((oc) =>
        // Concurrent failures each count: increment what is stored rather than overwrite it.
        oc.column('key').doUpdateSet((eb) => ({
          failures: eb('login_throttle.failures', '+', 1),
          locked_until: values.locked_until,
          updated_at: values.updated_at,
        })),
      )
      .execute();
    return failures;
  });
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}
