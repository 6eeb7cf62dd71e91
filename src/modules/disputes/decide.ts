/**
 * The arbitrator's decision (spec §9): the buyer wins, the merchant wins, or unit by unit; with a
 * written rationale shown to both parties. It executes itself in the same transaction — a refund
 * of the awarded units through the Stage 4 payout path, or the request's closure (the held
 * settlement then goes on) — and it is final: DECIDED has no exit in the machine, and the
 * database refuses any later change to the dispute, its units and its statements.
 * Whoever decided the request itself may not arbitrate it.
 */
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import { lockUser, now, toJson, type Db } from '../../platform/db/dialect.js';
import type { DisputeOutcome, Row } from '../../platform/db/schema.js';
import { resolveAlerts } from '../../platform/alerts.js';
import { fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import {
  computeFindings,
  executeArbitration,
  merchantFaultKinds,
  requestCaseFacts,
  type AfterSalesContext,
  type Finding,
} from '../aftersales/index.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { compensateMerchant } from '../payments/index.js';
import { disputeMachine, lockDispute } from './lifecycle.js';
import { recordViolations } from './penalties.js';

export const RATIONALE_MIN = 10;

export const decisionSchema = z.strictObject({
  version: versionSchema,
  outcome: z.enum(['BUYER', 'MERCHANT', 'SPLIT']),
  /** SPLIT: every unit of the case, each refunded or not. */
  units: z
    .array(z.strictObject({ unitId: z.string().max(64), refund: z.boolean() }))
    .max(1000)
    .optional(),
  rationale: z.string().trim().min(RATIONALE_MIN).max(4000),
  /** The decision is final: the arbitrator confirms it knowingly. */
  confirmFinal: z.boolean(),
});
export type DisputeDecision = z.infer<typeof decisionSchema>;

/** Platform arbitrators decide (admins may too); support follows the queue and its alerts. */
export const mayArbitrate = (actor: UserActor): boolean =>
  actor.role === 'arbitrator' || actor.role === 'admin';
/** Who may read every case file. */
export const isStaff = (actor: UserActor): boolean => mayArbitrate(actor) || actor.role === 'support';

/** The findings of a dispute now: the request's records plus who missed the evidence deadline. */
export async function disputeFindings(
  db: AfterSalesContext['db'],
  d: Pick<Row<'disputes'>, 'request_id' | 'buyer_missed_evidence' | 'merchant_missed_evidence'>,
): Promise<Finding[]> {
  const facts = await requestCaseFacts(db, d.request_id);
  return computeFindings({
    ...facts,
    history: {
      ...facts.history,
      merchantEvidenceMissed: d.merchant_missed_evidence === 1,
      buyerEvidenceMissed: d.buyer_missed_evidence === 1,
    },
  });
}

/** Which units the decision refunds: 'ALL', none, or the SPLIT's chosen ones (every unit named once). */
function awarded(
  outcome: DisputeOutcome,
  units: Row<'dispute_units'>[],
  input: DisputeDecision,
): 'ALL' | string[] {
  if (outcome === 'BUYER') return 'ALL';
  if (outcome === 'MERCHANT') return [];
  const named = input.units ?? [];
  const ids = new Set(units.map((u) => u.unit_id));
  const seen = new Set(named.map((u) => u.unitId));
  if (named.length !== units.length || seen.size !== named.length || ![...seen].every((id) => ids.has(id)))
    fail('dispute.units_required', { field: 'units' });
  const refund = named.filter((u) => u.refund).map((u) => u.unitId);
  // A "split" that refunds all or nothing is one of the other outcomes: say so plainly.
  if (refund.length === 0 || refund.length === named.length)
    fail('dispute.split_not_split', { field: 'units' });
  return refund;
}

/**
 * A merchant's dispute against a refund support approved: the refund stands for the units the
 * decision keeps refunded; for the others the platform's decision is overturned and the platform
 * pays the merchant what the refund cost it (the buyer keeps the money).
 */
async function overturnSupport(
  trx: Db,
  c: { actor: UserActor; at: Date },
  d: Row<'disputes'>,
  units: Row<'dispute_units'>[],
  refund: 'ALL' | string[],
): Promise<{ refundFen: number; compensatedFen: number }> {
  const overturned =
    refund === 'ALL'
      ? 0
      : units.length === 0
        ? Number(d.claim_fen)
        : units.filter((u) => !refund.includes(u.unit_id)).reduce((s, u) => s + Number(u.amount_fen), 0);
  const order = await trx
    .selectFrom('orders')
    .select(['commission_bp'])
    .where('id', '=', d.order_id)
    .executeTakeFirstOrThrow();
  const compensatedFen =
    overturned > 0 && d.merchant_id
      ? await compensateMerchant(trx, c, {
          merchantId: d.merchant_id,
          disputeId: d.id,
          amountFen: overturned,
          commissionBp: order.commission_bp ?? 0,
        })
      : 0;
  return { refundFen: Number(d.claim_fen) - overturned, compensatedFen };
}

export async function decideDispute(
  ctx: AfterSalesContext,
  arbitrator: UserActor,
  disputeId: string,
  input: DisputeDecision,
): Promise<Row<'disputes'>> {
  if (!mayArbitrate(arbitrator)) fail(isStaff(arbitrator) ? 'auth.forbidden' : 'dispute.not_found');
  if (!input.confirmFinal) fail('dispute.confirmation_required');
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const seen = await trx
      .selectFrom('disputes')
      .select('buyer_id')
      .where('id', '=', disputeId)
      .executeTakeFirst();
    if (!seen) fail('dispute.not_found');
    // Lock order: the buyer, then the dispute, then (executing) the request.
    await lockUser(trx, ctx.engine, seen.buyer_id);
    const d = await lockDispute(trx, ctx.engine, disputeId);
    if (d.state === 'DECIDED') fail('dispute.final');
    if (d.state !== 'ARBITRATION') fail('dispute.not_in_arbitration');
    if (d.version !== input.version) fail('request.conflict', { field: 'version' });
    // Whoever decided the request at any point (approved, rejected, asked for material) may not
    // arbitrate it: read from the request's audit trail, not only its latest decision.
    const decidedBefore = await trx
      .selectFrom('audit_events')
      .select('id')
      .where('object_type', '=', 'refund_request')
      .where('object_id', '=', d.request_id)
      .where('actor_id', '=', arbitrator.id)
      .where('action', 'in', ['refund.approved', 'refund.rejected', 'refund.awaiting_buyer'])
      .executeTakeFirst();
    if (decidedBefore) fail('dispute.arbitrator_conflict');
    const units = await trx.selectFrom('dispute_units').selectAll().where('dispute_id', '=', d.id).execute();
    const refund = awarded(input.outcome, units, input);
    const findings = await disputeFindings(trx, d);
    const done =
      d.opened_by === 'BUYER'
        ? {
            compensatedFen: 0,
            ...(await executeArbitration(trx, ctx, {
              requestId: d.request_id,
              refund,
              actor: arbitrator,
              at,
              disputeNo: d.dispute_no,
            })),
          }
        : await overturnSupport(trx, { actor: arbitrator, at }, d, units, refund);
    for (const u of units)
      await trx
        .updateTable('dispute_units')
        .set({ outcome: refund === 'ALL' || refund.includes(u.unit_id) ? 'REFUND' : 'NO_REFUND' })
        .where('dispute_id', '=', d.id)
        .where('unit_id', '=', u.unit_id)
        .execute();
    const decided = await disputeMachine.transition(trx, {
      row: d,
      to: 'DECIDED',
      by: 'arbitrator',
      actor: arbitrator,
      at,
      set: {
        outcome: input.outcome,
        rationale: input.rationale,
        refund_fen: done.refundFen,
        decided_by: arbitrator.id,
        decided_at: now(at),
        findings_at_decision: toJson(findings),
      },
      data: {
        outcome: input.outcome,
        refundFen: done.refundFen,
        compensatedFen: done.compensatedFen,
        findings: findings.map((f) => f.code),
      },
    });
    // Accountability: the buyer won (wholly or in part) and the records show the merchant at fault
    // — on the whole case, or on a unit the decision refunds.
    if (d.opened_by === 'BUYER' && done.refundFen > 0) {
      const counts = (f: Finding) =>
        refund === 'ALL' || f.unitIds.length === 0 || f.unitIds.some((id) => refund.includes(id));
      await recordViolations(
        trx,
        { actor: arbitrator, at, engine: ctx.engine },
        d,
        merchantFaultKinds(findings.filter(counts)),
      );
    }
    await resolveAlerts(trx, d.request_id, ['DISPUTE_DECISION_DUE', 'DISPUTE_DECISION_OVERDUE'], {
      by: arbitrator.id,
      what: 'DISPUTE_DECIDED',
      at,
    });
    const verdict = {
      BUYER: { zh: '支持买家', en: 'for the buyer' },
      MERCHANT: { zh: '支持商家', en: 'for the merchant' },
      SPLIT: { zh: '部分支持买家', en: 'partly for the buyer' },
    }[input.outcome];
    const money =
      d.opened_by === 'MERCHANT'
        ? done.compensatedFen > 0
          ? {
              zh: `，买家已收到的退款不变，平台补偿商家 ¥${fenToYuan(done.compensatedFen)}`,
              en: `; the buyer keeps the refund and the platform compensates the merchant ¥${fenToYuan(done.compensatedFen)}`,
            }
          : { zh: '，平台客服的退款决定维持不变', en: '; platform support’s refund decision stands' }
        : done.refundFen > 0
          ? {
              zh: `，退款 ¥${fenToYuan(done.refundFen)} 原路退回`,
              en: `; ¥${fenToYuan(done.refundFen)} goes back the way it was paid`,
            }
          : { zh: '', en: '' };
    await notify(
      trx,
      [d.buyer_id, ...(await merchantUsers(trx, d.merchant_id))],
      {
        kind: 'DISPUTE_DECIDED',
        titleZh: `仲裁裁决：${verdict.zh}`,
        titleEn: `Arbitration decided ${verdict.en}`,
        bodyZh: `仲裁案件 ${d.dispute_no} 已裁决（终局）：${verdict.zh}${money.zh}。理由：${input.rationale}`,
        bodyEn: `Dispute ${d.dispute_no} is decided (final) ${verdict.en}${money.en}. Rationale: ${input.rationale}`,
        link: `/disputes/${d.id}`,
        object: { type: 'dispute', id: d.id },
      },
      at,
    );
    return decided;
  });
}
