/**
 * Registration with a confirmed e-mail address, password reset and change (ADR 0009).
 *
 * Registration never tells an anonymous caller whether a username or an address is taken: every
 * well-formed request is answered 202 "we sent you an e-mail", after the same work (the password
 * hashed, the same look-ups, one pending row, at most one mail). What differs is only the mail,
 * which reaches the owner of the address: a link that creates the account and signs in; or, when
 * the address already has an account, "sign in or reset your password"; when only the username is
 * taken, the link still comes and the confirm page asks for another username.
 */
import type { UserActor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { newId, randomToken, sha256 } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { queueEmail } from '../notifications/index.js';
import { checkPassword, hashPassword, verifyPassword } from './passwords.js';
import { createSession, type SessionResult } from './sessions.js';
import { claimQuota, clearLoginThrottle } from './throttle.js';
import { emailKey, findUserByLogin, insertUser, toUserView, usernameKey } from './users.js';

export const REGISTRATION_HOURS = 24;
export const RESET_MINUTES = 30;
const HOUR_MS = 3600_000;
/** Mail a stranger can trigger: per address (registration), per account and per login asked (reset). */
export const MAILS_PER_HOUR = 3;

type Ctx = DataContext & { config: { publicUrl: string | undefined; sandboxGateways: boolean } };

const base = (ctx: Ctx) => ctx.config.publicUrl ?? '';

/** Where the demo shows the mail (same for every answer, so it tells nothing). */
export const sandboxMailbox = (ctx: Ctx, address: string | null): string | null =>
  ctx.config.sandboxGateways && address ? `/sandbox/mail?to=${encodeURIComponent(address.trim())}` : null;

export interface RegistrationInput {
  username: string;
  email: string;
  phone?: string | undefined;
  password: string;
  displayName?: string | undefined;
}

export async function requestRegistration(ctx: Ctx, input: RegistrationInput): Promise<void> {
  // The policy depends on the input alone: refusing here discloses nothing about other accounts.
  checkPassword(input.password, [input.username, input.email]);
  const at = ctx.clock.now();
  const passwordHash = await hashPassword(input.password); // hashed whatever exists
  const token = randomToken();
  const key = emailKey(input.email);
  const allowed = await claimQuota(ctx, `mail:register:${key}`, at, MAILS_PER_HOUR, HOUR_MS);
  await unitOfWork(ctx, async (trx) => {
    const owner = await trx
      .selectFrom('users')
      .select(['username'])
      .where('email_key', '=', key)
      .executeTakeFirst();
    const nameTaken = await trx
      .selectFrom('users')
      .select('id')
      .where('username_key', '=', usernameKey(input.username))
      .executeTakeFirst();
    await trx
      .insertInto('registrations')
      .values({
        id: newId(),
        token_hash: sha256(token),
        username: input.username.trim(),
        email: input.email.trim(),
        phone: input.phone?.trim() || null,
        display_name: input.displayName?.trim() || input.username.trim(),
        password_hash: passwordHash,
        created_at: now(at),
        expires_at: now(new Date(at.getTime() + REGISTRATION_HOURS * HOUR_MS)),
        used_at: owner ? now(at) : null, // an address with an account gets no working link
      })
      .execute();
    if (!allowed) return;
    const link = `${base(ctx)}/register/confirm?token=${token}`;
    const text = owner
      ? [
          `有人（可能是您）刚刚用此邮箱注册 Kameng 卡盟。这个邮箱已经有账户了，用户名：${owner.username}。`,
          `如果是您：请直接登录 ${base(ctx)}/login ，忘记密码可在 ${base(ctx)}/forgot-password 重置。`,
          '如果不是您：无需处理，您的账户没有任何改变。',
          '',
          `Someone (perhaps you) just tried to register at Kameng with this address. It already has an account, username: ${owner.username}.`,
          `If it was you: sign in at ${base(ctx)}/login, or reset your password at ${base(ctx)}/forgot-password.`,
          'If not: nothing to do; your account has not changed.',
        ]
      : [
          `请打开下面的链接完成注册并登录（${REGISTRATION_HOURS} 小时内有效，只能使用一次）：`,
          link,
          ...(nameTaken ? [`用户名「${input.username.trim()}」已被占用，打开链接后请另选一个用户名。`] : []),
          '如果您没有注册 Kameng，请忽略此邮件。',
          '',
          `Open this link to finish registering and sign in (valid ${REGISTRATION_HOURS} hours, once):`,
          link,
          ...(nameTaken
            ? [`The username "${input.username.trim()}" is taken: choose another after opening the link.`]
            : []),
          'If you did not register at Kameng, ignore this mail.',
        ];
    await queueEmail(
      trx,
      {
        to: input.email.trim(),
        subject: owner
          ? '【Kameng】您的邮箱已有账户 / You already have an account'
          : '【Kameng】确认注册 / Confirm your registration',
        text: text.join('\n'),
      },
      at,
    );
  });
}

/**
 * Opens the link: the account is created (with the username from the form, or another one given
 * now when that was taken) and signed in. Whoever holds the link controls the address, so a taken
 * username is said plainly here.
 */
export async function confirmRegistration(
  ctx: Ctx,
  input: { token: string; username?: string | undefined },
  hours: number,
): Promise<SessionResult> {
  const at = ctx.clock.now();
  const reg = await ctx.db
    .selectFrom('registrations')
    .selectAll()
    .where('token_hash', '=', sha256(input.token))
    .executeTakeFirst();
  if (!reg || reg.used_at !== null || Date.parse(reg.expires_at) <= at.getTime()) fail('auth.link_invalid');
  const username = input.username?.trim() || reg.username;
  return unitOfWork(ctx, async (trx) => {
    const used = await trx
      .updateTable('registrations')
      .set({ used_at: now(at) })
      .where('id', '=', reg.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) fail('auth.link_invalid');
    const user = await insertUser(
      trx,
      ctx,
      {
        username,
        passwordHash: reg.password_hash,
        displayName: reg.display_name === reg.username ? username : reg.display_name,
        role: 'buyer',
        email: reg.email,
        phone: reg.phone,
      },
      null,
    );
    const actor = {
      kind: 'user',
      id: user.id,
      role: user.role,
      memberLevel: user.member_level,
      merchantId: null,
    } as const;
    const session = await createSession(trx, ctx, actor, hours);
    return { ...session, user: toUserView(user, null) };
  });
}

/**
 * Asks for a reset by e-mail address or username. Always answers the same; mails the account's
 * address only when it exists, is active and has one, within the quotas.
 */
export async function requestPasswordReset(ctx: Ctx, input: { login: string }): Promise<void> {
  const at = ctx.clock.now();
  const login = input.login.trim();
  const token = randomToken();
  const tokenHash = sha256(token);
  const askedOk = await claimQuota(
    ctx,
    `mail:reset:login:${usernameKey(login)}`,
    at,
    MAILS_PER_HOUR,
    HOUR_MS,
  );
  const user = await findUserByLogin(ctx.db, login);
  if (!askedOk || !user || !user.email || user.status !== 'ACTIVE' || user.channel_shop_id !== null) return;
  if (!(await claimQuota(ctx, `mail:reset:user:${user.id}`, at, MAILS_PER_HOUR, HOUR_MS))) return;
  const link = `${base(ctx)}/reset-password?token=${token}`;
  await unitOfWork(ctx, async (trx) => {
    await trx
      .insertInto('password_resets')
      .values({
        id: newId(),
        token_hash: tokenHash,
        user_id: user.id,
        created_at: now(at),
        expires_at: now(new Date(at.getTime() + RESET_MINUTES * 60_000)),
        used_at: null,
      })
      .execute();
    await queueEmail(
      trx,
      {
        to: user.email!,
        subject: '【Kameng】重置密码 / Reset your password',
        text: [
          `您（用户名 ${user.username}）申请了重置 Kameng 卡盟的密码。请在 ${RESET_MINUTES} 分钟内打开链接设置新密码（只能使用一次）：`,
          link,
          '设置新密码后，所有已登录的设备都会退出。如果不是您申请的，请忽略此邮件，密码不会改变。',
          '',
          `A password reset was asked for your Kameng account (username ${user.username}). Open the link within ${RESET_MINUTES} minutes to choose a new password (once only):`,
          link,
          'Setting a new password signs out every device. If you did not ask, ignore this mail: your password stays as it is.',
        ].join('\n'),
      },
      at,
    );
    await appendAudit(trx, {
      actor: { kind: 'system', name: 'password-reset' },
      action: 'user.password_reset_requested',
      objectType: 'user',
      objectId: user.id,
      at,
    });
  });
}

/** Sets the new password from a reset link: once, within 30 minutes; every session ends. */
export async function confirmPasswordReset(
  ctx: Ctx,
  input: { token: string; password: string },
): Promise<void> {
  const at = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('password_resets')
    .innerJoin('users', 'users.id', 'password_resets.user_id')
    .select([
      'password_resets.id',
      'password_resets.used_at',
      'password_resets.expires_at',
      'users.id as user_id',
      'users.username',
      'users.email',
      'users.status',
      'users.role',
      'users.member_level',
    ])
    .where('password_resets.token_hash', '=', sha256(input.token))
    .executeTakeFirst();
  if (!row || row.used_at !== null || Date.parse(row.expires_at) <= at.getTime() || row.status !== 'ACTIVE')
    fail('auth.link_invalid');
  checkPassword(input.password, [row.username, row.email]);
  const passwordHash = await hashPassword(input.password);
  await unitOfWork(ctx, async (trx) => {
    const used = await trx
      .updateTable('password_resets')
      .set({ used_at: now(at) })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) fail('auth.link_invalid');
    // Any other link still out there dies with this one.
    await trx
      .updateTable('password_resets')
      .set({ used_at: now(at) })
      .where('user_id', '=', row.user_id)
      .where('used_at', 'is', null)
      .execute();
    await setPassword(trx, row.user_id, passwordHash, at);
    const ended = await trx.deleteFrom('sessions').where('user_id', '=', row.user_id).executeTakeFirst();
    // Opening the mailed link proves control of the account: every login throttle on it lifts.
    await clearLoginThrottle(trx, [row.username, ...(row.email ? [row.email] : [])].map(usernameKey));
    await appendAudit(trx, {
      actor: {
        kind: 'user',
        id: row.user_id,
        role: row.role,
        memberLevel: row.member_level,
        merchantId: null,
      },
      action: 'user.password_reset',
      objectType: 'user',
      objectId: row.user_id,
      data: { sessionsEnded: Number(ended.numDeletedRows) },
      at,
    });
    if (row.email) await queueEmail(trx, passwordChangedMail(row.email, row.username), at);
  });
}

/** A logged-in user changes their password: the current one is checked, other sessions end. */
export async function changePassword(
  ctx: Ctx,
  actor: UserActor,
  input: { currentPassword: string; newPassword: string },
  currentSessionId: string | null,
): Promise<void> {
  const at = ctx.clock.now();
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', actor.id)
    .executeTakeFirstOrThrow();
  if (!(await verifyPassword(user.password_hash, input.currentPassword)))
    fail('auth.invalid_credentials', { field: 'currentPassword' });
  checkPassword(input.newPassword, [user.username, user.email], 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await unitOfWork(ctx, async (trx) => {
    await setPassword(trx, user.id, passwordHash, at);
    let q = trx.deleteFrom('sessions').where('user_id', '=', user.id);
    if (currentSessionId) q = q.where('id', '<>', currentSessionId);
    const ended = await q.executeTakeFirst();
    await appendAudit(trx, {
      actor,
      action: 'user.password_changed',
      objectType: 'user',
      objectId: user.id,
      data: { sessionsEnded: Number(ended.numDeletedRows) },
      at,
    });
    if (user.email) await queueEmail(trx, passwordChangedMail(user.email, user.username), at);
  });
}

async function setPassword(trx: DataContext['db'], userId: string, passwordHash: string, at: Date) {
  await trx
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: now(at) })
    .where('id', '=', userId)
    .execute();
}

const passwordChangedMail = (to: string, username: string) => ({
  to,
  subject: '【Kameng】密码已修改 / Your password was changed',
  text: [
    `您的 Kameng 卡盟账户（${username}）的密码刚刚修改，其他设备已退出登录。如果不是您本人操作，请立即通过“忘记密码”重置并联系客服。`,
    '',
    `The password of your Kameng account (${username}) was just changed and other devices were signed out. If this was not you, reset it with "Forgot password" at once and contact support.`,
  ].join('\n'),
});
