/**
 * What platform arbitration (the disputes module) needs of a disputed refund request: the facts
 * its findings are computed from — the same records and rule function as the pre-check — and the
 * execution of a decision: a refund of all or some of the request's units through the usual
 * payout path, or closure (the held settlement then goes on).
 */
import type { UserActor } from '../../platform/actor.js';
import { fromJson, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { getPlatformRules } from '../../platform/settings.js';
import { policyTerms } from '../catalog/index.js';
import type { AfterSalesContext } from './requests.js';
import type { RefundReason } from './eligibility.js';
import { loadUnitFacts } from './facts.js';
import type { FindingsInput } from './findings.js';
import { lockRequest, merchantMissedReview, requestMachine } from './lifecycle.js';
import { approveAndPay } from './payout.js';

/** The facts of a request for findings (spec §9), read from its records as they are now. */
export async function requestCaseFacts(
  db: Db,
  requestId: string,
): Promise<
  Omit<FindingsInput, 'history'> & {
    history: Omit<FindingsInput['history'], 'merchantEvidenceMissed' | 'buyerEvidenceMissed'>;
  }
> {
  const r = await db
    .selectFrom('refund_requests')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
  const order = await db
    .selectFrom('orders')
    .selectAll()
    .where('id', '=', r.order_id)
    .executeTakeFirstOrThrow();
  const unitIds = (
    await db.selectFrom('refund_request_units').select('unit_id').where('request_id', '=', r.id).execute()
  ).map((u) => u.unit_id);
  const [policy, rules, units, trail, files] = await Promise.all([
    order.policy_id
      ? db.selectFrom('refund_policies').selectAll().where('id', '=', order.policy_id).executeTakeFirst()
      : Promise.resolve(undefined),
    getPlatformRules(db),
    order.kind === 'GOODS' ? loadUnitFacts(db, order, unitIds, r.id) : Promise.resolve([]),
    db
      .selectFrom('audit_events')
      .select(['at', 'action', 'actor_role', 'data'])
      .where('object_type', '=', 'refund_request')
      .where('object_id', '=', r.id)
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('refund_evidence')
      .select('id')
      .where('request_id', '=', r.id)
      .where('source', '=', 'BUYER')
      .limit(1)
      .execute(),
  ]);
  const rejections = trail
    .filter((e) => e.action === 'refund.rejected')
    .map((e) => {
      const data = fromJson<{ code?: string; warnings?: string[] }>(e.data);
      return {
        at: e.at,
        code: data.code ?? 'OTHER',
        contradicted: (data.warnings ?? []).length > 0,
        by: e.actor_role === 'merchant' ? ('merchant' as const) : ('support' as const),
      };
    });
  return {
    // judged as of the application, like the reviewer's own re-assessment: a window that closed
    // while the request waited does not count against the buyer
    at: new Date(r.created_at),
    reason: r.reason as RefundReason,
    order: {
      policyVersion: policy?.version ?? null,
      deliveredAt: order.delivered_at,
      policyConfirmedAt: order.policy_confirmed_at,
      policy: policy
        ? policyTerms(policy)
        : {
            unactivatedRefund: false,
            windowHours: null,
            noReasonRefund: false,
            revealedRefund: false,
            nonRefundable: false,
            nonRefundableText: null,
          },
      productType: order.product_type ?? 'CARD_KEY',
    },
    units,
    qualityClaimDays: rules.qualityClaimDays,
    evidenceAttached: files.length > 0,
    history: {
      rejections,
      // the merchant let its review deadline pass: the request went to support by itself
      merchantReviewMissed: merchantMissedReview(trail),
    },
  };
}

/**
 * Carries out an arbitration decision on its request: `refund` empty → the request closes
 * (the merchant won); otherwise those units are refunded through the payout path and the others
 * released. Returns the amount refunded.
 */
export async function executeArbitration(
  trx: Db,
  ctx: AfterSalesContext,
  a: {
    requestId: string;
    /** 'ALL': the buyer won (a membership request has no units); [] : the merchant won. */
    refund: 'ALL' | readonly string[];
    actor: UserActor;
    at: Date;
    disputeNo: string;
  },
): Promise<{ refundFen: number; request: Row<'refund_requests'> }> {
  const r = await lockRequest(trx, ctx, a.requestId);
  if (r.state !== 'DISPUTED') fail('dispute.request_not_disputed');
  const units = await trx
    .selectFrom('refund_request_units')
    .select(['unit_id', 'amount_fen'])
    .where('request_id', '=', r.id)
    .where('released_at', 'is', null)
    .execute();
  const awarded = new Set(a.refund === 'ALL' ? units.map((u) => u.unit_id) : a.refund);
  for (const id of awarded)
    if (!units.some((u) => u.unit_id === id)) fail('dispute.unit_not_in_case', { field: 'units' });
  const note = `仲裁 ${a.disputeNo}`;
  // The units the decision keeps unrefunded are barred for good: the decision is final.
  const kept = units.filter((u) => !awarded.has(u.unit_id)).map((u) => u.unit_id);
  if (kept.length > 0)
    await trx
      .updateTable('units')
      .set({ refund_barred_at: now(a.at) })
      .where('id', 'in', kept)
      .execute();
  if (a.refund !== 'ALL' && awarded.size === 0) {
    const closed = await requestMachine.transition(trx, {
      row: r,
      to: 'CLOSED',
      by: 'arbitrator',
      actor: a.actor,
      at: a.at,
      set: {
        decision_code: 'ARBITRATION_MERCHANT',
        decision_note: note,
        decided_by: a.actor.id,
        decided_role: 'arbitrator',
        decided_at: now(a.at),
      },
      data: { disputeNo: a.disputeNo },
    });
    return { refundFen: 0, request: closed };
  }
  if (kept.length > 0)
    await trx
      .updateTable('refund_request_units')
      .set({ released_at: now(a.at) })
      .where('request_id', '=', r.id)
      .where('unit_id', 'in', kept)
      .execute();
  // A membership order's request has no units: the whole amount is the claim.
  const refundFen =
    units.length === 0
      ? r.amount_fen
      : units.filter((u) => awarded.has(u.unit_id)).reduce((s, u) => s + u.amount_fen, 0);
  await approveAndPay(trx, ctx, {
    request: r,
    by: 'arbitrator',
    actor: a.actor,
    at: a.at,
    code: 'ARBITRATION_BUYER',
    note,
    amountFen: refundFen,
  });
  const request = await trx
    .selectFrom('refund_requests')
    .selectAll()
    .where('id', '=', r.id)
    .executeTakeFirstOrThrow();
  return { refundFen, request };
}
