/**
 * 批量查看 (bulk reveal) for 超会 and other bulk buyers: several or all units of one of the buyer's
 * orders revealed at once, each recorded exactly as a single reveal is — the first reveal of a key
 * unseals it (SEALED → REVEALED through the key machine, 拆封), every reveal writes the key's
 * history row (time, IP, user agent) and a `key.revealed` audit event for that key — all in one
 * unit of work, with the secrets returned to the buyer only.
 *
 * Chosen units (`unitIds`) are all-or-nothing: a unit not in the order (or not the buyer's) is 404,
 * a unit whose key cannot be shown now (refunded, voided, not delivered, sealed under a refund
 * request) is 409, each naming how many — the page offers only what can be revealed, so a refusal
 * means it is stale. `all: true` reveals every unit that can be revealed and reports the others as
 * `skipped` with their reason. N keys spend N from the user's reveal budget (budget.ts).
 *
 * For 1,000 keys: one read of the units, one locking read of their keys (ordered, so concurrent
 * bulk reveals lock in the same order), one read of open refund holds, one bulk state move, history
 * rows in chunks of 500, audit rows written with the commit, data keys fetched once each.
 */
import type { Actor } from '../../platform/actor.js';
import { actorLabel } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { forUpdate, now } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newOrderedId } from '../../platform/ids.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { spendRevealBudget, type BudgetState } from './budget.js';
import type { InventoryContext } from './import.js';
import { moveKeys } from './lifecycle.js';
import { isRevealable, type Revealed, type RequestInfo, type RevealOptions } from './reveal.js';

export const MAX_BULK_REVEAL = 1000;

export type BulkRevealInput = { unitIds: string[] } | { all: true };

export type SkipReason = 'REFUNDED' | 'NOT_DELIVERED' | 'NOT_REVEALABLE' | 'IN_REFUND';

export interface BulkRevealed {
  orderId: string;
  items: Revealed[];
  /** Units left out of an `all` reveal, with why. */
  skipped: { unitId: string; reason: SkipReason; state: string | null }[];
  /** How many keys this reveal unsealed (拆封). */
  firstReveals: number;
  budget: BudgetState | null;
}

type KeyRow = Row<'keys'>;

export async function revealOrderUnits(
  ctx: InventoryContext,
  actor: Actor,
  orderId: string,
  input: BulkRevealInput,
  info: RequestInfo,
  options: RevealOptions = { budget: true },
): Promise<BulkRevealed> {
  if (actor.kind !== 'user') fail('auth.forbidden');
  const at = ctx.clock.now();
  return unitOfWork(ctx, async (trx) => {
    const order = await trx
      .selectFrom('orders')
      .select(['id', 'buyer_id'])
      .where('id', '=', orderId)
      .executeTakeFirst();
    // Someone else's order and one that does not exist look the same.
    if (!order || order.buyer_id !== actor.id) fail('order.not_found');
    const units = await trx
      .selectFrom('units')
      .select(['id', 'refunded_at'])
      .where('order_id', '=', orderId)
      .where('buyer_id', '=', actor.id)
      .orderBy('id')
      .execute();
    const keys = await forUpdate(
      trx
        .selectFrom('keys')
        .selectAll()
        .where('buyer_id', '=', actor.id)
        .where('unit_id', 'in', trx.selectFrom('units').select('id').where('order_id', '=', orderId))
        .orderBy('id'),
      ctx.engine,
    ).execute();
    // A unit whose key was replaced also keeps the invalid one on record: prefer the live key.
    const keyOf = new Map<string, KeyRow>();
    for (const k of keys) {
      const held = keyOf.get(k.unit_id!);
      if (!held || (!isRevealable(held) && isRevealable(k))) keyOf.set(k.unit_id!, k);
    }
    // Sealed keys under an open refund request stay sealed until it ends (as a single reveal).
    const sealedIds = [...keyOf.values()].filter((k) => k.state === 'SEALED').map((k) => k.unit_id!);
    const held = new Set<string>();
    if (sealedIds.length > 0) {
      const rows = await trx
        .selectFrom('refund_request_units')
        .innerJoin('refund_requests', 'refund_requests.id', 'refund_request_units.request_id')
        .select('refund_request_units.unit_id')
        .where('refund_requests.order_id', '=', orderId)
        .where('refund_request_units.released_at', 'is', null)
        .where('refund_requests.state', 'not in', ['REJECTED', 'DISPUTED'])
        .execute();
      for (const r of rows) held.add(r.unit_id);
    }
    const refunded = new Map(units.map((u) => [u.id, u.refunded_at !== null]));
    const reasonOf = (unitId: string): SkipReason | null => {
      const key = keyOf.get(unitId);
      if (refunded.get(unitId) && (!key || !isRevealable(key))) return 'REFUNDED';
      if (!key || key.delivered_at === null) return 'NOT_DELIVERED';
      if (!isRevealable(key)) return 'NOT_REVEALABLE';
      if (key.state === 'SEALED' && held.has(unitId)) return 'IN_REFUND';
      return null;
    };

    let chosen: string[];
    const skipped: BulkRevealed['skipped'] = [];
    if ('unitIds' in input) {
      chosen = [...new Set(input.unitIds)];
      const foreign = chosen.filter((id) => !refunded.has(id));
      if (foreign.length > 0)
        fail('inventory.reveal_units_not_in_order', {
          field: 'unitIds',
          params: { count: foreign.length },
        });
      const refused = chosen.flatMap((unitId) => {
        const reason = reasonOf(unitId);
        return reason ? [{ unitId, reason, state: keyOf.get(unitId)?.state ?? null }] : [];
      });
      if (refused.length > 0)
        fail('inventory.reveal_units_not_revealable', {
          field: 'unitIds',
          params: { count: refused.length },
          data: { units: refused },
        });
    } else {
      chosen = [];
      for (const u of units) {
        const reason = reasonOf(u.id);
        if (reason) skipped.push({ unitId: u.id, reason, state: keyOf.get(u.id)?.state ?? null });
        else chosen.push(u.id);
      }
      if (chosen.length === 0) fail('inventory.reveal_nothing', { data: { skipped } });
    }
    if (chosen.length > MAX_BULK_REVEAL)
      fail('validation.too_long', { field: 'unitIds', params: { maximum: MAX_BULK_REVEAL } });

    const budget = options.budget ? await spendRevealBudget(trx, actor.id, chosen.length, at) : null;
    const picked = chosen.map((id) => keyOf.get(id)!);
    const sealed = picked.filter((k) => k.state === 'SEALED');
    const later = picked.filter((k) => k.state !== 'SEALED');
    const stamp = now(at);
    // First reveals: one bulk move through the key machine (its own audit event names them all),
    // which also writes each key's REVEALED history row with IP and user agent.
    await moveKeys(trx, {
      keys: sealed,
      to: 'REVEALED',
      by: 'buyer',
      actor,
      at,
      kind: 'REVEALED',
      ip: info.ip,
      userAgent: info.userAgent,
      set: { first_revealed_at: stamp },
      action: 'keys.unsealed',
      auditData: { orderId, count: sealed.length },
    });
    // Later reveals change no state but are recorded all the same.
    const label = actorLabel(actor);
    for (let i = 0; i < later.length; i += 500) {
      await trx
        .insertInto('key_events')
        .values(
          later.slice(i, i + 500).map((k) => ({
            id: newOrderedId(at.getTime()),
            key_id: k.id,
            unit_id: k.unit_id,
            at: stamp,
            kind: 'REVEALED' as const,
            actor_id: label.id,
            actor_role: label.role,
            ip: info.ip,
            user_agent: info.userAgent,
            detail: null,
          })),
        )
        .execute();
    }
    // One audit event per key, as a single reveal writes.
    const sealedSet = new Set(sealed.map((k) => k.id));
    for (const k of picked) {
      await appendAudit(trx, {
        actor,
        action: 'key.revealed',
        objectType: 'keys',
        objectId: k.id,
        data: { unitId: k.unit_id, first: sealedSet.has(k.id), orderId, bulk: true },
        at,
      });
    }
    const dataKeys = new Map<string, Buffer>();
    const items: Revealed[] = [];
    for (const k of picked) {
      let dk = dataKeys.get(k.data_key_id);
      if (!dk) {
        dk = await ctx.vault.dataKey(trx, k.data_key_id);
        dataKeys.set(k.data_key_id, dk);
      }
      const payload = ctx.vault.decrypt(dk, k.id, k.ciphertext);
      items.push({
        unitId: k.unit_id!,
        serial: payload.serial,
        secret: payload.secret,
        firstReveal: sealedSet.has(k.id),
        revealedAt: stamp,
      });
    }
    return { orderId, items, skipped, firstReveals: sealed.length, budget };
  });
}
