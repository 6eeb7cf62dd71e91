/**
 * What the sweeper does when a request's deadline passes (spec §7), each in the firing
 * transaction with the deadline row's conditional DONE, so it happens once across instances:
 * - REFUND_REVIEW: the merchant did not answer — an eligible request is approved automatically
 *   (judged again now, from the records), anything else goes to support with its own deadline;
 * - REFUND_SUPPORT: support did not answer either — an alert on the support queue;
 * - REFUND_SUPPLEMENT: the buyer did not supply what was asked — the request closes;
 * - REFUND_ESCALATION: the buyer neither resubmitted, accepted nor escalated — it closes;
 * - REFUND_REMINDER: whoever must act is told their deadline is near;
 * - PAYOUT_DELAY: money not back in time — alert support, explain to the buyer.
 * A deadline of a phase the request has left fires as a no-op.
 */
import { systemActor } from '../../platform/actor.js';
import type { DeadlineHandler, DeadlineHandlers } from '../../platform/sweeper.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { getPlatformRules } from '../../platform/settings.js';
import { merchantUsers, notify, supportUsers } from '../notifications/index.js';
import type { AfterSalesContext } from './requests.js';
import { parsePhaseId, schedulePhase, workingDaysFrom } from './deadlines.js';
import { REFUND_REASONS, type RefundReason } from './eligibility.js';
import { assessRequest } from './facts.js';
import { lockRequest, requestMachine } from './lifecycle.js';
import { approveAndPay, payoutDelayed } from './payout.js';
import { raiseAlert } from '../../platform/alerts.js';

const SWEEPER = systemActor('sweeper');

export const REQUEST_DEADLINES = [
  'REFUND_REVIEW',
  'REFUND_SUPPORT',
  'REFUND_SUPPLEMENT',
  'REFUND_ESCALATION',
  'REFUND_REMINDER',
  'PAYOUT_DELAY',
] as const;

/** Fires one request deadline (a payout it starts is sent once the transaction commits). */
export async function fireRequestDeadline(
  trx: Db,
  ctx: AfterSalesContext,
  d: Row<'deadlines'>,
  at: Date,
): Promise<void> {
  if (d.kind === 'PAYOUT_DELAY') {
    // The buyer and the request first, as the payout path takes them.
    const known = await trx
      .selectFrom('refund_requests')
      .select('id')
      .where('id', '=', d.object_id)
      .executeTakeFirst();
    if (known) await lockRequest(trx, ctx, d.object_id);
    await payoutDelayed(trx, d.object_id, at);
    return;
  }
  const { requestId, version } = parsePhaseId(d.object_id);
  const exists = await trx
    .selectFrom('refund_requests')
    .select('id')
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (!exists) return;
  // Lock order: the buyer, then the request (as every after-sales transaction takes them).
  const r = await lockRequest(trx, ctx, requestId);
  if (r.version !== version) return; // the request moved on: nothing to do
  const link = { type: 'refund_request', id: r.id };
  switch (d.kind) {
    case 'REFUND_REVIEW': {
      if (r.state !== 'PENDING_REVIEW') return;
      const reason = r.reason as RefundReason;
      const { result } = await assessRequest(trx, r);
      // Eligible without a judgement call: every unit eligible for a buyer-side reason, or a
      // merchant fault the records prove. Attachments and "other" need a person: support.
      const eligible =
        result.units.every((u) => u.outcome === 'ELIGIBLE') &&
        (REFUND_REASONS[reason].side === 'BUYER' || result.summary.autoApprovable);
      if (eligible)
        return approveAndPay(trx, ctx, {
          request: r,
          by: 'system',
          actor: SWEEPER,
          at,
          code: 'AUTO_REVIEW_TIMEOUT',
          note: null,
        });
      const rules = await getPlatformRules(trx);
      const due = await workingDaysFrom(trx, at, rules.supportReviewWorkingDays);
      const { version: v } = await requestMachine.transition(trx, {
        row: r,
        to: 'SUPPORT_REVIEW',
        by: 'system',
        actor: SWEEPER,
        at,
        set: { reviewer: 'SUPPORT', review_due_at: now(due.dueAt) },
        data: { reason: 'MERCHANT_TIMEOUT' },
      });
      await schedulePhase(trx, 'REFUND_SUPPORT', r.id, v, due.dueAt, at);
      await notify(
        trx,
        await supportUsers(trx),
        {
          kind: 'SUPPORT_QUEUE',
          titleZh: '商家超时未处理的售后申请',
          titleEn: 'Review timed out',
          bodyZh: `售后申请 ${r.request_no} 商家未在期限内处理，已转平台客服。`,
          bodyEn: `The merchant did not review refund request ${r.request_no} in time; it is now support's.`,
          link: `/support/refunds/${r.id}`,
          object: link,
        },
        at,
      );
      return;
    }
    case 'REFUND_SUPPORT':
      if (r.state === 'SUPPORT_REVIEW')
        await raiseAlert(trx, 'REVIEW_OVERDUE', link, r.id, { dueAt: r.review_due_at }, at);
      return;
    // The buyer did not supply what was asked, or neither resubmitted, accepted nor escalated.
    case 'REFUND_SUPPLEMENT':
    case 'REFUND_ESCALATION': {
      const waiting = d.kind === 'REFUND_SUPPLEMENT' ? 'AWAITING_BUYER' : 'REJECTED';
      if (r.state === waiting)
        await requestMachine.transition(trx, {
          row: r,
          to: 'CLOSED',
          by: 'system',
          actor: SWEEPER,
          at,
          data: { reason: d.kind === 'REFUND_SUPPLEMENT' ? 'SUPPLEMENT_TIMEOUT' : 'ESCALATION_TIMEOUT' },
        });
      return;
    }
    case 'REFUND_REMINDER': {
      const buyerTurn = r.state === 'AWAITING_BUYER' || r.state === 'REJECTED';
      const who = buyerTurn
        ? [r.buyer_id]
        : r.reviewer === 'SUPPORT'
          ? await supportUsers(trx)
          : await merchantUsers(trx, r.merchant_id);
      await notify(
        trx,
        who,
        {
          kind: 'DEADLINE_APPROACHING',
          titleZh: '售后处理期限将至',
          titleEn: 'Deadline approaching',
          bodyZh: `售后申请 ${r.request_no} 的处理期限即将到期，请尽快处理。`,
          bodyEn: `The deadline of refund request ${r.request_no} is near.`,
          link: buyerTurn ? `/refunds/${r.id}` : `/merchant/refunds/${r.id}`,
          object: link,
        },
        at,
      );
      return;
    }
    default:
      return;
  }
}

/** The refund request deadlines, for the sweeper (wired in app.ts). */
export function refundDeadlines(ctx: AfterSalesContext): DeadlineHandlers {
  const handler: DeadlineHandler = {
    fire: (trx, d, at) => fireRequestDeadline(trx, ctx, d, at),
    // PAYOUT_DELAY's object is the request; the others' is `<request>:<version>`
    requestOf: (d) => d.object_id.split(':')[0],
  };
  return Object.fromEntries(REQUEST_DEADLINES.map((kind) => [kind, handler]));
}
