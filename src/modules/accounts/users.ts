import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { constraintKind, now, type Db } from '../../platform/db/dialect.js';
import type { MemberLevel, Role, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { authorize } from './authz.js';
import { newId } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';

/**
 * Letters of any script, digits, _ . - (no @: a login containing @ is an e-mail address). Two
 * characters suffice for a Chinese name like 张三. Unique case-insensitively (`usernameKey`).
 */
export const usernameSchema = z
  .string()
  .trim()
  .min(2)
  .max(32)
  .regex(/^[\p{L}\p{M}\p{N}_.-]+$/u, 'letters, digits, _ . - only');
/** The shape only; the policy (common passwords, patterns, the username inside) is `checkPassword`. */
export const passwordSchema = z.string().min(8).max(128);
export const emailSchema = z.email().trim().max(254);
/** A mainland China mobile number; stored, not verified (no SMS gateway yet). */
export const phoneSchema = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, 'a mainland China mobile number: 1[3-9] and 9 digits');
export const emailKey = (email: string): string => email.trim().toLowerCase();

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  memberLevel: MemberLevel;
  merchantId: string | null;
}

export const userViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(['buyer', 'merchant', 'support', 'arbitrator', 'admin']),
  memberLevel: z.enum(['REGULAR', 'VIP', 'SUPER']),
  merchantId: z.string().nullable(),
});

export const usernameKey = (username: string): string => username.trim().normalize('NFKC').toLowerCase();

export function toUserView(row: Row<'users'>, merchantId: string | null): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    memberLevel: row.member_level,
    merchantId,
  };
}

export interface NewUser {
  username: string;
  /** argon2 hash, computed before the transaction opens (hashing is slow and would hold it). */
  passwordHash: string;
  displayName?: string | undefined;
  role: Role;
  memberLevel?: MemberLevel;
  email?: string | null | undefined;
  phone?: string | null | undefined;
}

/** Inserts a user and its audit event inside `trx`. Unique usernames are enforced by the database. */
export async function insertUser(
  trx: Db,
  ctx: Pick<DataContext, 'clock'>,
  input: NewUser,
  actor: Actor | null,
) {
  const at = ctx.clock.now();
  const id = newId();
  const row: Row<'users'> = {
    id,
    username: input.username.trim(),
    username_key: usernameKey(input.username),
    password_hash: input.passwordHash,
    display_name: input.displayName?.trim() || input.username.trim(),
    email: input.email?.trim() || null,
    email_key: input.email?.trim() ? emailKey(input.email) : null,
    channel_shop_id: null,
    disabled_reason: null,
    disabled_at: null,
    phone: input.phone?.trim() || null,
    role: input.role,
    member_level: input.memberLevel ?? 'REGULAR',
    level_expires_at: null,
    status: 'ACTIVE',
    version: 1,
    created_at: now(at),
    updated_at: now(at),
  };
  // Checked first (a failed insert ends a PostgreSQL transaction); the unique index decides a race.
  if (row.email_key !== null) {
    const taken = await trx
      .selectFrom('users')
      .select('id')
      .where('email_key', '=', row.email_key)
      .executeTakeFirst();
    if (taken) fail('auth.email_taken', { field: 'email' });
  }
  try {
    await trx.insertInto('users').values(row).execute();
  } catch (error) {
    if (constraintKind(error) === 'unique') {
      if (/email/i.test(error instanceof Error ? error.message : ''))
        fail('auth.email_taken', { field: 'email' });
      fail('auth.username_taken', { field: 'username' });
    }
    throw error;
  }
  await appendAudit(trx, {
    actor: actor ?? { kind: 'user', id, role: row.role, memberLevel: row.member_level, merchantId: null },
    action: 'user.created',
    objectType: 'user',
    objectId: id,
    data: { username: row.username, role: row.role, memberLevel: row.member_level },
    at,
  });
  return row;
}

export async function merchantIdOf(db: Db, userId: string): Promise<string | null> {
  const m = await db
    .selectFrom('merchants')
    .select('id')
    .where('owner_user_id', '=', userId)
    .executeTakeFirst();
  return m?.id ?? null;
}

export async function findUserById(db: Db, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByUsername(db: Db, username: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('username_key', '=', usernameKey(username))
    .executeTakeFirst();
}

/** By e-mail address when the login contains @, else by username; both case-insensitive. */
export async function findUserByLogin(db: Db, login: string) {
  if (login.includes('@'))
    return db.selectFrom('users').selectAll().where('email_key', '=', emailKey(login)).executeTakeFirst();
  return findUserByUsername(db, login);
}

export type UserStatus = Row<'users'>['status'];

/**
 * An account is ACTIVE or DISABLED; a disabled account cannot log in, its sessions and API tokens
 * stop working at once. `system`: the platform itself (retiring the published demo logins).
 */
export const userMachine = defineMachine({
  name: 'user',
  table: 'users',
  column: 'status',
  initial: ['ACTIVE'],
  terminal: [],
  transitions: {
    ACTIVE: { DISABLED: { by: ['admin', 'system'] } },
    DISABLED: { ACTIVE: { by: ['admin'] } },
  } satisfies Transitions<UserStatus, 'admin' | 'system'>,
  notAllowed: 'request.conflict',
});

/** A user's profile: their own, or anyone's for support and admins (others get the 404). */
export async function userProfile(ctx: Pick<DataContext, 'db'>, actor: Actor, id: string): Promise<UserView> {
  authorize(actor, 'read', { type: 'user', id }, 'catalog.user_not_found');
  const user = (await findUserById(ctx.db, id)) ?? fail('catalog.user_not_found');
  return toUserView(user, await merchantIdOf(ctx.db, user.id));
}
