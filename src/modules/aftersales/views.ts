/**
 * What a refund request looks like to each party: the buyer, the merchant and platform staff see
 * the same request (deadlines with their exact time, eligibility with reasons, decision and its
 * warnings, evidence from both sides and the system, payouts, the timeline of every step), and
 * each sees the actions it may take now. The merchant does not see where the money went.
 */
import { z } from 'zod';
import type { Actor, UserActor } from '../../platform/actor.js';
import { fromJson, type Db } from '../../platform/db/dialect.js';
import type { RefundState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { recentAlerts } from '../../platform/alerts.js';
import { getPlatformRules } from '../../platform/settings.js';
import { auditTrail } from '../../platform/audit.js';
import { REFUND_REASONS, type EligibilityResult, type RefundReason } from './eligibility.js';
import { isChannelRequest, merchantMissedReview, OPEN_STATES } from './lifecycle.js';
import { earlierSubmissions } from './requests.js';
import { REJECT_CODES, type RejectCode } from './review.js';

export const refundStates = z.enum([
  'PENDING_REVIEW',
  'SUPPORT_REVIEW',
  'AWAITING_BUYER',
  'APPROVED',
  'REFUNDING',
  'REFUNDED',
  'REFUND_ABNORMAL',
  'REJECTED',
  'DISPUTED',
  'CANCELLED',
  'CLOSED',
]);

const text = z.object({ zh: z.string(), en: z.string() });
const signalSchema = z.object({
  code: z.string(),
  value: z.string().optional(),
  messages: z.record(z.string(), z.string()),
});

export const requestSummarySchema = z.object({
  id: z.string(),
  requestNo: z.string(),
  orderId: z.string(),
  orderNo: z.string(),
  productName: z.string().nullable(),
  scope: z.enum(['FULL', 'PARTIAL']),
  reason: z.string(),
  reasonText: text,
  amountFen: z.number().int(),
  state: refundStates,
  reviewer: z.enum(['MERCHANT', 'SUPPORT']),
  reviewDueAt: z.string().nullable(),
  supplementDueAt: z.string().nullable(),
  escalationDueAt: z.string().nullable(),
  units: z.number().int(),
  large: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
export type RequestSummary = z.infer<typeof requestSummarySchema>;

export const requestDetailSchema = requestSummarySchema.extend({
  description: z.string(),
  submissions: z.number().int(),
  maxResubmissions: z.number().int(),
  deadlineWarnings: z.array(z.unknown()),
  eligibility: z.unknown().describe('The eligibility answer at the latest submission (see the pre-check)'),
  autoApprovable: z.boolean(),
  infoRequest: z.string().nullable(),
  decision: z
    .object({
      code: z.string(),
      text: text.nullable(),
      note: z.string().nullable(),
      role: z.string().nullable(),
      at: z.string().nullable(),
      warnings: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string() })),
    })
    .nullable(),
  unitIds: z.array(z.string()),
  evidence: z.array(
    z.object({
      id: z.string(),
      submission: z.number().int(),
      source: z.enum(['BUYER', 'MERCHANT', 'SUPPORT', 'SYSTEM']),
      kind: z.string(),
      sha256: z.string().nullable(),
      mime: z.string().nullable(),
      fileName: z.string().nullable(),
      size: z.number().int().nullable(),
      signals: z.array(signalSchema),
      content: z.unknown().nullable(),
      createdAt: z.string(),
    }),
  ),
  payouts: z.array(
    z.object({
      id: z.string(),
      provider: z.string(),
      amountFen: z.number().int(),
      state: z.string(),
      destination: z.string().nullable(),
      expectedArrivalAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
  timeline: z.array(z.object({ at: z.string(), action: z.string(), actor: z.string(), data: z.unknown() })),
  actions: z.array(z.string()).describe('What the viewer may do now'),
  /** A channel order's refund (spec §11): applied for on the channel, refunded by it; null otherwise. */
  channel: z
    .object({
      channel: z.enum(['TAOBAO', 'PDD', 'XIANYU']),
      shopName: z.string(),
      channelOrderId: z.string(),
      channelRefundId: z.string(),
      status: z.string(),
      channelStatus: z.string(),
      reason: z.string(),
      intervened: z.boolean(),
      overridden: z.boolean(),
      answer: z.enum(['AGREE', 'REFUSE']).nullable(),
      answerState: z.enum(['PENDING', 'SENT', 'GAVE_UP']).nullable(),
    })
    .nullable(),
});
export type RequestDetail = z.infer<typeof requestDetailSchema>;

type Viewer = 'buyer' | 'merchant' | 'staff';

function viewerOf(actor: Actor, r: Pick<Row<'refund_requests'>, 'buyer_id' | 'merchant_id'>): Viewer | null {
  if (actor.kind !== 'user') return null;
  if (actor.role === 'support' || actor.role === 'admin' || actor.role === 'arbitrator') return 'staff';
  if (actor.role === 'merchant')
    return actor.merchantId !== null && actor.merchantId === r.merchant_id ? 'merchant' : null;
  return actor.id === r.buyer_id ? 'buyer' : null;
}

function actionsFor(
  viewer: Viewer,
  actor: UserActor,
  r: Row<'refund_requests'>,
  maxResubmissions: number,
  at: Date,
  escalationDays: number,
  merchantMissed: boolean,
  channel: boolean,
): string[] {
  const s: RefundState = r.state;
  // An answer after its deadline is refused (the request machine's guards): not offered either.
  const open = (due: string | null) => due !== null && at.getTime() < Date.parse(due);
  if (viewer === 'buyer') {
    const a: string[] = [];
    if (s === 'AWAITING_BUYER' && open(r.supplement_due_at)) a.push('SUPPLEMENT');
    if (s === 'PENDING_REVIEW' || s === 'SUPPORT_REVIEW' || s === 'AWAITING_BUYER') a.push('CANCEL');
    if (s === 'REJECTED') {
      const inTime = open(r.escalation_due_at);
      if (inTime && r.submissions <= maxResubmissions) a.push('RESUBMIT');
      a.push('ACCEPT');
      if (inTime) a.push('ESCALATE');
    }
    if (s === 'REFUND_ABNORMAL') a.push('CHOOSE_BALANCE');
    return a;
  }
  const reviewing =
    (viewer === 'merchant' && s === 'PENDING_REVIEW') ||
    (viewer === 'staff' && s === 'SUPPORT_REVIEW' && (actor.role === 'support' || actor.role === 'admin'));
  // A channel buyer has no account to send material from: no REQUEST_INFO on a channel order.
  const a = reviewing ? (channel ? ['APPROVE', 'REJECT'] : ['APPROVE', 'REJECT', 'REQUEST_INFO']) : [];
  if (viewer === 'staff' && s === 'REFUND_ABNORMAL' && actor.role !== 'arbitrator') a.push('CHOOSE_BALANCE');
  // The merchant may contest a refund platform support approved, within the escalation period
  // (the disputes module refuses a second dispute on the request).
  const bySupport = r.decided_role === 'support' || r.decided_role === 'admin';
  const approved = s === 'APPROVED' || s === 'REFUNDING' || s === 'REFUNDED' || s === 'REFUND_ABNORMAL';
  if (
    viewer === 'merchant' &&
    !channel &&
    merchantMissed &&
    bySupport &&
    approved &&
    r.decision_code === 'APPROVED' &&
    r.decided_at !== null &&
    at.getTime() < Date.parse(r.decided_at) + escalationDays * 24 * 3_600_000
  )
    a.push('DISPUTE');
  return a;
}

const reasonText = (reason: string) => {
  const r = REFUND_REASONS[reason as RefundReason];
  return r ? { zh: r.zh, en: r.en } : { zh: reason, en: reason };
};

export async function loadVisibleRequest(
  db: Db,
  actor: Actor,
  id: string,
): Promise<{ r: Row<'refund_requests'>; viewer: Viewer }> {
  const r = await db.selectFrom('refund_requests').selectAll().where('id', '=', id).executeTakeFirst();
  const viewer = r ? viewerOf(actor, r) : null;
  if (!r || !viewer) fail('refund.not_found');
  return { r, viewer };
}

export async function requestDetail(
  ctx: { db: Db; clock: { now(): Date } },
  actor: UserActor,
  id: string,
): Promise<RequestDetail> {
  const { db } = ctx;
  const { r, viewer } = await loadVisibleRequest(db, actor, id);
  const [order, units, evidence, payouts, trail, rules, channel] = await Promise.all([
    db
      .selectFrom('orders')
      .select(['order_no', 'product_name'])
      .where('id', '=', r.order_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('refund_request_units')
      .select('unit_id')
      .where('request_id', '=', r.id)
      .orderBy('unit_id')
      .execute(),
    db.selectFrom('refund_evidence').selectAll().where('request_id', '=', r.id).orderBy('id').execute(),
    db
      .selectFrom('payouts')
      .selectAll()
      .where('refund_request_id', '=', r.id)
      .orderBy('created_at')
      .execute(),
    auditTrail(db, 'refund_request', r.id),
    getPlatformRules(db),
    db
      .selectFrom('channel_refunds')
      .innerJoin('channel_shops', 'channel_shops.id', 'channel_refunds.shop_id')
      .selectAll('channel_refunds')
      .select(['channel_shops.channel', 'channel_shops.name as shop_name'])
      .where('channel_refunds.request_id', '=', r.id)
      .executeTakeFirst(),
  ]);
  const earlier = await earlierSubmissions(
    db,
    units.map((u) => u.unit_id),
    r.id,
  );
  const code = r.decision_code;
  return {
    ...summary(r, order, units.length),
    description: r.description,
    submissions: r.submissions,
    maxResubmissions: rules.maxResubmissions,
    deadlineWarnings: r.deadline_warnings ? fromJson<unknown[]>(r.deadline_warnings) : [],
    eligibility: fromJson<EligibilityResult>(r.eligibility),
    autoApprovable: r.auto_approvable === 1,
    infoRequest: r.info_request,
    decision: code
      ? {
          code,
          text: code in REJECT_CODES ? REJECT_CODES[code as RejectCode] : null,
          note: r.decision_note,
          role: r.decided_role,
          at: r.decided_at,
          warnings: r.decision_warnings ? fromJson(r.decision_warnings) : [],
        }
      : null,
    unitIds: units.map((u) => u.unit_id),
    evidence: evidence.map((e) => ({
      id: e.id,
      submission: e.submission,
      source: e.source,
      kind: e.kind,
      sha256: e.sha256,
      mime: e.mime,
      fileName: e.file_name,
      size: e.size,
      signals: e.signals ? fromJson(e.signals) : [],
      content: e.content ? fromJson<unknown>(e.content) : null,
      createdAt: e.created_at,
    })),
    payouts: payouts.map((p) => ({
      id: p.id,
      provider: p.provider,
      amountFen: p.amount_fen,
      state: p.state,
      // The buyer and staff see where money went; the merchant does not.
      destination: viewer === 'merchant' ? null : p.destination,
      expectedArrivalAt: p.expected_arrival_at,
      finishedAt: p.finished_at,
      createdAt: p.created_at,
    })),
    timeline: trail.map((e) => ({
      at: e.at,
      action: e.action,
      actor: e.actor_role,
      data: fromJson<unknown>(e.data),
    })),
    actions: actionsFor(
      viewer,
      actor,
      r,
      rules.maxResubmissions - earlier,
      ctx.clock.now(),
      rules.escalationDays,
      merchantMissedReview(trail),
      isChannelRequest(r),
    ),
    channel: channel
      ? {
          channel: channel.channel,
          shopName: channel.shop_name,
          channelOrderId: channel.channel_order_id,
          channelRefundId: channel.channel_refund_id,
          status: channel.status,
          channelStatus: channel.channel_status,
          reason: channel.reason,
          intervened: channel.intervened === 1,
          overridden: channel.overridden === 1,
          answer: channel.answer,
          answerState: channel.answer_state,
        }
      : null,
  };
}

function summary(
  r: Row<'refund_requests'>,
  order: { order_no: string; product_name: string | null },
  units: number,
): RequestSummary {
  return {
    id: r.id,
    requestNo: r.request_no,
    orderId: r.order_id,
    orderNo: order.order_no,
    productName: order.product_name,
    scope: r.scope,
    reason: r.reason,
    reasonText: reasonText(r.reason),
    amountFen: r.amount_fen,
    state: r.state,
    reviewer: r.reviewer,
    reviewDueAt: r.review_due_at,
    supplementDueAt: r.supplement_due_at,
    escalationDueAt: r.escalation_due_at,
    units,
    large: r.large === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

export const requestFilterSchema = z.strictObject({
  state: refundStates.optional(),
  /** open: still waiting for someone; support: support's queue (timed-out reviews, abnormal payouts). */
  queue: z.enum(['open', 'support']).optional(),
  orderId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** Requests the actor may see: a buyer's own, a merchant's shop's (by deadline), staff: all. */
export async function listRequests(
  db: Db,
  actor: UserActor,
  f: z.infer<typeof requestFilterSchema>,
): Promise<RequestSummary[]> {
  let q = db
    .selectFrom('refund_requests')
    .innerJoin('orders', 'orders.id', 'refund_requests.order_id')
    .selectAll('refund_requests')
    .select(['orders.order_no', 'orders.product_name'])
    .select((eb) =>
      eb
        .selectFrom('refund_request_units')
        .select((e2) => e2.fn.countAll<number>().as('n'))
        .whereRef('refund_request_units.request_id', '=', 'refund_requests.id')
        .as('unit_count'),
    );
  if (actor.role === 'buyer') q = q.where('refund_requests.buyer_id', '=', actor.id);
  else if (actor.role === 'merchant')
    q = q.where('refund_requests.merchant_id', '=', actor.merchantId ?? '-');
  else if (actor.role !== 'support' && actor.role !== 'admin' && actor.role !== 'arbitrator') return [];
  if (f.state) q = q.where('refund_requests.state', '=', f.state);
  if (f.orderId) q = q.where('refund_requests.order_id', '=', f.orderId);
  if (f.queue === 'open') q = q.where('refund_requests.state', 'in', [...OPEN_STATES]);
  if (f.queue === 'support')
    q = q.where('refund_requests.state', 'in', ['SUPPORT_REVIEW', 'REFUND_ABNORMAL']);
  // Queues are worked by deadline; a buyer's list is newest first.
  q =
    f.queue || actor.role !== 'buyer'
      ? q.orderBy('refund_requests.review_due_at').orderBy('refund_requests.id')
      : q.orderBy('refund_requests.id', 'desc');
  const rows = await q.limit(f.limit).execute();
  return rows.map((r) => summary(r, r, Number(r.unit_count ?? 0)));
}

/** Support's desk beside the queue: abnormal and late payouts, overdue reviews, stuck deadlines. */
/**
 * Support's alerts, each with the references people use (the request's and the order's numbers),
 * so the desk never shows a raw payout or request id.
 */
export async function supportAlerts(ctx: { db: Db }, actor: Actor) {
  if (actor.kind !== 'user' || (actor.role !== 'support' && actor.role !== 'admin')) fail('auth.forbidden');
  const alerts = await recentAlerts(ctx.db);
  const requestIds = [...new Set(alerts.flatMap((a) => (a.requestId ? [a.requestId] : [])))];
  const payoutIds = [...new Set(alerts.filter((a) => a.objectType === 'payout').map((a) => a.objectId))];
  const requests = requestIds.length
    ? await ctx.db
        .selectFrom('refund_requests')
        .innerJoin('orders', 'orders.id', 'refund_requests.order_id')
        .select(['refund_requests.id', 'refund_requests.request_no', 'orders.order_no'])
        .where('refund_requests.id', 'in', requestIds)
        .execute()
    : [];
  const payouts = payoutIds.length
    ? await ctx.db
        .selectFrom('payouts')
        .innerJoin('orders', 'orders.id', 'payouts.order_id')
        .select(['payouts.id', 'orders.order_no'])
        .where('payouts.id', 'in', payoutIds)
        .execute()
    : [];
  const byRequest = new Map(requests.map((r) => [r.id, r]));
  const orderOfPayout = new Map(payouts.map((p) => [p.id, p.order_no]));
  return alerts.map((a) => {
    const r = a.requestId ? byRequest.get(a.requestId) : undefined;
    return {
      ...a,
      requestNo: r?.request_no ?? null,
      orderNo: r?.order_no ?? orderOfPayout.get(a.objectId) ?? null,
    };
  });
}

/**
 * Requests waiting for one shop's review (待审核), soonest deadline first (those without one last),
 * at most `limit`, with how many there are in all — for the merchant's home page.
 */
export async function pendingReviews(
  db: Db,
  merchantId: string,
  limit: number,
): Promise<{ total: number; items: RequestSummary[] }> {
  const rows = await db
    .selectFrom('refund_requests')
    .innerJoin('orders', 'orders.id', 'refund_requests.order_id')
    .selectAll('refund_requests')
    .select(['orders.order_no', 'orders.product_name'])
    .select((eb) =>
      eb
        .selectFrom('refund_request_units')
        .select((e2) => e2.fn.countAll<number>().as('n'))
        .whereRef('refund_request_units.request_id', '=', 'refund_requests.id')
        .as('unit_count'),
    )
    .where('refund_requests.merchant_id', '=', merchantId)
    .where('refund_requests.state', '=', 'PENDING_REVIEW')
    .where('refund_requests.reviewer', '=', 'MERCHANT')
    .execute();
  const due = (r: { review_due_at: string | null }) =>
    r.review_due_at === null ? Number.POSITIVE_INFINITY : Date.parse(r.review_due_at);
  rows.sort((a, b) => due(a) - due(b) || a.id.localeCompare(b.id));
  return {
    total: rows.length,
    items: rows.slice(0, limit).map((r) => summary(r, r, Number(r.unit_count ?? 0))),
  };
}
