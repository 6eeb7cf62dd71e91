/**
 * The operator console's accounts (Stage 8): search users (with their shop, if any) and disable or
 * reinstate an account through the user machine, with the operator's reason in the audit event.
 * A disabled account's sessions are ended and its API tokens stop resolving at once (both check the
 * owner's status on every request). An admin cannot disable themselves or the last active admin;
 * channel buyers (the login-less owners of a channel shop's orders) are disabled by design and are
 * never reinstated.
 */
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { Actor, UserActor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { containsText, forUpdate, now, type Engine } from '../../platform/db/dialect.js';
import type { Role } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { userMachine, type UserStatus } from './users.js';

const ROLES = ['buyer', 'merchant', 'support', 'arbitrator', 'admin'] as const;

export const adminUserViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: z.enum(ROLES),
  status: z.enum(['ACTIVE', 'DISABLED']),
  version: z.number().int(),
  disabledReason: z.string().nullable(),
  disabledAt: z.string().nullable(),
  /** A channel shop's login-less buyer (渠道买家): disabled by design, never reinstated. */
  channelBuyer: z.boolean(),
  createdAt: z.string(),
  merchant: z
    .object({
      id: z.string(),
      name: z.string(),
      status: z.enum(['ACTIVE', 'SUSPENDED']),
      version: z.number().int(),
      suspendedReason: z.string().nullable(),
    })
    .nullable(),
});
export type AdminUserView = z.infer<typeof adminUserViewSchema>;

export const userSearchSchema = z.strictObject({
  q: z.string().trim().max(100).optional(),
  role: z.enum(ROLES).optional(),
  status: z.enum(['ACTIVE', 'DISABLED']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

function asAdmin(actor: Actor, also: readonly Role[] = []): UserActor {
  if (actor.kind !== 'user' || !(actor.role === 'admin' || also.includes(actor.role))) fail('auth.forbidden');
  return actor;
}

/** Users matching a search (username, display name, e-mail contain it, or the id is it), newest first. */
export async function searchUsers(
  ctx: Pick<DataContext, 'db'>,
  actor: Actor,
  query: z.infer<typeof userSearchSchema>,
): Promise<AdminUserView[]> {
  asAdmin(actor, ['support']);
  const q = query.q?.trim() ?? '';
  const rows = await ctx.db
    .selectFrom('users')
    .leftJoin('merchants', 'merchants.owner_user_id', 'users.id')
    .select([
      'users.id',
      'users.username',
      'users.display_name',
      'users.email',
      'users.role',
      'users.status',
      'users.version',
      'users.disabled_reason',
      'users.disabled_at',
      'users.channel_shop_id',
      'users.created_at',
      'merchants.id as merchant_id',
      'merchants.name as merchant_name',
      'merchants.status as merchant_status',
      'merchants.version as merchant_version',
      'merchants.suspended_reason',
    ])
    .$if(q !== '', (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('users.id', '=', q),
          containsText('users.username', q),
          containsText('users.display_name', q),
          containsText('users.email', q),
          containsText('merchants.name', q),
        ]),
      ),
    )
    .$if(query.role !== undefined, (qb) => qb.where('users.role', '=', query.role!))
    .$if(query.status !== undefined, (qb) => qb.where('users.status', '=', query.status!))
    .orderBy('users.created_at', 'desc')
    .orderBy('users.id', 'desc')
    .limit(query.limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    role: r.role,
    status: r.status,
    version: r.version,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    channelBuyer: r.channel_shop_id !== null,
    createdAt: r.created_at,
    merchant:
      r.merchant_id && r.merchant_name && r.merchant_status && r.merchant_version !== null
        ? {
            id: r.merchant_id,
            name: r.merchant_name,
            status: r.merchant_status,
            version: r.merchant_version,
            suspendedReason: r.suspended_reason,
          }
        : null,
  }));
}

export const userStatusBodySchema = z.strictObject({
  status: z.enum(['ACTIVE', 'DISABLED']),
  version: versionSchema,
  reason: z.string().trim().min(2).max(500),
});

/**
 * Disables or reinstates an account (admins only). Disabling ends the account's sessions in the
 * same transaction; its tokens stop resolving because they check the owner's status.
 */
export async function setUserStatus(
  ctx: Pick<DataContext, 'db' | 'clock'> & { engine: Engine },
  actor: Actor,
  userId: string,
  input: { status: UserStatus; version: number; reason: string },
): Promise<{ status: UserStatus; version: number }> {
  const admin = asAdmin(actor);
  if (input.status === 'DISABLED' && userId === admin.id) fail('admin.cannot_disable_self');
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const user = await forUpdate(
      trx.selectFrom('users').selectAll().where('id', '=', userId),
      ctx.engine,
    ).executeTakeFirst();
    if (!user) fail('catalog.user_not_found');
    if (user.version !== input.version) fail('request.conflict', { field: 'version' });
    if (input.status === 'ACTIVE' && user.channel_shop_id !== null) fail('admin.channel_buyer');
    // Every active admin row is locked, so two admins disabling each other at once cannot both
    // pass: the second finds it is no longer an active admin itself.
    const admins = await forUpdate(
      trx.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'ACTIVE'),
      ctx.engine,
    ).execute();
    if (
      input.status === 'DISABLED' &&
      user.role === 'admin' &&
      user.status === 'ACTIVE' &&
      admins.every((a) => a.id === user.id)
    )
      fail('admin.last_admin');
    if (!admins.some((a) => a.id === admin.id)) fail('auth.forbidden');
    const reason = input.reason.trim();
    const moved = await userMachine.transition(trx, {
      row: user,
      to: input.status,
      by: 'admin',
      actor: admin,
      at,
      set:
        input.status === 'DISABLED'
          ? { disabled_reason: reason, disabled_at: now(at) }
          : { disabled_reason: null, disabled_at: null },
      data: { reason, username: user.username },
    });
    if (input.status === 'DISABLED')
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    return { status: moved.status, version: moved.version };
  });
}
