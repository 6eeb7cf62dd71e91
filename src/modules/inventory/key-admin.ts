/**
 * A shop's own keys, and support's: withdraw a key from stock (AVAILABLE → VOIDED), or confirm one
 * defective (→ INVALID), optionally delivering a replacement to its unit. Who may is decided here:
 * the shop for its own keys, support (and admins) for any key when confirming a defect.
 */
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { authorize } from '../accounts/index.js';
import { markInvalid, voidStockKey } from './allocation.js';
import { toKeyRow } from './queries.js';

async function keyFor(
  ctx: Pick<DataContext, 'db'>,
  actor: Actor,
  id: string,
  staff: boolean,
): Promise<Row<'keys'>> {
  const key = await ctx.db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!key) fail('inventory.key_not_found');
  if (!staff)
    authorize(
      actor,
      'update',
      { type: 'shop_record', merchantId: key.merchant_id },
      'inventory.key_not_found',
    );
  return key;
}

const isStaff = (actor: Actor): boolean =>
  actor.kind === 'user' && (actor.role === 'support' || actor.role === 'admin');

const reread = async (ctx: Pick<DataContext, 'db'>, id: string) =>
  toKeyRow(await ctx.db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow());

/** The shop withdraws one of its keys from stock. */
export async function voidKey(ctx: DataContext, actor: Actor, keyId: string) {
  const key = await keyFor(ctx, actor, keyId, false);
  await unitOfWork(ctx, (trx) => voidStockKey(trx, { engine: ctx.engine, actor, at: ctx.clock.now() }, key));
  return reread(ctx, keyId);
}

/**
 * A key confirmed defective — by its shop, or (`asSupport`) by platform support for any key —
 * optionally replaced by the next available key, delivered sealed to the same unit.
 */
export async function confirmKeyInvalid(
  ctx: DataContext,
  actor: Actor,
  keyId: string,
  input: { reason: string; replace: boolean },
  asSupport: boolean,
) {
  if (asSupport && !isStaff(actor)) fail('auth.forbidden');
  const key = await keyFor(ctx, actor, keyId, asSupport);
  const by = asSupport ? 'support' : 'merchant';
  await unitOfWork(ctx, (trx) =>
    markInvalid(trx, { engine: ctx.engine, actor, at: ctx.clock.now(), by }, key, input),
  );
  return reread(ctx, keyId);
}
