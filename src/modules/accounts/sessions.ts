import { timingSafeEqual } from 'node:crypto';
import { systemActor, type Actor, type UserActor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now, type Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { randomToken, sha256 } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import { levelColumns, levelOf, memberLevelAt } from '../membership/index.js';
import { verifyPassword } from './passwords.js';
import {
  ACCOUNT_ATTEMPTS,
  claimAttempt,
  COOL_DOWN_MS,
  isKnownAddress,
  releaseAttempt,
  rememberAddress,
} from './throttle.js';
import { notify } from '../notifications/index.js';
import { findUserByLogin, merchantIdOf, toUserView, usernameKey, type UserView } from './users.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export interface SessionResult {
  token: string;
  csrfToken: string;
  user: UserView;
  expiresAt: Date;
}

/**
 * Creates a session row and its audit event inside `trx`; only the SHA-256 of the cookie token
 * is stored.
 */
export async function createSession(
  trx: Db,
  ctx: Pick<DataContext, 'clock'>,
  actor: UserActor,
  hours: number,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const at = ctx.clock.now();
  const token = randomToken();
  const csrfToken = randomToken(24);
  const expiresAt = new Date(at.getTime() + hours * 3600_000);
  await trx
    .insertInto('sessions')
    .values({
      id: sha256(token),
      user_id: actor.id,
      csrf_token: csrfToken,
      created_at: now(at),
      expires_at: now(expiresAt),
      last_seen_at: now(at),
    })
    .execute();
  await appendAudit(trx, {
    actor,
    action: 'session.created',
    objectType: 'user',
    objectId: actor.id,
    data: { expiresAt: now(expiresAt) },
    at,
  });
  return { token, csrfToken, expiresAt };
}

/**
 * Logs in from `address` (the client's address as the app sees it). Throttled per address and
 * login, with a cool-down for unfamiliar addresses when a login is under attack (throttle.ts,
 * ADR 0010): the answers are the same whether or not the login names an account.
 */
export async function login(
  ctx: DataContext,
  input: { username: string; password: string },
  hours: number,
  address: string,
): Promise<SessionResult> {
  const at = ctx.clock.now();
  const user = await findUserByLogin(ctx.db, input.username);
  const claim = {
    login: usernameKey(input.username),
    address,
    known: user ? await isKnownAddress(ctx.db, user.id, address, at) : false,
  };
  const claimed = await unitOfWork(ctx, async (trx) => {
    const c = await claimAttempt(trx, ctx.engine, claim, at);
    if (c.outcome === 'go' && c.coolDownStarted && user) await coolDownStarted(trx, user.id, at);
    return c;
  });
  if (claimed.outcome !== 'go') {
    const retry = {
      headers: { 'retry-after': String(claimed.seconds) },
      params: { seconds: claimed.seconds },
    };
    fail(claimed.outcome === 'locked' ? 'auth.login_locked' : 'auth.login_cooldown', retry);
  }
  const ok = await verifyPassword(user?.password_hash, input.password);
  if (!user || !ok) fail('auth.invalid_credentials', { field: 'password' });
  if (user.status !== 'ACTIVE') fail('auth.account_disabled');
  const merchantId = await merchantIdOf(ctx.db, user.id);
  const actor = {
    kind: 'user',
    id: user.id,
    role: user.role,
    memberLevel: await memberLevelAt(ctx.db, user.id, at),
    merchantId,
  } as const;
  const session = await unitOfWork(ctx, async (trx) => {
    await releaseAttempt(trx, claim);
    await rememberAddress(trx, user.id, address, at);
    return createSession(trx, ctx, actor, hours);
  });
  return { ...session, user: { ...toUserView(user, merchantId), memberLevel: actor.memberLevel } };
}

/** The owner hears that their account cools down, and why; the audit log records it. */
async function coolDownStarted(trx: Db, userId: string, at: Date): Promise<void> {
  const minutes = COOL_DOWN_MS / 60_000;
  await appendAudit(trx, {
    actor: systemActor('login-throttle'),
    action: 'user.login_cooldown',
    objectType: 'user',
    objectId: userId,
    data: { failures: ACCOUNT_ATTEMPTS, minutes },
    at,
  });
  await notify(
    trx,
    [userId],
    {
      kind: 'ACCOUNT_SECURITY',
      titleZh: '账户登录保护已开启',
      titleEn: 'Login protection switched on for your account',
      bodyZh: `您的账户刚有 ${ACCOUNT_ATTEMPTS} 次来自陌生地址的失败登录。接下来 ${minutes} 分钟内，只有您以前登录过的设备或网络可以登录；您本人也可以通过邮箱重置密码，或联系客服解除。如果这些尝试不是您本人，请确认密码足够独特。`,
      bodyEn: `There were ${ACCOUNT_ATTEMPTS} failed logins to your account from unfamiliar addresses. For the next ${minutes} minutes only devices or networks you logged in from before can sign in; you can also reset your password by e-mail, or ask support to unlock. If these attempts were not yours, make sure your password is unique.`,
      object: { type: 'user', id: userId },
    },
    at,
  );
}

export async function logout(ctx: DataContext, token: string, actor: Actor | null): Promise<void> {
  await unitOfWork(ctx, async (trx) => {
    const res = await trx.deleteFrom('sessions').where('id', '=', sha256(token)).executeTakeFirst();
    if (actor && actor.kind === 'user' && Number(res.numDeletedRows) === 1) {
      await appendAudit(trx, {
        actor,
        action: 'session.ended',
        objectType: 'user',
        objectId: actor.id,
        at: ctx.clock.now(),
      });
    }
  });
}

export interface ResolvedSession {
  actor: UserActor;
  user: UserView;
  csrfToken: string;
}

export async function resolveSession(ctx: DataContext, token: string): Promise<ResolvedSession | null> {
  const at = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('merchants', 'merchants.owner_user_id', 'users.id')
    .select([
      'sessions.csrf_token',
      'sessions.expires_at',
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.member_level',
      'users.level_expires_at',
      'users.status',
      'merchants.id as merchant_id',
    ])
    // The level follows the buyer's membership periods now (a period may have just started or
    // ended): prices shown match what checkout charges.
    .select(levelColumns(at))
    .where('sessions.id', '=', sha256(token))
    .executeTakeFirst();
  if (!row || Date.parse(row.expires_at) <= at.getTime() || row.status !== 'ACTIVE') return null;
  const memberLevel = levelOf(row, at);
  const user: UserView = {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    memberLevel,
    merchantId: row.merchant_id,
  };
  return {
    actor: {
      kind: 'user',
      id: row.id,
      role: row.role,
      memberLevel,
      merchantId: row.merchant_id,
    },
    user,
    csrfToken: row.csrf_token,
  };
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
