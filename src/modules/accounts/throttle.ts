/**
 * Per-account login back-off: after FREE_ATTEMPTS failures each further failure doubles the lock
 * (2 s, 4 s, 8 s … capped at 15 minutes). Keyed by the username asked for, whether or not it
 * exists, so the lock reveals nothing. Per-IP limits come on top, from @fastify/rate-limit.
 */
import type { DataContext } from '../../platform/context.js';
import { forUpdate, now, type Db } from '../../platform/db/dialect.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const FREE_ATTEMPTS = 5;
const MAX_LOCK_MS = 15 * 60 * 1000;

export function lockMsAfter(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_LOCK_MS, 2 ** (failures - FREE_ATTEMPTS + 1) * 1000);
}

/**
 * Claims one login attempt for `key` before the password is checked, atomically: concurrent
 * guesses each count, so no more than FREE_ATTEMPTS passwords are verified before the lock.
 * Returns the seconds to wait when the key is locked (the attempt is then not counted), else 0.
 * A successful login clears the count.
 */
export async function claimAttempt(
  ctx: Pick<DataContext, 'db' | 'engine'>,
  key: string,
  at: Date,
): Promise<number> {
  return unitOfWork(ctx, async (trx) => {
    await trx
      .insertInto('login_throttle')
      .values({ key, failures: 0, locked_until: null, updated_at: now(at) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await forUpdate(
      trx.selectFrom('login_throttle').select(['failures', 'locked_until']).where('key', '=', key),
      ctx.engine,
    ).executeTakeFirstOrThrow();
    const lockedMs = row.locked_until ? Date.parse(row.locked_until) - at.getTime() : 0;
    if (lockedMs > 0) return Math.ceil(lockedMs / 1000);
    const failures = row.failures + 1;
    const lockMs = lockMsAfter(failures);
    await trx
      .updateTable('login_throttle')
      .set({
        failures,
        locked_until: lockMs > 0 ? now(new Date(at.getTime() + lockMs)) : null,
        updated_at: now(at),
      })
      .where('key', '=', key)
      .execute();
    return 0;
  });
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

/**
 * A fixed-window quota in the same table (keys `mail:…`): counts one use of `key` and answers true,
 * or answers false (not counted) when `max` uses already fell inside the current window. Used for
 * mail a stranger can make the platform send (registration confirmations, password resets).
 */
export async function claimQuota(
  ctx: Pick<DataContext, 'db' | 'engine'>,
  key: string,
  at: Date,
  max: number,
  windowMs: number,
): Promise<boolean> {
  return unitOfWork(ctx, async (trx) => {
    await trx
      .insertInto('login_throttle')
      .values({ key, failures: 0, locked_until: null, updated_at: now(at) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await forUpdate(
      trx.selectFrom('login_throttle').select(['failures', 'locked_until']).where('key', '=', key),
      ctx.engine,
    ).executeTakeFirstOrThrow();
    const open = row.locked_until !== null && Date.parse(row.locked_until) > at.getTime();
    if (open && row.failures >= max) return false;
    await trx
      .updateTable('login_throttle')
      .set(
        open
          ? { failures: row.failures + 1, updated_at: now(at) }
          : { failures: 1, locked_until: now(new Date(at.getTime() + windowMs)), updated_at: now(at) },
      )
      .where('key', '=', key)
      .execute();
    return true;
  });
}
