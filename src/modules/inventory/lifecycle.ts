/**
 * The key lifecycle (spec §5) as a transition table, defined once as the key machine; every key
 * state change goes through `moveKeys` — the machine's bulk transition (edge check, conditional
 * UPDATE whose affected-row count must match, one audit event) plus the per-key history rows —
 * inside the caller's unit of work.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { actorLabel } from '../../platform/actor.js';
import { constraintKind, now, type Db } from '../../platform/db/dialect.js';
import type { KeyEventKind, KeyState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';
import { newOrderedId } from '../../platform/ids.js';

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

/** The key aggregate (spec §5), moved in bulk: checkout reserves and delivers keys by the hundred. */
export const keyMachine = defineMachine({
  name: 'keys',
  table: 'keys',
  column: 'state',
  initial: ['AVAILABLE'],
  terminal: ['VOIDED', 'INVALID'],
  transitions: keyTransitions,
  notAllowed: 'inventory.transition_not_allowed',
  conflict: 'inventory.key_conflict',
});

/**
 * Moves every key from its current state to `to`, or fails without changing any (the machine's
 * bulk transition), and writes each key's history row.
 */
export async function moveKeys(trx: Db, m: KeyMove): Promise<void> {
  if (m.keys.length === 0) return;
  await keyMachine
    .transitionMany(trx, {
      rows: m.keys,
      to: m.to,
      by: m.by,
      actor: m.actor,
      at: m.at,
      set: m.set,
      action: m.action,
      data: m.auditData,
    })
    .catch((error: unknown) => {
      // the live-unit index: a concurrent allocation gave this unit a key first
      if (constraintKind(error) === 'unique')
        fail('inventory.unit_already_allocated', { params: { unit: String(m.set?.unit_id) } });
      throw error;
    });
  const label = actorLabel(m.actor);
  const at = now(m.at);
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
}
