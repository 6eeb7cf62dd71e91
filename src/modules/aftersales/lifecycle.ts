/**
 * The refund request lifecycle (spec §7) as a transition table, and the one
 * `transitionRequest()` every state change of a request goes through: edge and role check,
 * version-checked conditional UPDATE (zero rows is a 409: two reviewers at once get one decision)
 * and the audit event, in the caller's transaction. Ending a request releases its units, so they
 * can be asked about again (unless refunded).
 */
import type { Actor } from '../../platform/actor.js';
import { forUpdate, lockUser, now, type Db, type Engine } from '../../platform/db/dialect.js';
import { OPEN_REFUND_STATES, type RefundState, type Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { checkTransition, type Transitions } from '../../platform/fsm.js';
import { appendAudit } from '../audit/index.js';

/** `system` is the sweeper and payout code; `reviewer` roles act on their own queue only. */
export type RefundActor = 'buyer' | 'merchant' | 'support' | 'system';

export const refundTransitions: Transitions<RefundState, RefundActor> = {
  PENDING_REVIEW: {
    APPROVED: { by: ['merchant', 'system'] }, // system: sealed-and-eligible, or eligible at timeout
    REJECTED: { by: ['merchant'] },
    AWAITING_BUYER: { by: ['merchant'] }, // 待补充材料
    SUPPORT_REVIEW: { by: ['system'] }, // the merchant missed its deadline on a request needing judgement
    CANCELLED: { by: ['buyer'] },
  },
  SUPPORT_REVIEW: {
    APPROVED: { by: ['support'] },
    REJECTED: { by: ['support'] },
    AWAITING_BUYER: { by: ['support'] },
    CANCELLED: { by: ['buyer'] },
  },
  AWAITING_BUYER: {
    PENDING_REVIEW: { by: ['buyer'] }, // supplemented, back to the merchant
    SUPPORT_REVIEW: { by: ['buyer'] }, // supplemented, back to support when support asked
    CLOSED: { by: ['system'] }, // the supplement deadline passed
    CANCELLED: { by: ['buyer'] },
  },
  APPROVED: { REFUNDING: { by: ['system'] } },
  REFUNDING: {
    REFUNDED: { by: ['system'] },
    REFUND_ABNORMAL: { by: ['system'] },
  },
  // ABNORMAL (frozen 零钱, closed card): the buyer picks the platform balance, or support reroutes
  // or retries; the new payout takes the request back to REFUNDING.
  REFUND_ABNORMAL: { REFUNDING: { by: ['buyer', 'support', 'system'] }, REFUNDED: { by: ['system'] } },
  REJECTED: {
    PENDING_REVIEW: { by: ['buyer'] }, // resubmitted with new evidence (limited times)
    SUPPORT_REVIEW: { by: ['buyer'] }, // resubmitted where support had decided
    DISPUTED: { by: ['buyer'] }, // escalated to arbitration (Stage 5 takes it from here)
    CLOSED: { by: ['buyer', 'system'] }, // accepted, or the escalation deadline passed
  },
  DISPUTED: {},
  REFUNDED: {},
  CANCELLED: {},
  CLOSED: {},
};

/** States in which a request holds its units and waits for someone. */
export const OPEN_STATES = OPEN_REFUND_STATES;
/** States that end a request without money: its units are free again. */
const RELEASING: readonly RefundState[] = ['CANCELLED', 'CLOSED'];

export interface RequestMove {
  request: Pick<Row<'refund_requests'>, 'id' | 'state' | 'version'>;
  to: RefundState;
  by: RefundActor;
  actor: Actor;
  at: Date;
  set?: Partial<Omit<Row<'refund_requests'>, 'id' | 'state' | 'version'>>;
  data?: Record<string, unknown>;
}

export async function transitionRequest(trx: Db, m: RequestMove): Promise<number> {
  const check = checkTransition(refundTransitions, m.request.state, m.to, m.by);
  if (check !== 'ok')
    fail(check === 'forbidden' ? 'auth.forbidden' : 'refund.transition_not_allowed', {
      params: { from: m.request.state, to: m.to },
    });
  const ends = RELEASING.includes(m.to) || m.to === 'REFUNDED';
  const res = await trx
    .updateTable('refund_requests')
    .set({
      ...m.set,
      state: m.to,
      version: m.request.version + 1,
      updated_at: now(m.at),
      ...(ends ? { closed_at: now(m.at) } : {}),
    })
    .where('id', '=', m.request.id)
    .where('state', '=', m.request.state)
    .where('version', '=', m.request.version)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) fail('request.conflict', { field: 'version' });
  if (ends)
    await trx
      .updateTable('refund_request_units')
      .set({ released_at: now(m.at) })
      .where('request_id', '=', m.request.id)
      .where('released_at', 'is', null)
      .execute();
  await appendAudit(trx, {
    actor: m.actor,
    action: `refund.${m.to.toLowerCase()}`,
    objectType: 'refund_request',
    objectId: m.request.id,
    data: { from: m.request.state, to: m.to, ...m.data },
    at: m.at,
  });
  return m.request.version + 1;
}

/** Locks the request's buyer first (lock order, ADR 0004), then the request. */
export async function lockRequest(
  trx: Db,
  ctx: { engine: Engine },
  id: string,
): Promise<Row<'refund_requests'>> {
  const owner = await trx
    .selectFrom('refund_requests')
    .select('buyer_id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!owner) fail('refund.not_found');
  await lockUser(trx, ctx.engine, owner.buyer_id);
  const r = await forUpdate(
    trx.selectFrom('refund_requests').selectAll().where('id', '=', id),
    ctx.engine,
  ).executeTakeFirst();
  if (!r) fail('refund.not_found');
  return r;
}
