/**
 * Showing a secret. Only the buyer of a unit sees it (and an admin through an audited break-glass
 * action). Every reveal is recorded with time, IP and user agent; the first one unseals the key
 * (SEALED → REVEALED, 拆封), which the refund rules later read.
 */
import type { Actor } from '../../platform/actor.js';
import { forUpdate, now } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { actorLabel } from '../../platform/actor.js';
import { newOrderedId } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import type { InventoryContext } from './import.js';
import { moveKeys } from './lifecycle.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import type { Row } from '../../platform/db/schema.js';
import { spendRevealBudget } from './budget.js';

export interface Revealed {
  unitId: string;
  serial: string | null;
  secret: string;
  firstReveal: boolean;
  revealedAt: string;
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
}

const REVEALABLE = ['SEALED', 'REVEALED', 'ACTIVATED'] as const;
export const isRevealable = (k: Pick<Row<'keys'>, 'state' | 'delivered_at'>): boolean =>
  (REVEALABLE as readonly string[]).includes(k.state) && k.delivered_at !== null;

export interface RevealOptions {
  /**
   * Spend the user's reveal budget (budget.ts). True for a buyer's own account; false only where
   * the "user" is not a person — a channel shop's one shared buyer, whose lookup links are held
   * per address by their route instead.
   */
  budget: boolean;
}

export async function revealUnit(
  ctx: InventoryContext,
  actor: Actor,
  unitId: string,
  info: RequestInfo,
  options: RevealOptions = { budget: true },
): Promise<Revealed> {
  if (actor.kind !== 'user') fail('auth.forbidden');
  const at = ctx.clock.now();
  // Read, check, record and decrypt in one transaction (row-locked on PostgreSQL): a key voided
  // or returned meanwhile is not shown, and a key is never marked unsealed unless the buyer
  // actually receives the secret.
  return unitOfWork(ctx, async (trx) => {
    // A unit whose key was replaced also keeps the invalid one on record: prefer the live key.
    const keys = await forUpdate(
      trx.selectFrom('keys').selectAll().where('unit_id', '=', unitId).where('buyer_id', '=', actor.id),
      ctx.engine,
    ).execute();
    const key = keys.find((k) => (REVEALABLE as readonly string[]).includes(k.state)) ?? keys[0];
    // Someone else's unit and a unit that does not exist look the same.
    if (!key) fail('inventory.unit_not_found');
    // Only a delivered key can be shown: a reservation not yet paid has no secret to reveal.
    if (!(REVEALABLE as readonly string[]).includes(key.state) || key.delivered_at === null) {
      fail('inventory.not_revealable', {
        params: { state: { zh: STATE_ZH[key.state] ?? key.state, en: key.state } },
      });
    }
    const firstReveal = key.state === 'SEALED';
    // A sealed key under an open refund request stays sealed until the request ends: revealing it
    // would unseal what the request is about (and could be used while the refund is paid).
    if (firstReveal) {
      // Not after a rejection or in a dispute: the buyer may then use the key (a resubmission or
      // arbitration judges the records as they are then).
      const held = await trx
        .selectFrom('refund_request_units')
        .innerJoin('refund_requests', 'refund_requests.id', 'refund_request_units.request_id')
        .select('refund_request_units.request_id')
        .where('refund_request_units.unit_id', '=', unitId)
        .where('refund_request_units.released_at', 'is', null)
        .where('refund_requests.state', 'not in', ['REJECTED', 'DISPUTED'])
        .executeTakeFirst();
      if (held) fail('inventory.unit_in_refund');
    }
    if (options.budget) await spendRevealBudget(trx, actor.id, 1, at);
    const event = { actor, at, kind: 'REVEALED' as const, ip: info.ip, userAgent: info.userAgent };
    if (firstReveal) {
      await moveKeys(trx, {
        ...event,
        keys: [key],
        to: 'REVEALED',
        by: 'buyer',
        set: { first_revealed_at: now(at) },
        action: 'key.revealed',
        auditData: { unitId, first: true },
      });
    } else {
      // Later reveals change no state but are recorded all the same.
      const label = actorLabel(actor);
      await trx
        .insertInto('key_events')
        .values({
          id: newOrderedId(at.getTime()),
          key_id: key.id,
          unit_id: unitId,
          at: now(at),
          kind: 'REVEALED',
          actor_id: label.id,
          actor_role: label.role,
          ip: info.ip,
          user_agent: info.userAgent,
          detail: null,
        })
        .execute();
      await appendAudit(trx, {
        actor,
        action: 'key.revealed',
        objectType: 'keys',
        objectId: key.id,
        data: { unitId, first: false },
        at,
      });
    }
    const payload = ctx.vault.decrypt(await ctx.vault.dataKey(trx, key.data_key_id), key.id, key.ciphertext);
    return { unitId, serial: payload.serial, secret: payload.secret, firstReveal, revealedAt: now(at) };
  });
}

/** An admin reads a secret for a written reason; audited, and the key's state is unchanged. */
export async function breakGlassReveal(
  ctx: InventoryContext,
  actor: Actor,
  keyId: string,
  reason: string,
  info: RequestInfo,
): Promise<{ serial: string | null; secret: string }> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  if (reason.trim().length < 10) fail('inventory.break_glass_reason', { field: 'reason' });
  const key = await ctx.db.selectFrom('keys').selectAll().where('id', '=', keyId).executeTakeFirst();
  if (!key) fail('inventory.key_not_found');
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    await trx
      .insertInto('key_events')
      .values({
        id: newOrderedId(at.getTime()),
        key_id: key.id,
        unit_id: key.unit_id,
        at: now(at),
        kind: 'BREAK_GLASS_REVEAL',
        actor_id: actor.id,
        actor_role: 'admin',
        ip: info.ip,
        user_agent: info.userAgent,
        detail: reason.trim(),
      })
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'key.break_glass_revealed',
      objectType: 'keys',
      objectId: key.id,
      data: { reason: reason.trim(), state: key.state },
      at,
    });
  });
  return ctx.vault.decrypt(await ctx.vault.dataKey(ctx.db, key.data_key_id), key.id, key.ciphertext);
}

export const STATE_ZH: Record<string, string> = {
  AVAILABLE: '在库',
  RESERVED: '已预留',
  SEALED: '未拆封',
  REVEALED: '已拆封',
  ACTIVATED: '已激活',
  VOIDED: '作废',
  INVALID: '无效',
};
