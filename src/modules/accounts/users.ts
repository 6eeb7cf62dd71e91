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

export const usernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(32)
  .regex(/^[\p{L}\p{N}_.-]+$/u, 'letters, digits, _ . - only');
export const passwordSchema = z.string().min(8).max(128);

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
    email: null,
    channel_shop_id: null,
    disabled_reason: null,
    disabled_at: null,
    phone: null,
    role: input.role,
    member_level: input.memberLevel ?? 'REGULAR',
    level_expires_at: null,
    status: 'ACTIVE',
    version: 1,
    created_at: now(at),
    updated_at: now(at),
  };
  try {
    await trx.insertInto('users').values(row).execute();
  } catch (error) {
    if (constraintKind(error) === 'unique') fail('auth.username_taken', { field: 'username' });
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
