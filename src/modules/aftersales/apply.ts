/**
 * Applying for a refund (spec §7 steps 1–3), in named steps: the Idempotency-Key replay, the
 * locks, judging the application by the rules (§6), writing the request with its evidence and the
 * platform's own records, and routing it — approved at once when every unit is sealed and eligible
 * (nothing can be lost), otherwise to the merchant's review with its deadline.
 */
import { systemActor, type UserActor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { constraintKind, lockRows, lockUser, now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import { newNumber, newOrderedId } from '../../platform/ids.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules, type PlatformRules } from '../../platform/settings.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { reviewDue, schedulePhase, type Due } from './deadlines.js';
import { REFUND_REASONS, type EligibilityResult, type UnitFacts } from './eligibility.js';
import { assess } from './facts.js';
import { approveAndPay } from './payout.js';
import {
  earlierSubmissions,
  insertFileEvidence,
  inspectStored,
  loadBuyerOrder,
  type AfterSalesContext,
  type ApplyInput,
} from './requests.js';
import { attachSystemEvidence } from './system-evidence.js';

const AUTO_APPROVAL = systemActor('auto-approval');

export type Files = Awaited<ReturnType<typeof inspectStored>>;

/** The request this buyer already made with this key (a replay), or none; another body is a 422. */
async function replayOf(db: Db, buyer: UserActor, key: string, hash: string) {
  const row = await db
    .selectFrom('refund_requests')
    .select(['id', 'request_hash'])
    .where('buyer_id', '=', buyer.id)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (row && row.request_hash !== hash) fail('order.idempotency_mismatch', { field: 'Idempotency-Key' });
  return row;
}

/**
 * Lock order (ADR 0004): the buyer, then the order, then its keys. Two tabs applying for the same
 * units queue here, and the second meets the first's open units — or, with the same key (a double
 * click), the first request itself; a reveal (which locks the key) waits for this request or sees
 * it, so an instant "sealed" approval stays true.
 */
export async function lockForApplication(
  trx: Db,
  ctx: AfterSalesContext,
  buyer: Pick<UserActor, 'id'>,
  orderId: string,
) {
  await lockUser(trx, ctx.engine, buyer.id);
  await lockRows(trx.selectFrom('orders').select('id').where('id', '=', orderId), ctx.engine);
  await lockRows(
    trx
      .selectFrom('keys')
      .select('id')
      .where('unit_id', 'in', (eb) => eb.selectFrom('units').select('id').where('order_id', '=', orderId)),
    ctx.engine,
  );
}

export interface Judged {
  result: EligibilityResult;
  facts: UnitFacts[];
  rules: PlatformRules;
  amount: number;
  /** Every unit sealed and eligible (or an unused membership): approved the moment it is made. */
  instant: boolean;
}

/** The rules' answer for these units (§6); anything that stops the application is refused here. */
async function judge(
  trx: Db,
  order: Row<'orders'>,
  input: ApplyInput,
  files: Files,
  at: Date,
): Promise<Judged> {
  const { result, facts } = await assess(trx, order, {
    unitIds: input.unitIds,
    reason: input.reason,
    evidenceAttached: files.length > 0,
    at,
  });
  const membership = order.kind === 'MEMBERSHIP';
  if (membership && result.summary.status === 'NONE')
    fail('refund.not_eligible', { params: { reason: { zh: result.summary.zh, en: result.summary.en } } });
  if (!membership && facts.length === 0) fail('refund.units_required', { field: 'unitIds' });
  if (facts.some((f) => f.alreadyRefunded)) fail('refund.unit_refunded', { field: 'unitIds' });
  if (facts.some((f) => f.inOpenRequest)) fail('refund.unit_in_open_request', { field: 'unitIds' });
  // A rejection accepted (or left to time out) ends that request; applying afresh for the same
  // units must not restart the count.
  const rules = await getPlatformRules(trx);
  const used = await earlierSubmissions(
    trx,
    facts.map((f) => f.unitId),
  );
  if (used > rules.maxResubmissions)
    fail('refund.resubmissions_exhausted', { params: { max: rules.maxResubmissions } });
  if (result.units.some((u) => u.outcome === 'NEEDS_EVIDENCE'))
    fail('refund.evidence_required', { field: 'files' });
  const blocked = result.units.filter((u) => u.outcome === 'BLOCKED');
  if (blocked.length > 0)
    fail('refund.not_eligible', {
      field: 'unitIds',
      params: {
        reason: { zh: blocked[0].explanations.zh.join(' '), en: blocked[0].explanations.en.join(' ') },
      },
      data: { eligibility: result },
    });
  return {
    result,
    facts,
    rules,
    amount: membership ? order.total_fen : order.unit_price_fen * facts.length,
    instant: membership || result.units.every((u) => u.sealedAndEligible),
  };
}

/** The request row, its units, its audit event, the buyer's files and the platform's records. */
export async function writeRequest(
  trx: Db,
  a: { buyer: UserActor; order: Row<'orders'>; input: ApplyInput; key: string; hash: string; files: Files },
  j: Judged,
  due: Due,
  at: Date,
): Promise<string> {
  const { buyer, order, input, files } = a;
  const membership = order.kind === 'MEMBERSHIP';
  const allUnits = await trx
    .selectFrom('units')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('order_id', '=', order.id)
    .executeTakeFirstOrThrow();
  const id = newOrderedId(at.getTime());
  await trx
    .insertInto('refund_requests')
    .values({
      id,
      request_no: newNumber('RF', at),
      order_id: order.id,
      buyer_id: buyer.id,
      merchant_id: order.merchant_id,
      scope: membership || j.facts.length === Number(allUnits.n) ? 'FULL' : 'PARTIAL',
      reason: input.reason,
      description: input.description,
      amount_fen: j.amount,
      state: 'PENDING_REVIEW',
      reviewer: 'MERCHANT',
      submissions: 1,
      review_due_at: j.instant ? null : now(due.dueAt), // approved at once: nobody reviews
      supplement_due_at: null,
      escalation_due_at: null,
      deadline_warnings: due.warnings.length ? toJson(due.warnings) : null,
      eligibility: toJson(j.result),
      auto_approvable: j.result.summary.autoApprovable ? 1 : 0,
      large: j.amount >= j.rules.largeRefundFen ? 1 : 0,
      idempotency_key: a.key,
      request_hash: a.hash,
      version: 1,
      created_at: now(at),
      updated_at: now(at),
    })
    .execute();
  if (j.facts.length > 0)
    await trx
      .insertInto('refund_request_units')
      .values(
        j.facts.map((f) => ({
          request_id: id,
          unit_id: f.unitId,
          amount_fen: order.unit_price_fen,
          released_at: null,
        })),
      )
      .execute();
  await appendAudit(trx, {
    actor: buyer,
    action: 'refund.submitted',
    objectType: 'refund_request',
    objectId: id,
    data: {
      orderId: order.id,
      reason: input.reason,
      units: j.facts.map((f) => f.unitId),
      amountFen: j.amount,
      files: files.map((f) => f.sha256),
      eligibility: j.result.summary.status,
    },
    at,
  });
  await insertFileEvidence(trx, {
    requestId: id,
    submission: 1,
    source: 'BUYER',
    userId: buyer.id,
    files,
    at,
  });
  await attachSystemEvidence(trx, {
    requestId: id,
    submission: 1,
    order,
    unitIds: j.facts.map((f) => f.unitId),
    at,
  });
  return id;
}

/** Approved at once (§7: every unit sealed and eligible), or to the merchant with its deadline. */
export async function route(
  trx: Db,
  ctx: AfterSalesContext,
  r: { id: string; order: Row<'orders'>; input: ApplyInput },
  j: Judged,
  due: Due,
  at: Date,
): Promise<void> {
  if (j.instant) {
    await approveAndPay(trx, ctx, {
      request: { id: r.id, state: 'PENDING_REVIEW', version: 1 },
      by: 'system',
      actor: AUTO_APPROVAL, // the rules decided, not the buyer
      at,
      code: 'AUTO_SEALED_ELIGIBLE',
      note: null,
    });
    return;
  }
  await schedulePhase(trx, 'REFUND_REVIEW', r.id, 1, due.dueAt, at);
  await notify(
    trx,
    await merchantUsers(trx, r.order.merchant_id),
    {
      kind: 'REFUND_NEW',
      titleZh: '新的售后申请',
      titleEn: 'New refund request',
      bodyZh: `订单 ${r.order.order_no} 申请退款 ¥${fenToYuan(j.amount)}（${REFUND_REASONS[r.input.reason].zh}），请在截止时间前处理。`,
      bodyEn: `Order ${r.order.order_no}: a refund of ¥${fenToYuan(j.amount)} (${REFUND_REASONS[r.input.reason].en}) awaits your review before its deadline.`,
      link: `/merchant/refunds/${r.id}`,
      object: { type: 'refund_request', id: r.id },
    },
    at,
  );
}

export async function applyForRefund(
  ctx: AfterSalesContext,
  buyer: UserActor,
  orderId: string,
  key: string,
  input: ApplyInput,
): Promise<{ requestId: string; replayed: boolean }> {
  // The same key with another body (another order, other units …) is a 422, as for orders.
  const hash = requestHash({ orderId, ...input });
  const first = await replayOf(ctx.db, buyer, key, hash);
  if (first) return { requestId: first.id, replayed: true };
  if (input.reason === 'OTHER' && input.description.length < 5)
    fail('refund.note_required', { field: 'description' });
  // The files are read and checked again from the store before the transaction holds the database.
  const files = await inspectStored(ctx, buyer.id, input.files);
  try {
    return await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      const order = await loadBuyerOrder(trx, buyer, orderId);
      await lockForApplication(trx, ctx, buyer, order.id);
      const earlier = await replayOf(trx, buyer, key, hash);
      if (earlier) return { requestId: earlier.id, replayed: true };
      const judged = await judge(trx, order, input, files, at);
      const due = await reviewDue(trx, judged.rules, order.merchant_id, at);
      const id = await writeRequest(trx, { buyer, order, input, key, hash, files }, judged, due, at);
      await route(trx, ctx, { id, order, input }, judged, due, at);
      return { requestId: id, replayed: false };
    });
  } catch (error) {
    // Two clicks with one key: the second insert meets the unique key and returns the first request.
    if (!(error instanceof DomainError) && constraintKind(error) === 'unique') {
      const again = await replayOf(ctx.db, buyer, key, hash);
      if (again) return { requestId: again.id, replayed: true };
      fail('refund.unit_in_open_request', { field: 'unitIds' });
    }
    throw error;
  }
}
