/**
 * The key lifecycle (spec §5) as a transition table, and the one function every key state change
 * goes through: edge check, conditional UPDATE whose affected-row count must match, the per-key
 * history rows and the audit event, all inside the caller's transaction.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { actorLabel } from '../../platform/actor.js';
import { constraintKind, now, type Db } from '../../platform/db/dialect.js';
import type { KeyEventKind, KeyState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { checkTransition, type Transitions } from '../../platform/fsm.js';
import { newOrderedId } from '../../platform/ids.js';
import { appendAudit } from '../audit/index.js';

/** Who takes an edge: `system` is checkout/refund code, `issuer` an activation-registry client. */
export type KeyActor = 'system' | 'buyer' | 'merchant' | 'issuer' | 'support' | 'admin';

export const keyTransitions: Transitions<KeyState, KeyActor> = {
  AVAILABLE: {
    RESERVED: { by: ['system'] },
    VOIDED: { by: ['merchant'] },
    INVALID: { by: ['merchant', 'support'] },
    // reported or redeemed while still in stock: the registry proves it was used before sale
    ACTIVATED: { by: ['issuer', 'merchant'] },
  },
  RESERVED: {
    AVAILABLE: { by: ['system'] },
    SEALED: { by: ['system'] },
    ACTIVATED: { by: ['issuer', 'merchant'] },
  },
  SEALED: {
    REVEALED: { by: ['buyer'] },
    AVAILABLE: { by: ['system'] }, // refunded while sealed: the secret never left the platform
    ACTIVATED: { by: ['issuer', 'merchant'] },
    INVALID: { by: ['merchant', 'support'] },
  },
  REVEALED: {
    ACTIVATED: { by: ['issuer', 'merchant'] },
    VOIDED: { by: ['system'] }, // refunded after reveal: the key can never be used again
    INVALID: { by: ['merchant', 'support'] },
  },
  ACTIVATED: { INVALID: { by: ['merchant', 'support'] } },
  VOIDED: {},
  INVALID: {},
};

export const LIVE_STATES: KeyState[] = ['RESERVED', 'SEALED', 'REVEALED', 'ACTIVATED'];

/** The key states as an API schema, one list for every route and view. */
export const keyStateSchema = z.enum([
  'AVAILABLE',
  'RESERVED',
  'SEALED',
  'REVEALED',
  'ACTIVATED',
  'VOIDED',
  'INVALID',
]);

export interface KeyMove {
  keys: Pick<Row<'keys'>, 'id' | 'state' | 'unit_id'>[];
  to: KeyState;
  by: KeyActor;
  actor: Actor;
  at: Date;
  kind: KeyEventKind;
  /** Columns set along with the state. */
  set?: Partial<Omit<Row<'keys'>, 'id' | 'state' | 'version'>>;
  detail?: string;
  ip?: string | null;
  userAgent?: string | null;
  /** The audit action, e.g. `keys.reserved`. */
  action: string;
  auditData?: Record<string, unknown>;
}

/** Moves every key from its current state to `to`, or fails without changing any. */
export async function moveKeys(trx: Db, m: KeyMove): Promise<void> {
  if (m.keys.length === 0) return;
  const byState = new Map<KeyState, string[]>();
  for (const k of m.keys) {
    const check = checkTransition(keyTransitions, k.state, m.to, m.by);
    if (check !== 'ok') {
      fail(check === 'forbidden' ? 'auth.forbidden' : 'inventory.transition_not_allowed', {
        params: { from: k.state, to: m.to },
      });
    }
    byState.set(k.state, [...(byState.get(k.state) ?? []), k.id]);
  }
  const at = now(m.at);
  for (const [from, ids] of byState) {
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      const res = await trx
        .updateTable('keys')
        .set((eb) => ({ ...m.set, state: m.to, version: eb('version', '+', 1), updated_at: at }))
        .where('id', 'in', slice)
        .where('state', '=', from)
        .executeTakeFirst()
        .catch((error: unknown) => {
          // the live-unit index: a concurrent allocation gave this unit a key first
          if (constraintKind(error) === 'unique')
            fail('inventory.unit_already_allocated', { params: { unit: String(m.set?.unit_id) } });
          throw error;
        });
      // Someone else moved one of these keys first: the whole change rolls back.
      if (Number(res.numUpdatedRows) !== slice.length) fail('inventory.key_conflict');
    }
  }
  const label = actorLabel(m.actor);
  for (let i = 0; i < m.keys.length; i += 500) {
    await trx
      .insertInto('key_events')
      .values(
        m.keys.slice(i, i + 500).map((k) => ({
          id: newOrderedId(m.at.getTime()),
          key_id: k.id,
          unit_id: m.set?.unit_id ?? k.unit_id,
          at,
          kind: m.kind,
          actor_id: label.id,
          actor_role: label.role,
          ip: m.ip ?? null,
          user_agent: m.userAgent ?? null,
          detail: m.detail ?? null,
        })),
      )
      .execute();
  }
  await appendAudit(trx, {
    actor: m.actor,
    action: m.action,
    objectType: 'keys',
    objectId: m.keys.length === 1 ? m.keys[0].id : `${m.keys.length} keys`,
    data: { to: m.to, keyIds: m.keys.map((k) => k.id), ...m.auditData },
    at: m.at,
  });
}
