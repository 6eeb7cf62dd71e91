/**
 * The refund request lifecycle (spec §7) as a transition table, defined once as the request
 * machine whose `transition()` every state change of a request goes through (platform/fsm.ts).
 * Ending a request releases its units, so they can be asked about again (unless refunded).
 */
import { forUpdate, lockUser, now, type Db, type Engine } from '../../platform/db/dialect.js';
import { OPEN_REFUND_STATES, type RefundState, type Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';

/**
 * `system` is the sweeper and payout code; `reviewer` roles act on their own queue only;
 * `arbitrator` is the platform's final word on a disputed request (the disputes module);
 * `channel` is a third-party shop (Taobao, Pinduoduo, 闲鱼) whose own rules and staff also decide
 * a channel order's refund (spec §11): its buyer cancels there, its staff refund over the merchant.
 */
export type RefundActor = 'buyer' | 'merchant' | 'support' | 'system' | 'arbitrator' | 'channel';

export const refundTransitions: Transitions<RefundState, RefundActor, 'supplementOpen' | 'escalationOpen'> = {
  PENDING_REVIEW: {
    APPROVED: { by: ['merchant', 'system', 'channel'] }, // system: sealed-and-eligible, or eligible at timeout
    REJECTED: { by: ['merchant', 'channel'] }, // channel: the merchant refused in the channel's back office
    AWAITING_BUYER: { by: ['merchant'] }, // 待补充材料
    SUPPORT_REVIEW: { by: ['system'] }, // the merchant missed its deadline on a request needing judgement
    CANCELLED: { by: ['buyer', 'channel'] },
    CLOSED: { by: ['channel'] }, // a channel order's refund the channel closed before the review
  },
  SUPPORT_REVIEW: {
    APPROVED: { by: ['support', 'channel'] },
    REJECTED: { by: ['support', 'channel'] },
    AWAITING_BUYER: { by: ['support'] },
    CANCELLED: { by: ['buyer', 'channel'] },
    CLOSED: { by: ['channel'] },
  },
  AWAITING_BUYER: {
    PENDING_REVIEW: { by: ['buyer'], guard: 'supplementOpen' }, // supplemented, back to the merchant
    SUPPORT_REVIEW: { by: ['buyer'], guard: 'supplementOpen' }, // supplemented, back to support
    CLOSED: { by: ['system'] }, // the supplement deadline passed
    CANCELLED: { by: ['buyer'] },
  },
  APPROVED: { REFUNDING: { by: ['system'] } },
  REFUNDING: {
    REFUNDED: { by: ['system'] },
    REFUND_ABNORMAL: { by: ['system'] },
    // a channel order: the buyer withdrew on the channel before it paid (its units were never taken back)
    CLOSED: { by: ['channel'] },
  },
  // ABNORMAL (frozen 零钱, closed card): the buyer picks the platform balance, or support reroutes
  // or retries; the new payout takes the request back to REFUNDING.
  REFUND_ABNORMAL: { REFUNDING: { by: ['buyer', 'support', 'system'] }, REFUNDED: { by: ['system'] } },
  REJECTED: {
    PENDING_REVIEW: { by: ['buyer'], guard: 'escalationOpen' }, // resubmitted with new evidence (limited times)
    SUPPORT_REVIEW: { by: ['buyer'], guard: 'escalationOpen' }, // resubmitted where support had decided
    DISPUTED: { by: ['buyer'], guard: 'escalationOpen' }, // escalated to arbitration (Stage 6)
    CLOSED: { by: ['buyer', 'system', 'channel'] }, // accepted, the escalation deadline passed, or the channel closed it
    APPROVED: { by: ['channel'] }, // the channel's staff refunded over the merchant's refusal (recorded as such)
  },
  // The arbitrator's decision executes itself: a refund (of all or some units), or closure.
  DISPUTED: { APPROVED: { by: ['arbitrator'] }, CLOSED: { by: ['arbitrator'] } },
  REFUNDED: {},
  CANCELLED: {},
  CLOSED: {},
};

/** States in which a request holds its units and waits for someone. */
export const OPEN_STATES = OPEN_REFUND_STATES;

/** Ending a request without money, or with it paid: its units are free again (unless refunded). */
async function releaseUnits(e: { trx: Db; row: Row<'refund_requests'>; at: Date }): Promise<void> {
  await e.trx
    .updateTable('refund_request_units')
    .set({ released_at: now(e.at) })
    .where('request_id', '=', e.row.id)
    .where('released_at', 'is', null)
    .execute();
}
const closedAt = (at: Date) => ({ closed_at: now(at) });
/** A deadline stored on the request has not passed yet (the buyer's answer comes in time). */
const before = (due: string | null | undefined, at: Date): boolean =>
  typeof due === 'string' && at.getTime() < Date.parse(due);

/**
 * The refund request aggregate (spec §7), defined once. Two reviewers acting at once give one
 * decision and one 409; a buyer's answer after its deadline is refused even before the sweeper
 * has fired it.
 */
export const requestMachine = defineMachine({
  name: 'refund_request',
  table: 'refund_requests',
  column: 'state',
  initial: ['PENDING_REVIEW'],
  terminal: ['REFUNDED', 'CANCELLED', 'CLOSED'],
  transitions: refundTransitions,
  notAllowed: 'refund.transition_not_allowed',
  action: (to) => `refund.${to.toLowerCase()}`,
  guards: {
    supplementOpen: {
      check: ({ row, at }) => before(row.supplement_due_at, at),
      error: 'refund.deadline_passed',
    },
    escalationOpen: {
      check: ({ row, at }) => before(row.escalation_due_at, at),
      error: 'refund.deadline_passed',
    },
  },
  stamp: { CANCELLED: closedAt, CLOSED: closedAt, REFUNDED: closedAt },
  onEnter: { CANCELLED: releaseUnits, CLOSED: releaseUnits, REFUNDED: releaseUnits },
});

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

/**
 * From a request's audit trail: the merchant let its review deadline pass — the sweeper moved the
 * request to support by itself (its role is recorded as system:<name>).
 */
export const merchantMissedReview = (trail: readonly { action: string; actor_role: string }[]): boolean =>
  trail.some((e) => e.action === 'refund.support_review' && e.actor_role.startsWith('system'));

/**
 * A request opened for a channel order's refund (spec §11): its Idempotency-Key is
 * `channel:<channel refund>[:<attempt>]` — buyers cannot apply for channel orders in Kameng, so no
 * other request carries it.
 */
export const isChannelRequest = (r: Pick<Row<'refund_requests'>, 'idempotency_key'>): boolean =>
  r.idempotency_key.startsWith('channel:');
