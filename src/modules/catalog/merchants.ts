import type { Actor } from '../../platform/actor.js';
import { z } from 'zod';
import type { DataContext } from '../../platform/context.js';
import { now } from '../../platform/db/dialect.js';
import type { MemberLevel, Role, Row } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';
import { fail } from '../../platform/errors.js';
import { hashPassword } from '../accounts/index.js';
import { insertUser } from '../accounts/index.js';
import { appendAudit } from '../../platform/audit.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export interface NewAccount {
  username: string;
  password: string;
  /** A precomputed hash of `password` (the demo seed hashes its shared password once). */
  passwordHash?: string | undefined;
  displayName?: string | undefined;
  role: Role;
  memberLevel?: MemberLevel | undefined;
  /** For merchants: the shop name (defaults to the display name). */
  merchantName?: string | undefined;
  review24h?: boolean | undefined;
  depositFen?: number | undefined;
  /** Optional at the database (older accounts have none); the registration API requires one. */
  email?: string | null | undefined;
  phone?: string | null | undefined;
}

/** Creates a user of any role; a merchant gets its shop (with the 保证金 deposit account) too. */
export async function createAccount(
  ctx: DataContext,
  actor: Actor | null,
  input: NewAccount,
): Promise<{ user: Row<'users'>; merchantId: string | null }> {
  const at = ctx.clock.now();
  const passwordHash = input.passwordHash ?? (await hashPassword(input.password));
  return unitOfWork(ctx, async (trx) => {
    const user = await insertUser(
      trx,
      ctx,
      { ...input, passwordHash, ...(input.memberLevel ? { memberLevel: input.memberLevel } : {}) },
      actor,
    );
    if (input.role !== 'merchant') return { user, merchantId: null };
    const merchantId = newId();
    const name = input.merchantName ?? user.display_name;
    await trx
      .insertInto('merchants')
      .values({
        id: merchantId,
        owner_user_id: user.id,
        name,
        description: '',
        status: 'ACTIVE',
        deposit_fen: input.depositFen ?? 0,
        commit_review_24h: input.review24h ? 1 : 0,
        credit_score: 100,
        commission_bp: 0,
        version: 1,
        created_at: now(at),
        updated_at: now(at),
      })
      .execute();
    await appendAudit(trx, {
      actor: actor ?? {
        kind: 'user',
        id: user.id,
        role: 'merchant',
        memberLevel: user.member_level,
        merchantId,
      },
      action: 'merchant.created',
      objectType: 'merchant',
      objectId: merchantId,
      data: { name, ownerUserId: user.id, depositFen: input.depositFen ?? 0 },
      at,
    });
    return { user, merchantId };
  });
}

export const commissionRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['ACTIVE', 'SUSPENDED']),
  commissionBp: z.number().int(),
});

/** Every shop with its commission rate (admins; support reads), by name. */
export async function listCommissions(
  ctx: Pick<DataContext, 'db'>,
  actor: Actor,
): Promise<z.infer<typeof commissionRowSchema>[]> {
  if (actor.kind !== 'user' || !(actor.role === 'admin' || actor.role === 'support')) fail('auth.forbidden');
  const rows = await ctx.db
    .selectFrom('merchants')
    .select(['id', 'name', 'status', 'commission_bp'])
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, status: r.status, commissionBp: r.commission_bp }));
}

/** An admin sets a shop's commission rate on settlement, in basis points (100 = 1%). */
export async function setCommission(
  ctx: DataContext,
  actor: Actor,
  merchantId: string,
  commissionBp: number,
): Promise<{ id: string; commissionBp: number }> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    const m = await trx
      .selectFrom('merchants')
      .select(['commission_bp', 'version'])
      .where('id', '=', merchantId)
      .executeTakeFirst();
    if (!m) fail('catalog.merchant_not_found');
    await trx
      .updateTable('merchants')
      .set({ commission_bp: commissionBp, version: m.version + 1, updated_at: now(at) })
      .where('id', '=', merchantId)
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'merchant.commission_changed',
      objectType: 'merchant',
      objectId: merchantId,
      data: { from: m.commission_bp, to: commissionBp },
      at,
    });
  });
  return { id: merchantId, commissionBp };
}

/** An admin creates an account of any role (a merchant gets its shop). */
export function createAccountAsAdmin(ctx: DataContext, actor: Actor, input: NewAccount) {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  return createAccount(ctx, actor, input);
}
