/**
 * Allocation primitives the checkout (Stage 3) calls inside its own transaction. Each takes the
 * transaction, moves keys through `moveKeys` (edge check + affected-row check + history + audit),
 * and never half-applies: a shortfall or a race throws and the caller's transaction rolls back.
 */
import { actorLabel, type Actor } from '../../platform/actor.js';
import type { Engine } from '../../platform/config.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { KeyEventKind, KeyState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newId, newOrderedId } from '../../platform/ids.js';
import { LIVE_STATES, moveKeys, type KeyMove } from './lifecycle.js';

type KeyRef = Pick<Row<'keys'>, 'id' | 'state' | 'unit_id'>;

export interface AllocContext {
  engine: Engine;
  actor: Actor;
  at: Date;
}

/** Creates `count` units of a product for a buyer under the policy version they confirmed. */
export async function createUnits(
  trx: Db,
  input: {
    productId: string;
    buyerId: string;
    policyId: string;
    count: number;
    at: Date;
    orderId?: string;
  },
): Promise<string[]> {
  const ids = Array.from({ length: input.count }, () => newId());
  for (let i = 0; i < ids.length; i += 500) {
    await trx
      .insertInto('units')
      .values(
        ids.slice(i, i + 500).map((id) => ({
          id,
          product_id: input.productId,
          buyer_id: input.buyerId,
          policy_id: input.policyId,
          order_id: input.orderId ?? null,
          created_at: now(input.at),
        })),
      )
      .execute();
  }
  return ids;
}

/**
 * Reserves one available key per unit, oldest first. PostgreSQL skips rows other transactions
 * hold (`FOR UPDATE SKIP LOCKED`) so concurrent checkouts never wait on or take the same key;
 * SQLite's single writer transaction serialises them. All or nothing.
 */
export async function reserveKeys(
  trx: Db,
  c: AllocContext,
  input: { productId: string; buyerId: string; unitIds: string[] },
): Promise<{ unitId: string; keyId: string }[]> {
  const wanted = input.unitIds.length;
  const held = await trx
    .selectFrom('keys')
    .select('unit_id')
    .where('unit_id', 'in', input.unitIds)
    .where('state', 'in', LIVE_STATES)
    .executeTakeFirst();
  if (held) fail('inventory.unit_already_allocated', { params: { unit: held.unit_id ?? '' } });
  let q = trx
    .selectFrom('keys')
    .select('id')
    .where('product_id', '=', input.productId)
    .where('state', '=', 'AVAILABLE')
    .orderBy('id')
    .limit(wanted);
  if (c.engine === 'postgres') q = q.forUpdate().skipLocked();
  const picked = await q.execute();
  if (picked.length < wanted)
    fail('inventory.out_of_stock', { params: { wanted, available: picked.length } });
  const pairs = picked.map((k, i) => ({ unitId: input.unitIds[i], keyId: k.id }));
  // One UPDATE per key: each key gets its own unit. The live-unit unique index makes a second
  // key for the same unit impossible, whatever the caller passes.
  for (const p of pairs) {
    await moveKeys(trx, {
      keys: [{ id: p.keyId, state: 'AVAILABLE', unit_id: null }],
      to: 'RESERVED',
      by: 'system',
      actor: c.actor,
      at: c.at,
      kind: 'RESERVED',
      set: { unit_id: p.unitId, buyer_id: input.buyerId, reserved_at: now(c.at) },
      action: 'keys.reserved',
      auditData: { unitId: p.unitId },
    });
  }
  return pairs;
}

async function keysOfUnits(trx: Db, unitIds: string[], states: Row<'keys'>['state'][]): Promise<KeyRef[]> {
  if (unitIds.length === 0) return [];
  const rows = await trx
    .selectFrom('keys')
    .select(['id', 'state', 'unit_id'])
    .where('unit_id', 'in', unitIds)
    .where('state', 'in', states)
    .execute();
  if (rows.length !== unitIds.length) fail('inventory.key_conflict');
  return rows;
}

/** Moves the keys of `unitIds`, which must all be in `from`, along one system edge. */
async function moveUnitKeys(
  trx: Db,
  c: AllocContext,
  unitIds: string[],
  from: KeyState,
  to: KeyState,
  kind: KeyEventKind,
  set: KeyMove['set'],
  action: string,
): Promise<void> {
  const keys = await keysOfUnits(trx, unitIds, [from]);
  await moveKeys(trx, { keys, to, by: 'system', actor: c.actor, at: c.at, kind, set, action });
}

/** An unpaid order expired: its reserved keys go back to stock. */
export const releaseReservation = (trx: Db, c: AllocContext, unitIds: string[]): Promise<void> =>
  moveUnitKeys(
    trx,
    c,
    unitIds,
    'RESERVED',
    'AVAILABLE',
    'RELEASED',
    { unit_id: null, buyer_id: null, reserved_at: null },
    'keys.released',
  );

/** Payment confirmed: RESERVED → SEALED, recording the delivery time (电子商务法 §51). */
export const deliverKeys = (trx: Db, c: AllocContext, unitIds: string[]): Promise<void> =>
  moveUnitKeys(
    trx,
    c,
    unitIds,
    'RESERVED',
    'SEALED',
    'DELIVERED',
    { delivered_at: now(c.at) },
    'keys.delivered',
  );

/** A sealed unit was refunded: its key returns to stock (the only way back to stock after sale). */
export const returnToStock = (trx: Db, c: AllocContext, unitIds: string[]): Promise<void> =>
  moveUnitKeys(
    trx,
    c,
    unitIds,
    'SEALED',
    'AVAILABLE',
    'RETURNED',
    { unit_id: null, buyer_id: null, reserved_at: null, delivered_at: null },
    'keys.returned',
  );

/** A revealed unit was refunded: its key is voided and can never be activated. */
export const voidUnitKeys = (trx: Db, c: AllocContext, unitIds: string[]): Promise<void> =>
  moveUnitKeys(trx, c, unitIds, 'REVEALED', 'VOIDED', 'VOIDED', { voided_at: now(c.at) }, 'keys.voided');

/**
 * The merchant (or support) confirms a key defective. With `replace`, a key it held for a unit
 * is replaced by the next available key, delivered sealed to the same unit.
 */
export async function markInvalid(
  trx: Db,
  c: AllocContext & { by: 'merchant' | 'support' },
  key: Pick<Row<'keys'>, 'id' | 'state' | 'unit_id' | 'buyer_id' | 'product_id'>,
  input: { reason: string; replace: boolean },
): Promise<string | null> {
  await moveKeys(trx, {
    keys: [key],
    to: 'INVALID',
    by: c.by,
    actor: c.actor,
    at: c.at,
    kind: 'INVALIDATED',
    set: { invalid_at: now(c.at), invalid_reason: input.reason },
    detail: input.reason,
    action: 'key.invalidated',
    auditData: { reason: input.reason, replace: input.replace },
  });
  if (!input.replace || !key.unit_id || !key.buyer_id || key.state === 'AVAILABLE') return null;
  const [pair] = await reserveKeys(trx, c, {
    productId: key.product_id,
    buyerId: key.buyer_id,
    unitIds: [key.unit_id],
  });
  await deliverKeys(trx, c, [key.unit_id]);
  await trx.updateTable('keys').set({ replacement_key_id: pair.keyId }).where('id', '=', key.id).execute();
  await trx
    .insertInto('key_events')
    .values({
      id: newOrderedId(c.at.getTime()),
      key_id: key.id,
      unit_id: key.unit_id,
      at: now(c.at),
      kind: 'REPLACED',
      actor_id: actorLabel(c.actor).id,
      actor_role: actorLabel(c.actor).role,
      ip: null,
      user_agent: null,
      detail: pair.keyId,
    })
    .execute();
  return pair.keyId;
}

/** The merchant withdraws a key from stock. */
export async function voidStockKey(trx: Db, c: AllocContext, key: KeyRef): Promise<void> {
  await moveKeys(trx, {
    keys: [key],
    to: 'VOIDED',
    by: 'merchant',
    actor: c.actor,
    at: c.at,
    kind: 'VOIDED',
    set: { voided_at: now(c.at) },
    action: 'key.voided',
  });
}
