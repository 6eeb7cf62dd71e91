/**
 * Login throttling (ADR 0010), in two layers that a stranger cannot turn against an account's owner:
 *
 * - per (address, login) pair: after FREE_ATTEMPTS failures each further failure doubles the wait
 *   (2 s, 4 s … capped at 15 minutes) — for that address only. The guesser is slowed; the owner,
 *   elsewhere, is not.
 * - per login, from unfamiliar addresses only: ACCOUNT_ATTEMPTS failures within ACCOUNT_WINDOW_MS
 *   (from any number of addresses) start a cool-down of COOL_DOWN_MS during which only addresses
 *   the account has logged in from before may try a password; the owner is told (in-app and by
 *   mail), and can also pass by resetting the password through the mailed link, or ask an admin
 *   to unlock. Attempts from a known address never count here.
 *
 * Keyed by the login asked for (username or e-mail), whether or not it exists, so no answer says
 * whether an account exists. Per-IP limits come on top, from @fastify/rate-limit.
 */
import type { DataContext } from '../../platform/context.js';
import { forUpdate, now, type Db } from '../../platform/db/dialect.js';
import { sql } from 'kysely';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const FREE_ATTEMPTS = 5;
const MAX_LOCK_MS = 15 * 60 * 1000;
/** Failures from unfamiliar addresses, per login, that start the cool-down. */
export const ACCOUNT_ATTEMPTS = 20;
export const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;
export const COOL_DOWN_MS = 15 * 60 * 1000;
/** How long a successful login makes its address familiar. */
export const KNOWN_ADDRESS_MS = 90 * 24 * 3600 * 1000;

export function lockMsAfter(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_LOCK_MS, 2 ** (failures - FREE_ATTEMPTS + 1) * 1000);
}

export const accountKey = (login: string): string => `user:${login}`;
export const pairKey = (login: string, address: string): string => `pair:${login}|${address}`;

export type Claim =
  | { outcome: 'go'; coolDownStarted: boolean }
  /** This address is slowed for this login. */
  | { outcome: 'locked'; seconds: number }
  /** The login cools down for unfamiliar addresses. */
  | { outcome: 'cooling'; seconds: number };

async function row(trx: Db, engine: DataContext['engine'], key: string, at: Date) {
  await trx
    .insertInto('login_throttle')
    .values({ key, failures: 0, locked_until: null, updated_at: now(at) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return forUpdate(
    trx.selectFrom('login_throttle').select(['failures', 'locked_until']).where('key', '=', key),
    engine,
  ).executeTakeFirstOrThrow();
}

/**
 * Claims one login attempt of `login` from `address` before the password is checked, atomically
 * inside `trx`: concurrent guesses each count, so no more than FREE_ATTEMPTS passwords are verified
 * per address before its back-off. A refused attempt is not counted. A successful login gives the
 * attempt back (`releaseAttempt`).
 */
export async function claimAttempt(
  trx: Db,
  engine: DataContext['engine'],
  input: { login: string; address: string; known: boolean },
  at: Date,
): Promise<Claim> {
  const pk = pairKey(input.login, input.address);
  const pair = await row(trx, engine, pk, at);
  const lockedMs = pair.locked_until ? Date.parse(pair.locked_until) - at.getTime() : 0;
  if (lockedMs > 0) return { outcome: 'locked', seconds: Math.ceil(lockedMs / 1000) };
  let coolDownStarted = false;
  if (!input.known) {
    const ak = accountKey(input.login);
    const account = await row(trx, engine, ak, at);
    const open = account.locked_until !== null && Date.parse(account.locked_until) > at.getTime();
    if (open && account.failures >= ACCOUNT_ATTEMPTS) {
      const seconds = Math.ceil((Date.parse(account.locked_until ?? '') - at.getTime()) / 1000);
      return { outcome: 'cooling', seconds };
    }
    const failures = open ? account.failures + 1 : 1;
    coolDownStarted = failures >= ACCOUNT_ATTEMPTS;
    const until = coolDownStarted
      ? at.getTime() + COOL_DOWN_MS
      : open
        ? Date.parse(account.locked_until ?? '')
        : at.getTime() + ACCOUNT_WINDOW_MS;
    await trx
      .updateTable('login_throttle')
      .set({ failures, locked_until: now(new Date(until)), updated_at: now(at) })
      .where('key', '=', ak)
      .execute();
  }
  const failures = pair.failures + 1;
  const lockMs = lockMsAfter(failures);
  await trx
    .updateTable('login_throttle')
    .set({
      failures,
      locked_until: lockMs > 0 ? now(new Date(at.getTime() + lockMs)) : null,
      updated_at: now(at),
    })
    .where('key', '=', pk)
    .execute();
  return { outcome: 'go', coolDownStarted };
}

/** A successful login: its address starts afresh, and its attempt no longer counts for the login. */
export async function releaseAttempt(
  trx: Db,
  input: { login: string; address: string; known: boolean },
): Promise<void> {
  await clearFailures(trx, pairKey(input.login, input.address));
  if (!input.known)
    await trx
      .updateTable('login_throttle')
      .set({ failures: sql<number>`failures - 1` })
      .where('key', '=', accountKey(input.login))
      .where('failures', '>', 0)
      // a cool-down once started stays (and is told once)
      .where('failures', '<', ACCOUNT_ATTEMPTS)
      .execute();
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

/**
 * Lifts every login throttle of these logins (username, e-mail): the cool-down and every address's
 * back-off. Returns how many counters were removed. A password reset and the admin unlock use it.
 */
export async function clearLoginThrottle(db: Db, logins: readonly string[]): Promise<number> {
  let removed = 0;
  for (const login of new Set(logins)) {
    const prefix = pairKey(login, '').replace(/[!%_]/g, (c) => `!${c}`);
    const res = await db
      .deleteFrom('login_throttle')
      .where((eb) =>
        eb.or([
          eb('key', '=', accountKey(login)),
          sql<boolean>`${sql.ref('key')} like ${`${prefix}%`} escape '!'`,
        ]),
      )
      .executeTakeFirst();
    removed += Number(res.numDeletedRows);
  }
  return removed;
}

/** Whether `address` logged in successfully to the user within KNOWN_ADDRESS_MS. */
export async function isKnownAddress(db: Db, userId: string, address: string, at: Date): Promise<boolean> {
  const found = await db
    .selectFrom('login_known_addresses')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('address', '=', address)
    .where('last_login_at', '>', now(new Date(at.getTime() - KNOWN_ADDRESS_MS)))
    .executeTakeFirst();
  return found !== undefined;
}

export async function rememberAddress(trx: Db, userId: string, address: string, at: Date): Promise<void> {
  await trx
    .insertInto('login_known_addresses')
    .values({ user_id: userId, address, last_login_at: now(at) })
    .onConflict((oc) => oc.columns(['user_id', 'address']).doUpdateSet({ last_login_at: now(at) }))
    .execute();
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
