/**
 * Refund applications (spec §7 steps 1–3): from the order's 退款/售后 entry, for chosen units
 * (FULL = every unit of the order, PARTIAL = some; a unit is never split), with a reason, a
 * description and evidence files. The eligibility rules answer first; the platform attaches its
 * own records as system evidence; units in an open request cannot join another (a partial unique
 * index), and a repeated submission (same Idempotency-Key) returns the first request.
 * A request whose units are all sealed and eligible is approved at once: nothing can be lost.
 */
import { z } from 'zod';
import { systemActor, type UserActor } from '../../platform/actor.js';
import { constraintKind, lockRows, lockUser, now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { isSha256, inspectUpload, type FileStore } from '../../platform/files.js';
import { uploadedBy } from '../../platform/uploads.js';
import { newNumber, newOrderedId } from '../../platform/ids.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules } from '../../platform/settings.js';
import { appendAudit } from '../../platform/audit.js';
import { notify, merchantUsers } from '../notifications/index.js';
import { requestHash } from '../../platform/idempotency.js';
import type { PaymentsContext } from '../payments/index.js';
import { reviewDue, schedulePhase } from './deadlines.js';
import { REFUND_REASON_CODES, REFUND_REASONS, type EligibilityResult } from './eligibility.js';
import { assess, loadUnitFacts } from './facts.js';
import { ownOrder } from '../orders/index.js';
import { REJECTION_CODES } from './codes.js';
import { approveAndPay } from './payout.js';
import { attachSystemEvidence } from './system-evidence.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export type AfterSalesContext = PaymentsContext & { files: FileStore };

const AUTO_APPROVAL = systemActor('auto-approval');

export const DESCRIPTION_MAX = 1000;

export const fileRefSchema = z.strictObject({
  sha256: z.string().refine(isSha256, 'sha256'),
  name: z.string().trim().min(1).max(200),
});
export type FileRef = z.infer<typeof fileRefSchema>;

export const applySchema = z.strictObject({
  /** Absent: every unit of the order (a full refund). */
  unitIds: z.array(z.string().min(1).max(64)).min(1).max(1000).optional(),
  reason: z.enum(REFUND_REASON_CODES),
  description: z.string().trim().min(1).max(DESCRIPTION_MAX),
  files: z.array(fileRefSchema).max(9).default([]),
});
export type ApplyInput = z.infer<typeof applySchema>;

export const precheckSchema = z.strictObject({
  unitIds: z.array(z.string().min(1).max(64)).min(1).max(1000).optional(),
  reason: z.enum(REFUND_REASON_CODES),
  evidenceAttached: z.boolean().default(false),
});

async function loadBuyerOrder(db: Db, buyer: UserActor, orderId: string): Promise<Row<'orders'>> {
  const order = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  // Only the buyer applies; everyone else sees the order's 404 (its existence is not leaked).
  if (!order || order.buyer_id !== buyer.id) fail('order.not_found');
  if (order.payment_method === 'CHANNEL') fail('refund.channel_order');
  if (order.kind === 'TOPUP' || order.state !== 'DELIVERED') fail('refund.order_not_refundable');
  return order;
}

/** The pre-check (spec §6): per unit, eligible or not and why, before anything is submitted. */
export async function precheck(
  ctx: AfterSalesContext,
  buyer: UserActor,
  orderId: string,
  input: z.infer<typeof precheckSchema>,
): Promise<EligibilityResult> {
  const order = await loadBuyerOrder(ctx.db, buyer, orderId);
  const { result } = await assess(ctx.db, order, { ...input, at: ctx.clock.now() });
  return result;
}

/**
 * Submissions already spent on these units by earlier rejected requests (the most for any one
 * unit): the resubmission limit counts across requests, so accepting a rejection and applying
 * afresh does not restart it.
 */
export async function earlierSubmissions(
  trx: Db,
  unitIds: readonly string[],
  exceptRequestId?: string,
): Promise<number> {
  if (unitIds.length === 0) return 0;
  const earlier = await trx
    .selectFrom('refund_request_units')
    .innerJoin('refund_requests', 'refund_requests.id', 'refund_request_units.request_id')
    .select(['refund_request_units.unit_id', 'refund_requests.submissions'])
    .where('refund_request_units.unit_id', 'in', [...unitIds])
    .where('refund_requests.decision_code', 'in', REJECTION_CODES)
    .$if(exceptRequestId !== undefined, (q) => q.where('refund_requests.id', '<>', exceptRequestId!))
    .execute();
  const used = new Map<string, number>();
  for (const e of earlier) used.set(e.unit_id, (used.get(e.unit_id) ?? 0) + e.submissions);
  return Math.max(0, ...used.values());
}

/** What the application form starts with (the seed's advice): order number, goods and amount. */
export function prefilledDescription(
  order: Pick<
    Row<'orders'>,
    'order_no' | 'product_name' | 'unit_price_fen' | 'kind' | 'membership_level' | 'total_fen'
  >,
  units: number,
): string {
  if (order.kind === 'MEMBERSHIP')
    return `订单号 ${order.order_no}，会员「${order.membership_level === 'SUPER' ? '超级会员' : 'VIP'}」，申请退款 ¥${fenToYuan(order.total_fen)}。原因说明：`;
  return `订单号 ${order.order_no}，商品「${order.product_name ?? ''}」× ${units}，申请退款 ¥${fenToYuan(order.unit_price_fen * units)}。原因说明：`;
}

/**
 * Re-reads and re-checks the files a request names from the store (the server trusts only
 * content), and only files their author uploaded.
 */
async function inspectStored(
  ctx: Pick<AfterSalesContext, 'db' | 'files'>,
  userId: string,
  refs: readonly FileRef[],
) {
  const out = [];
  for (const [i, ref] of refs.entries()) {
    if (!(await uploadedBy(ctx.db, userId, ref.sha256)))
      fail('evidence.not_uploaded', { field: `files[${i}]`, params: { name: ref.name } });
    const bytes = await ctx.files.get(ref.sha256);
    if (!bytes) fail('evidence.unreadable', { field: `files[${i}]`, params: { name: ref.name } });
    out.push(await inspectUpload(bytes, ref.name));
  }
  return out;
}

export async function insertFileEvidence(
  trx: Db,
  input: {
    requestId: string;
    submission: number;
    source: 'BUYER' | 'MERCHANT' | 'SUPPORT';
    userId: string;
    files: Awaited<ReturnType<typeof inspectStored>>;
    at: Date;
  },
): Promise<void> {
  if (input.files.length === 0) return;
  await trx
    .insertInto('refund_evidence')
    .values(
      input.files.map((f) => ({
        id: newOrderedId(input.at.getTime()),
        request_id: input.requestId,
        submission: input.submission,
        source: input.source,
        uploaded_by: input.userId,
        kind: 'FILE',
        sha256: f.sha256,
        mime: f.mime,
        file_name: f.name,
        size: f.size,
        signals: toJson(f.signals),
        content: null,
        created_at: now(input.at),
      })),
    )
    .execute();
}

export { inspectStored };

export async function applyForRefund(
  ctx: AfterSalesContext,
  buyer: UserActor,
  orderId: string,
  key: string,
  input: ApplyInput,
): Promise<{ requestId: string; replayed: boolean }> {
  // The same key with another body (another order, other units …) is a 422, as for orders.
  const hash = requestHash({ orderId, ...input });
  const replay = async (db: Db = ctx.db) => {
    const row = await db
      .selectFrom('refund_requests')
      .select(['id', 'request_hash'])
      .where('buyer_id', '=', buyer.id)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    if (row && row.request_hash !== hash) fail('order.idempotency_mismatch', { field: 'Idempotency-Key' });
    return row;
  };
  const first = await replay();
  if (first) return { requestId: first.id, replayed: true };
  if (input.reason === 'OTHER' && input.description.length < 5)
    fail('refund.note_required', { field: 'description' });
  const files = await inspectStored(ctx, buyer.id, input.files);
  try {
    const outcome = await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      const order = await loadBuyerOrder(trx, buyer, orderId);
      // Lock order (ADR 0004): the buyer, then the order, then its keys. Two tabs applying for the
      // same units queue here, and the second meets the first's open units — or, with the same key
      // (a double click), the first request itself; a reveal (which locks the key) waits for this
      // request or sees it, so an instant "sealed" approval stays true.
      await lockUser(trx, ctx.engine, buyer.id);
      await lockRows(trx.selectFrom('orders').select('id').where('id', '=', order.id), ctx.engine);
      await lockRows(
        trx
          .selectFrom('keys')
          .select('id')
          .where('unit_id', 'in', (eb) =>
            eb.selectFrom('units').select('id').where('order_id', '=', order.id),
          ),
        ctx.engine,
      );
      const earlier = await replay(trx);
      if (earlier) return { id: earlier.id, replayed: true };
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
      const needEvidence = result.units.some((u) => u.outcome === 'NEEDS_EVIDENCE');
      if (needEvidence) fail('refund.evidence_required', { field: 'files' });
      const blocked = result.units.filter((u) => u.outcome === 'BLOCKED');
      if (blocked.length > 0)
        fail('refund.not_eligible', {
          field: 'unitIds',
          params: {
            reason: { zh: blocked[0].explanations.zh.join(' '), en: blocked[0].explanations.en.join(' ') },
          },
          data: { eligibility: result },
        });
      const amount = membership ? order.total_fen : order.unit_price_fen * facts.length;
      const allUnits = await trx
        .selectFrom('units')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('order_id', '=', order.id)
        .executeTakeFirstOrThrow();
      const id = newOrderedId(at.getTime());
      const due = await reviewDue(trx, rules, order.merchant_id, at);
      // Every unit sealed and eligible (or an unused membership): nothing can be lost.
      const instant = membership || result.units.every((u) => u.sealedAndEligible);
      await trx
        .insertInto('refund_requests')
        .values({
          id,
          request_no: newNumber('RF', at),
          order_id: order.id,
          buyer_id: buyer.id,
          merchant_id: order.merchant_id,
          scope: membership || facts.length === Number(allUnits.n) ? 'FULL' : 'PARTIAL',
          reason: input.reason,
          description: input.description,
          amount_fen: amount,
          state: 'PENDING_REVIEW',
          reviewer: 'MERCHANT',
          submissions: 1,
          review_due_at: instant ? null : now(due.dueAt), // approved at once: nobody reviews
          supplement_due_at: null,
          escalation_due_at: null,
          deadline_warnings: due.warnings.length ? toJson(due.warnings) : null,
          eligibility: toJson(result),
          auto_approvable: result.summary.autoApprovable ? 1 : 0,
          large: amount >= rules.largeRefundFen ? 1 : 0,
          idempotency_key: key,
          request_hash: hash,
          version: 1,
          created_at: now(at),
          updated_at: now(at),
        })
        .execute();
      if (facts.length > 0)
        await trx
          .insertInto('refund_request_units')
          .values(
            facts.map((f) => ({
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
          units: facts.map((f) => f.unitId),
          amountFen: amount,
          files: files.map((f) => f.sha256),
          eligibility: result.summary.status,
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
        unitIds: facts.map((f) => f.unitId),
        at,
      });
      const request = { id, state: 'PENDING_REVIEW' as const, version: 1 };
      if (instant) {
        // Spec §7: every unit sealed and eligible — approved the moment it is made.
        await approveAndPay(trx, ctx, {
          request,
          by: 'system',
          actor: AUTO_APPROVAL, // the rules decided, not the buyer
          at,
          code: 'AUTO_SEALED_ELIGIBLE',
          note: null,
        });
      } else {
        await schedulePhase(trx, 'REFUND_REVIEW', id, 1, due.dueAt, at);
        await notify(
          trx,
          await merchantUsers(trx, order.merchant_id),
          {
            kind: 'REFUND_NEW',
            titleZh: '新的售后申请',
            titleEn: 'New refund request',
            bodyZh: `订单 ${order.order_no} 申请退款 ¥${fenToYuan(amount)}（${REFUND_REASONS[input.reason].zh}），请在截止时间前处理。`,
            bodyEn: `Order ${order.order_no}: a refund of ¥${fenToYuan(amount)} (${REFUND_REASONS[input.reason].en}) awaits your review before its deadline.`,
            link: `/merchant/refunds/${id}`,
            object: { type: 'refund_request', id },
          },
          at,
        );
      }
      return { id, replayed: false };
    });
    return { requestId: outcome.id, replayed: outcome.replayed };
  } catch (error) {
    // Two clicks with one key: the second insert meets the unique key and returns the first request.
    if (!(error instanceof DomainError) && constraintKind(error) === 'unique') {
      const again = await replay();
      if (again) return { requestId: again.id, replayed: true };
      fail('refund.unit_in_open_request', { field: 'unitIds' });
    }
    throw error;
  }
}

/** What the 退款/售后 form starts with: the order's units and a prefilled description. */
export async function refundDraft(ctx: Pick<AfterSalesContext, 'db'>, buyer: UserActor, orderId: string) {
  const order = await ownOrder(ctx.db, buyer, orderId);
  const facts = await loadUnitFacts(ctx.db, order);
  const open = facts.filter((f) => !f.alreadyRefunded && !f.inOpenRequest).length;
  return {
    description: prefilledDescription(order, open || facts.length),
    units: facts.map((f) => ({
      unitId: f.unitId,
      keyState: f.key?.state ?? null,
      serialMasked: f.key?.serialMasked ?? null,
      refunded: f.alreadyRefunded,
      inOpenRequest: f.inOpenRequest,
    })),
  };
}
