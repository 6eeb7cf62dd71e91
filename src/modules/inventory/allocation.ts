/**
 * Allocation primitives the checkout (Stage 3) calls inside its own transaction. Each takes the
 * transaction, moves keys through `moveKeys` (edge check + affected-row check + history + audit),
 * and never half-applies: a shortfall or a race throws and the caller's transaction rolls back.
 */
import { actorLabel, systemActor, type Actor } from '../../platform/actor.js';
import { sql, type RawBuilder } from 'kysely';
import { appendAudit, type AuditInput } from '../../platform/audit.js';
import type { Engine } from '../../platform/config.js';
import { constraintKind, engineOf, listTable, now, type Db } from '../../platform/db/dialect.js';
import type { KeyEventKind, KeyState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newId, newOrderedId } from '../../platform/ids.js';
import { keyMachine, moveKeys, type KeyMove } from './lifecycle.js';

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
  await unitsInsert(engineOf(trx), { ...input, ids, orderId: input.orderId ?? null }).execute(trx);
  return ids;
}

/**
 * The units of a purchase as one `INSERT … SELECT` whatever their number: run by `createUnits`,
 * or embedded in a batched write (the checkout's one statement on PostgreSQL).
 */
export function unitsInsert(
  engine: Engine,
  u: {
    ids: readonly string[];
    productId: string;
    buyerId: string;
    policyId: string;
    orderId: string | null;
    at: Date;
  },
): RawBuilder<unknown> {
  const at = engine === 'postgres' ? sql`${now(u.at)}::timestamptz` : sql`${now(u.at)}`;
  return sql`insert into units (id, product_id, buyer_id, policy_id, order_id, created_at)
    select u.unit_id, ${u.productId}, ${u.buyerId}, ${u.policyId}, ${u.orderId}, ${at}
    from ${listTable(engine, 'u', { unit_id: u.ids })}`;
}

/** Keys to allocate: one available key per unit, oldest first. */
export interface KeyAllocation {
  productId: string;
  buyerId: string;
  unitIds: readonly string[];
  /**
   * Reserved for a payment still to come (`false`), or reserved and delivered sealed at once — a
   * balance checkout, paid in the same transaction (`true`).
   */
  deliver: boolean;
}

/** What one allocation writes, decided before any statement runs (both engines use it). */
export interface AllocationPlan {
  engine: Engine;
  productId: string;
  buyerId: string;
  unitIds: readonly string[];
  path: KeyState[];
  state: KeyState;
  /** The key version after the path, for a key that was AVAILABLE at version v: v + steps. */
  steps: number;
  at: string;
  /** The history rows' ids, one per unit and edge. */
  reservedEvents: string[];
  deliveredEvents: string[];
  reservedBy: { id: string | null; role: string };
  deliveredBy: { id: string | null; role: string };
  actor: Actor;
  atDate: Date;
}

export function planAllocation(c: AllocContext, a: KeyAllocation): AllocationPlan {
  const path: KeyState[] = a.deliver ? ['RESERVED', 'SEALED'] : ['RESERVED'];
  // the edges are checked in the key machine, as a move one edge at a time would check them
  const { state, version } = keyMachine.planPath({ from: 'AVAILABLE', path, by: 'system', at: c.at });
  const t = c.at.getTime();
  return {
    engine: c.engine,
    productId: a.productId,
    buyerId: a.buyerId,
    unitIds: a.unitIds,
    path,
    state,
    steps: version - 1,
    at: now(c.at),
    reservedEvents: a.unitIds.map(() => newOrderedId(t)),
    deliveredEvents: a.deliver ? a.unitIds.map(() => newOrderedId(t)) : [],
    reservedBy: actorLabel(c.actor),
    // delivery is the platform's automatic step, not the buyer's: the key timeline says 系统
    deliveredBy: actorLabel(systemActor('delivery')),
    actor: c.actor,
    atDate: c.at,
  };
}

/**
 * The allocation as one set-based statement: the oldest `n` available keys (PostgreSQL skips keys
 * other transactions hold, `FOR UPDATE SKIP LOCKED`, so concurrent checkouts never wait on or take
 * the same key; SQLite's single writer serialises them) are paired with the units by position and
 * moved along the plan's path in one UPDATE, conditional on their still being AVAILABLE — all or
 * none: with fewer free keys than units it moves nothing (a caller that goes on after the shortfall,
 * as a late payment paid back does, must not leave keys reserved for nobody). Returns the keys moved
 * (`id`, `unit_id`).
 */
export function allocationUpdate(
  p: AllocationPlan,
  /** A condition the statement waits on (the batched checkout: its order row inserted first). */
  after: RawBuilder<unknown> = sql`true`,
): RawBuilder<{ id: string; unit_id: string }> {
  const lock = p.engine === 'postgres' ? sql` for update skip locked` : sql``;
  const units = listTable(p.engine, 'u', { unit_id: p.unitIds });
  const delivered = p.state === 'SEALED' ? sql`, delivered_at = ${p.at}` : sql``;
  return sql<{ id: string; unit_id: string }>`update keys set state = ${p.state}, unit_id = a.unit_id,
      buyer_id = ${p.buyerId}, reserved_at = ${p.at}${delivered}, updated_at = ${p.at},
      version = keys.version + ${p.steps}
    from (select picked.id, u.unit_id from (
        select s.id, row_number() over (order by s.id) as rn, count(*) over () as free from (
          select id from keys where product_id = ${p.productId} and state = 'AVAILABLE'
          order by id limit ${p.unitIds.length}${lock}) s
      ) picked join ${units} on u.rn = picked.rn where picked.free = ${p.unitIds.length}) a
    where keys.id = a.id and keys.state = 'AVAILABLE' and ${after}
    returning keys.id, keys.unit_id`;
}

/**
 * The allocation's history rows — one per key and edge (reserved by the buyer, delivered by the
 * system) — as one `INSERT … SELECT` whatever the quantity. `moved` is where the moved keys are
 * read: PostgreSQL's batched checkout passes its allocation CTE (the UPDATE's `RETURNING`); the
 * portable write passes `keys` (a unit's live key is the one the allocation just moved to it).
 */
export function allocationEventsInsert(p: AllocationPlan, moved: 'moved' | 'keys'): RawBuilder<unknown> {
  const ids = listTable(p.engine, 'e', {
    unit_id: p.unitIds,
    reserved: p.reservedEvents,
    delivered: p.state === 'SEALED' ? p.deliveredEvents : p.reservedEvents,
  });
  const pg = p.engine === 'postgres';
  const at = pg ? sql`${p.at}::timestamptz` : sql`${p.at}`;
  const text = (v: string | null) => (pg ? sql`${v}::text` : sql`${v}`);
  // a unit holds at most one live key (the live-unit index): the one just moved; a key it held
  // before (invalid, replaced) is not live. The units drive the join (CROSS JOIN keeps SQLite from
  // scanning every sold key's index entry instead).
  const live = moved === 'keys' ? sql` and k.state = ${p.state}` : sql``;
  const select = (column: string, kind: KeyEventKind, by: { id: string | null; role: string }) =>
    sql`select e.${sql.raw(column)}, k.id, k.unit_id, ${at}, ${kind}, ${text(by.id)}, ${by.role}, null, null, null
      from ${ids} cross join ${sql.table(moved)} k where k.unit_id = e.unit_id${live}`;
  const selects = [select('reserved', 'RESERVED', p.reservedBy)];
  if (p.state === 'SEALED') selects.push(select('delivered', 'DELIVERED', p.deliveredBy));
  return sql`insert into key_events (id, key_id, unit_id, at, kind, actor_id, actor_role, ip, user_agent, detail)
    ${sql.join(selects, sql` union all `)}`;
}

/** The allocation's one audit event: the keys, the units they went to and the path they took. */
export function allocationAudit(
  p: AllocationPlan,
  moved: readonly { id: string; unit_id: string }[],
): AuditInput {
  return {
    // delivery is the platform's automatic step (as the key history says); a reservation the buyer's
    actor: p.state === 'SEALED' ? systemActor('delivery') : p.actor,
    action: p.state === 'SEALED' ? 'keys.delivered' : 'keys.reserved',
    objectType: 'keys',
    objectId: moved.length === 1 ? moved[0].id : `${moved.length} keys`,
    data: {
      from: 'AVAILABLE',
      path: p.path,
      to: p.state,
      ids: moved.map((k) => k.id),
      units: moved.map((k) => k.unit_id),
    },
    at: p.atDate,
  };
}

/** A shortfall: fewer keys were free than units asked for; nothing was moved. */
export async function assertAllocated(trx: Db, p: AllocationPlan, moved: number): Promise<void> {
  if (moved >= p.unitIds.length) return;
  const free = await trx
    .selectFrom('keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('product_id', '=', p.productId)
    .where('state', '=', 'AVAILABLE')
    .executeTakeFirstOrThrow();
  fail('inventory.out_of_stock', { params: { wanted: p.unitIds.length, available: Number(free.n) } });
}

/**
 * Moves the planned keys (one UPDATE, all or none) and writes their history (one INSERT … SELECT):
 * the allocation's writes, without its audit event (the caller records it where it belongs).
 */
export async function applyAllocation(
  trx: Db,
  plan: AllocationPlan,
): Promise<{ id: string; unit_id: string }[]> {
  const moved = (
    await allocationUpdate(plan)
      .execute(trx)
      .catch((error: unknown) => {
        // the live-unit index: this unit already holds a key
        if (constraintKind(error) === 'unique')
          fail('inventory.unit_already_allocated', { params: { unit: '' } });
        throw error;
      })
  ).rows;
  await assertAllocated(trx, plan, moved.length);
  await allocationEventsInsert(plan, 'keys').execute(trx);
  return moved;
}

/** Allocates keys in the caller's transaction: one UPDATE, one history insert, one audit event. */
export async function allocateKeys(
  trx: Db,
  c: AllocContext,
  a: KeyAllocation,
): Promise<{ unitId: string; keyId: string }[]> {
  if (a.unitIds.length === 0) return [];
  const plan = planAllocation(c, a);
  const moved = await applyAllocation(trx, plan);
  await appendAudit(trx, allocationAudit(plan, moved));
  return moved.map((k) => ({ unitId: k.unit_id, keyId: k.id }));
}

/** Reserves one available key per unit for a payment still to come. All or nothing. */
export const reserveKeys = (
  trx: Db,
  c: AllocContext,
  input: { productId: string; buyerId: string; unitIds: string[] },
): Promise<{ unitId: string; keyId: string }[]> => allocateKeys(trx, c, { ...input, deliver: false });

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
