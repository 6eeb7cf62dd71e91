/**
 * What refund applications share (spec §7 steps 1–3): the input schemas, the pre-check, the
 * refund form's draft, the resubmission count, and buyer files checked again from the store.
 * Applying itself is apply.ts.
 */
import { z } from 'zod';
import type { Actor, UserActor } from '../../platform/actor.js';
import { now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { isSha256, inspectUpload, type FileStore } from '../../platform/files.js';
import { uploadedBy } from '../../platform/uploads.js';
import { newOrderedId } from '../../platform/ids.js';
import { fenToYuan } from '../../platform/money.js';
import type { PaymentsContext } from '../payments/index.js';
import { REFUND_REASON_CODES, type EligibilityResult } from './eligibility.js';
import { assess, loadUnitFacts } from './facts.js';
import { ownOrder } from '../orders/index.js';
import { REJECTION_CODES } from './codes.js';

/**
 * What after-sales tells the module that owns what follows, in the transaction of the change: a
 * buyer escalated a rejected request (the disputes module opens its dispute). Wired in app.ts, so
 * the dependency stays one-way: disputes → aftersales.
 */
export interface AfterSalesPorts {
  requestEscalated(
    trx: Db,
    c: { actor: UserActor; at: Date },
    request: Row<'refund_requests'>,
    note: string | null,
  ): Promise<void>;
  /**
   * A channel order's request was decided in Kameng (merchant, support, the rules or a timeout):
   * the channels module records the answer and sends it to the channel after commit (spec §11).
   */
  channelAnswer(
    trx: Db,
    c: { actor: Actor; at: Date },
    request: Row<'refund_requests'>,
    answer: { agree: boolean; message: string },
  ): Promise<void>;
}

export type AfterSalesContext = PaymentsContext & { files: FileStore; afterSales: AfterSalesPorts };

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

export { inspectStored, loadBuyerOrder };

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
