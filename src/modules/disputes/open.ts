/**
 * Opening a dispute (spec §9), by either side:
 * - the buyer escalated a rejected request before its escalation deadline (the request machine's
 *   guard), and in that same transaction the dispute is made (the after-sales port);
 * - the merchant contests a refund that platform support approved (after the merchant let its own
 *   review deadline pass), within the same escalation period after support's decision. The refund
 *   stands meanwhile; if the arbitrator overturns it, the platform compensates the merchant.
 * The units and claim are copied from the request, each party's evidence deadline is counted in
 * China working days, and both parties are told the exact time.
 */
import type { UserActor } from '../../platform/actor.js';
import { auditTrail } from '../../platform/audit.js';
import { loadCalendar } from '../../platform/calendar-store.js';
import { lockUser, now, toJson, type Db } from '../../platform/db/dialect.js';
import type { DisputeParty, Row } from '../../platform/db/schema.js';
import { scheduleDeadline } from '../../platform/deadlines.js';
import { fail } from '../../platform/errors.js';
import { newNumber, newOrderedId } from '../../platform/ids.js';
import { getPlatformRules } from '../../platform/settings.js';
import { appendAudit, unitOfWork } from '../../platform/unit-of-work.js';
import { isChannelRequest, merchantMissedReview, type AfterSalesContext } from '../aftersales/index.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { shanghaiTime } from './text.js';

const DAY_MS = 24 * 3_600_000;

async function createDispute(
  trx: Db,
  c: { actor: UserActor; at: Date },
  request: Row<'refund_requests'>,
  openedBy: DisputeParty,
  note: string | null,
): Promise<Row<'disputes'>> {
  const { at } = c;
  const rules = await getPlatformRules(trx);
  const due = (await loadCalendar(trx)).addWorkingDays(at, rules.disputeEvidenceWorkingDays);
  // The buyer's dispute is about the units still in the request; a merchant's, about a refund
  // already made: every unit of the request.
  const units = await trx
    .selectFrom('refund_request_units')
    .select(['unit_id', 'amount_fen'])
    .where('request_id', '=', request.id)
    .$if(openedBy === 'BUYER', (q) => q.where('released_at', 'is', null))
    .execute();
  const d = await trx
    .insertInto('disputes')
    .values({
      id: newOrderedId(at.getTime()),
      dispute_no: newNumber('DP', at),
      request_id: request.id,
      order_id: request.order_id,
      buyer_id: request.buyer_id,
      merchant_id: request.merchant_id,
      opened_by: openedBy,
      state: 'EVIDENCE',
      claim_fen: request.amount_fen,
      evidence_due_at: now(due.dueAt),
      decision_due_at: null,
      deadline_warnings: due.warnings.length ? toJson(due.warnings) : null,
      buyer_missed_evidence: 0,
      merchant_missed_evidence: 0,
      outcome: null,
      rationale: null,
      refund_fen: null,
      decided_by: null,
      decided_at: null,
      findings_at_decision: null,
      version: 1,
      created_at: now(at),
      updated_at: now(at),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (units.length > 0)
    await trx
      .insertInto('dispute_units')
      .values(
        units.map((u) => ({ dispute_id: d.id, unit_id: u.unit_id, amount_fen: u.amount_fen, outcome: null })),
      )
      .execute();
  // The opener's note starts its draft statement; the other side's is made when it first writes.
  await trx
    .insertInto('dispute_statements')
    .values({
      id: newOrderedId(at.getTime()),
      dispute_id: d.id,
      party: openedBy,
      author_id: c.actor.id,
      text: note ?? '',
      files: toJson([]),
      state: 'DRAFT',
      submitted_at: null,
      version: 1,
      created_at: now(at),
      updated_at: now(at),
    })
    .execute();
  await appendAudit(trx, {
    actor: c.actor,
    at,
    action: 'dispute.opened',
    objectType: 'dispute',
    objectId: d.id,
    data: {
      requestId: request.id,
      openedBy,
      claimFen: d.claim_fen,
      evidenceDueAt: d.evidence_due_at,
      units: units.length,
    },
  });
  await scheduleDeadline(trx, { kind: 'DISPUTE_EVIDENCE', objectId: d.id, dueAt: due.dueAt, at });
  // A reminder to whoever has not submitted, a quarter of the time ahead (at most a day).
  const ahead = Math.min((due.dueAt.getTime() - at.getTime()) / 4, DAY_MS);
  await scheduleDeadline(trx, {
    kind: 'DISPUTE_EVIDENCE_REMINDER',
    objectId: d.id,
    dueAt: new Date(due.dueAt.getTime() - ahead),
    at,
  });
  const when = shanghaiTime(due.dueAt);
  const text = {
    kind: 'DISPUTE_UPDATE' as const,
    titleZh: '平台仲裁已受理',
    titleEn: 'Arbitration opened',
    link: `/disputes/${d.id}`,
    object: { type: 'dispute', id: d.id },
  };
  const opener = {
    zh: openedBy === 'BUYER' ? '买家' : '商家',
    en: openedBy === 'BUYER' ? 'The buyer' : 'The merchant',
  };
  const what =
    openedBy === 'BUYER'
      ? { zh: '的拒绝决定', en: 'rejection' }
      : { zh: '中平台客服的退款决定', en: 'refund approved by platform support' };
  const merchants = await merchantUsers(trx, request.merchant_id);
  for (const [who, isOpener] of [
    [[request.buyer_id], openedBy === 'BUYER'],
    [merchants, openedBy === 'MERCHANT'],
  ] as const)
    await notify(
      trx,
      who,
      isOpener
        ? {
            ...text,
            bodyZh: `仲裁案件 ${d.dispute_no} 已受理。请在 ${when.zh} 前提交您的陈述与证据，提交后不能修改。`,
            bodyEn: `Dispute ${d.dispute_no} is open. Submit your statement and evidence by ${when.en}; once submitted it cannot change.`,
          }
        : {
            ...text,
            bodyZh: `${opener.zh}就售后申请 ${request.request_no}${what.zh}申请了平台仲裁（${d.dispute_no}）。请在 ${when.zh} 前提交您的陈述与证据；逾期未提交不影响仲裁进行。`,
            bodyEn: `${opener.en} took the ${what.en} of refund request ${request.request_no} to arbitration (${d.dispute_no}). Submit your statement and evidence by ${when.en}; arbitration goes on without it after that.`,
          },
      at,
    );
  return d;
}

/** The buyer escalated a rejected request (called through the after-sales port, in its transaction). */
export function openDispute(
  trx: Db,
  c: { actor: UserActor; at: Date },
  request: Row<'refund_requests'>,
  note: string | null,
): Promise<Row<'disputes'>> {
  return createDispute(trx, c, request, 'BUYER', note);
}

/** States of a request whose refund support approved and that has not failed for good. */
const APPROVED_STATES = new Set(['APPROVED', 'REFUNDING', 'REFUNDED', 'REFUND_ABNORMAL']);

/** The merchant contests a refund platform support approved on its request. */
export async function openMerchantDispute(
  ctx: Pick<AfterSalesContext, 'db' | 'engine' | 'clock'>,
  merchant: UserActor,
  requestId: string,
  note: string,
): Promise<Row<'disputes'>> {
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const seen = await trx
      .selectFrom('refund_requests')
      .select(['buyer_id', 'merchant_id'])
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!seen || merchant.role !== 'merchant' || merchant.merchantId !== seen.merchant_id)
      fail('refund.not_found');
    await lockUser(trx, ctx.engine, seen.buyer_id); // lock order: the buyer first
    const r = await trx
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    // A channel order's refund is the channel's to pay and to arbitrate (ADR 0008): never here.
    if (isChannelRequest(r)) fail('dispute.channel_order');
    const bySupport = r.decided_role === 'support' || r.decided_role === 'admin';
    if (!bySupport || r.decision_code !== 'APPROVED' || !APPROVED_STATES.has(r.state))
      fail('dispute.not_contestable');
    // Support decided because the merchant let its review deadline pass (not, e.g., on a resubmission).
    if (!merchantMissedReview(await auditTrail(trx, 'refund_request', r.id))) fail('dispute.not_contestable');
    const rules = await getPlatformRules(trx);
    if (r.decided_at === null || at.getTime() >= Date.parse(r.decided_at) + rules.escalationDays * DAY_MS)
      fail('refund.deadline_passed');
    const open = await trx
      .selectFrom('disputes')
      .select('id')
      .where('request_id', '=', r.id)
      .executeTakeFirst();
    if (open) fail('dispute.already_open');
    return createDispute(trx, { actor: merchant, at }, r, 'MERCHANT', note);
  });
}
