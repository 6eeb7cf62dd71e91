/** Order views for buyers, merchants and staff: never a key secret, only masked serials and states. */
import { z } from 'zod';
import { cursorSchema, isoDateTime } from '../../platform/http/schemas.js';
import type { Actor } from '../../platform/actor.js';
import { containsText, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { shopOf } from '../catalog/index.js';
import { auditTrail } from '../../platform/audit.js';
import { toPolicyView, policyViewSchema } from '../catalog/index.js';
import { keyStateSchema } from '../inventory/index.js';

const kinds = z.enum(['GOODS', 'MEMBERSHIP', 'TOPUP']);
export const orderStates = z.enum(['PENDING_PAYMENT', 'DELIVERED', 'EXPIRED', 'CANCELLED', 'REFUNDED']);
const methods = z.enum(['BALANCE', 'WECHAT', 'ALIPAY', 'CHANNEL']);

export const paymentViewSchema = z.object({
  id: z.string(),
  method: methods,
  provider: z.string(),
  amountFen: z.number().int(),
  state: z.enum(['PENDING', 'PAID', 'CLOSED']),
  payUrl: z.string().nullable(),
  providerTradeNo: z.string().nullable(),
  paidAt: z.string().nullable(),
});

export const payoutViewSchema = z.object({
  id: z.string(),
  purpose: z.enum(['LATE_PAYMENT', 'REFUND']),
  provider: z.string(),
  amountFen: z.number().int(),
  state: z.enum(['PENDING', 'PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED']),
  destination: z.string().nullable(),
  expectedArrivalAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const orderSummarySchema = z
  .object({
    id: z.string(),
    orderNo: z.string(),
    kind: kinds,
    state: orderStates,
    productId: z.string().nullable(),
    productName: z.string().nullable(),
    merchantId: z.string().nullable(),
    quantity: z.number().int(),
    unitPriceFen: z.number().int(),
    totalFen: z.number().int(),
    buyerLevel: z.enum(['REGULAR', 'VIP', 'SUPER']),
    memberPrice: z.boolean(),
    membershipLevel: z.enum(['VIP', 'SUPER']).nullable(),
    paymentMethod: methods,
    expiresAt: z.string().nullable(),
    paidAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    settleAfter: z.string().nullable(),
    settledAt: z.string().nullable(),
    createdAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'OrderSummary' });
export type OrderSummary = z.infer<typeof orderSummarySchema>;

/** The pay URL only while payable; the gateway's trade number only for the payer and staff. */
const toPaymentView = (p: Row<'payments'>, payerView: boolean): z.infer<typeof paymentViewSchema> => ({
  id: p.id,
  method: p.method,
  provider: p.provider,
  amountFen: p.amount_fen,
  state: p.state,
  payUrl: p.state === 'PENDING' ? p.pay_url : null,
  providerTradeNo: payerView ? p.provider_trade_no : null,
  paidAt: p.paid_at,
});

/** What a create call answers (201, with `Location` to the full detail): cheap to build. */
export const orderCreatedSchema = orderSummarySchema
  .extend({ orderUrl: z.string(), payment: paymentViewSchema })
  .meta({ id: 'OrderCreated' });
export type OrderCreated = z.infer<typeof orderCreatedSchema>;

export async function orderCreated(db: Db, id: string): Promise<OrderCreated> {
  const [o, payment] = await Promise.all([
    db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    db.selectFrom('payments').selectAll().where('order_id', '=', id).executeTakeFirstOrThrow(),
  ]);
  return orderCreatedFrom(o, payment);
}

/** The 201 of a checkout, from the rows it wrote (no read after the commit). */
export function orderCreatedFrom(o: Row<'orders'>, payment: Row<'payments'>): OrderCreated {
  return {
    ...toOrderSummary(o),
    orderUrl: `/api/orders/${o.id}`,
    payment: toPaymentView(payment, true),
  };
}

export const orderUnitSchema = z.object({
  unitId: z.string(),
  keyState: keyStateSchema.nullable(),
  serialMasked: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  firstRevealedAt: z.string().nullable(),
  activatedAt: z.string().nullable(),
  voidedAt: z.string().nullable(),
  events: z.array(z.object({ at: z.string(), kind: z.string(), actor: z.string() })),
});

export const orderDetailSchema = orderSummarySchema
  .extend({
    snapshot: z
      .object({
        productType: z.enum(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']),
        faceValueFen: z.number().int(),
        validityDays: z.number().int().nullable(),
        policyVersion: z.number().int(),
        policyTextHash: z.string(),
        policyConfirmedAt: z.string(),
        policy: policyViewSchema,
      })
      .nullable(),
    merchantName: z.string().nullable(),
    membershipTermDays: z.number().int().nullable(),
    commissionFen: z.number().int().nullable(),
    payment: paymentViewSchema,
    payouts: z.array(payoutViewSchema),
    units: z.array(orderUnitSchema),
    timeline: z.array(z.object({ at: z.string(), action: z.string(), actor: z.string() })),
  })
  .meta({ id: 'OrderDetail' });
export type OrderDetail = z.infer<typeof orderDetailSchema>;

export const toOrderSummary = (o: Row<'orders'>): OrderSummary => ({
  id: o.id,
  orderNo: o.order_no,
  kind: o.kind,
  state: o.state,
  productId: o.product_id,
  productName: o.product_name,
  merchantId: o.merchant_id,
  quantity: o.quantity,
  unitPriceFen: o.unit_price_fen,
  totalFen: o.total_fen,
  buyerLevel: o.buyer_level,
  memberPrice: o.member_price === 1,
  membershipLevel: o.membership_level === 'VIP' || o.membership_level === 'SUPER' ? o.membership_level : null,
  paymentMethod: o.payment_method,
  expiresAt: o.expires_at,
  paidAt: o.paid_at,
  deliveredAt: o.delivered_at,
  settleAfter: o.settle_after,
  settledAt: o.settled_at,
  createdAt: o.created_at,
  version: o.version,
});

/** Who may see an order: its buyer, its merchant, and platform staff. Others get a 404. */
export function canSee(actor: Actor, o: Pick<Row<'orders'>, 'buyer_id' | 'merchant_id'>): boolean {
  if (actor.kind === 'system') return true;
  if (actor.kind === 'token')
    return actor.scope === 'merchant' && actor.merchantId !== null && actor.merchantId === o.merchant_id;
  if (actor.role === 'support' || actor.role === 'admin' || actor.role === 'arbitrator') return true;
  if (actor.role === 'merchant') return actor.merchantId !== null && actor.merchantId === o.merchant_id;
  return actor.id === o.buyer_id;
}

export async function loadOrder(db: Db, actor: Actor, id: string): Promise<Row<'orders'>> {
  const order = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!order || !canSee(actor, order)) fail('order.not_found');
  return order;
}

/** An order of the buyer's own: anyone else — staff and the shop included — gets the same 404. */
export async function ownOrder(db: Db, buyer: Actor, id: string): Promise<Row<'orders'>> {
  const order = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!order || buyer.kind !== 'user' || order.buyer_id !== buyer.id) fail('order.not_found');
  return order;
}

export async function orderDetail(db: Db, actor: Actor, id: string): Promise<OrderDetail> {
  const o = await loadOrder(db, actor, id);
  // The buyer and staff see where money went (card tail, trade number); the merchant does not.
  const payerView = actor.kind === 'system' || (actor.kind === 'user' && actor.role !== 'merchant');
  const [payment, payouts, policy, merchant, units, trail] = await Promise.all([
    db.selectFrom('payments').selectAll().where('order_id', '=', id).executeTakeFirstOrThrow(),
    db.selectFrom('payouts').selectAll().where('order_id', '=', id).orderBy('created_at').execute(),
    o.policy_id
      ? db.selectFrom('refund_policies').selectAll().where('id', '=', o.policy_id).executeTakeFirst()
      : undefined,
    o.merchant_id
      ? db
          .selectFrom('merchants')
          .select(['name', 'commit_review_24h'])
          .where('id', '=', o.merchant_id)
          .executeTakeFirst()
      : undefined,
    db
      .selectFrom('units')
      .leftJoin('keys', (j) =>
        j
          .onRef('keys.unit_id', '=', 'units.id')
          .on('keys.state', 'in', ['RESERVED', 'SEALED', 'REVEALED', 'ACTIVATED', 'VOIDED']),
      )
      .select([
        'units.id as unit_id',
        'keys.id as key_id',
        'keys.state',
        'keys.serial_masked',
        'keys.delivered_at',
        'keys.first_revealed_at',
        'keys.activated_at',
        'keys.voided_at',
      ])
      .where('units.order_id', '=', id)
      .orderBy('units.id')
      .execute(),
    auditTrail(db, 'order', id),
  ]);
  const unitIds = units.map((u) => u.unit_id);
  const events = unitIds.length
    ? await db
        .selectFrom('key_events')
        .select(['unit_id', 'at', 'kind', 'actor_role'])
        .where('unit_id', 'in', unitIds.slice(0, 1000))
        .where('kind', '<>', 'BREAK_GLASS_REVEAL')
        .orderBy('at')
        .execute()
    : [];
  return {
    ...toOrderSummary(o),
    snapshot:
      o.kind === 'GOODS' && policy
        ? {
            productType: o.product_type!,
            faceValueFen: o.face_value_fen ?? 0,
            validityDays: o.validity_days,
            policyVersion: o.policy_version!,
            policyTextHash: o.policy_text_hash!,
            policyConfirmedAt: o.policy_confirmed_at!,
            policy: toPolicyView(policy, merchant?.commit_review_24h === 1),
          }
        : null,
    merchantName: merchant?.name ?? null,
    membershipTermDays: o.membership_term_days,
    commissionFen: o.commission_fen,
    payment: toPaymentView(payment, payerView),
    payouts: payouts.map((p) => ({
      id: p.id,
      purpose: p.purpose,
      provider: p.provider,
      amountFen: p.amount_fen,
      state: p.state,
      destination: payerView ? p.destination : null,
      expectedArrivalAt: p.expected_arrival_at,
      finishedAt: p.finished_at,
      createdAt: p.created_at,
    })),
    units: units.map((u) => ({
      unitId: u.unit_id,
      keyState: u.state,
      serialMasked: u.serial_masked,
      deliveredAt: u.delivered_at,
      firstRevealedAt: u.first_revealed_at,
      activatedAt: u.activated_at,
      voidedAt: u.voided_at,
      events: events
        .filter((e) => e.unit_id === u.unit_id)
        .map((e) => ({ at: e.at, kind: e.kind, actor: e.actor_role })),
    })),
    timeline: trail.map((e) => ({ at: e.at, action: e.action, actor: e.actor_role })),
  };
}

export const orderFilterSchema = z.strictObject({
  kind: kinds.optional(),
  state: orderStates.optional(),
  q: z.string().trim().max(64).optional(),
  from: isoDateTime().optional(),
  to: isoDateTime().optional(),
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type OrderFilter = z.infer<typeof orderFilterSchema>;

/** Newest first, by id (UUIDv7, so time-ordered); `nextCursor` continues after the last row. */
export type OrderPage = { items: OrderSummary[]; nextCursor: string | null };

/** The buyer's own orders (goods, memberships, top-ups), newest first. */
export function myOrders(ctx: { db: Db }, actor: Actor, f: OrderFilter): Promise<OrderPage> {
  if (actor.kind !== 'user' || actor.role !== 'buyer') fail('order.buyers_only');
  return listOrders(ctx.db, { buyerId: actor.id }, f);
}

export const pendingOrdersQuerySchema = z.strictObject({ productId: z.string().min(1).max(64) });

/**
 * The buyer's unpaid orders of a product that can still be paid (not past `expiresAt` on the
 * platform clock), newest first: checkout offers them instead of a second order holding keys.
 */
export async function pendingOrdersFor(
  ctx: { db: Db; clock: { now(): Date } },
  actor: Actor,
  productId: string,
): Promise<{ items: OrderSummary[] }> {
  if (actor.kind !== 'user' || actor.role !== 'buyer') fail('order.buyers_only');
  const rows = await ctx.db
    .selectFrom('orders')
    .selectAll()
    .where('buyer_id', '=', actor.id)
    .where('product_id', '=', productId)
    .where('kind', '=', 'GOODS')
    .where('state', '=', 'PENDING_PAYMENT')
    .where('expires_at', '>', now(ctx.clock.now()))
    .orderBy('id', 'desc')
    .limit(10)
    .execute();
  return { items: rows.map(toOrderSummary) };
}

/** The orders of the actor's shop (its sales), newest first. */
export function shopOrders(ctx: { db: Db }, actor: Actor, f: OrderFilter): Promise<OrderPage> {
  return listOrders(ctx.db, { merchantId: shopOf(actor) }, f);
}

async function listOrders(
  db: Db,
  scope: { buyerId: string } | { merchantId: string },
  f: OrderFilter,
): Promise<OrderPage> {
  let q = db.selectFrom('orders').selectAll();
  q =
    'buyerId' in scope
      ? q.where('buyer_id', '=', scope.buyerId)
      : q.where('merchant_id', '=', scope.merchantId);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.q) {
    const needle = f.q;
    q = q.where((eb) =>
      eb.or([eb('order_no', '=', needle.toUpperCase()), containsText('product_name', needle)]),
    );
  }
  if (f.from) q = q.where('created_at', '>=', new Date(f.from).toISOString());
  if (f.to) q = q.where('created_at', '<', new Date(f.to).toISOString());
  if (f.cursor) q = q.where('id', '<', f.cursor);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const page = rows.slice(0, f.limit);
  return {
    items: page.map(toOrderSummary),
    nextCursor: rows.length > f.limit ? page[page.length - 1].id : null,
  };
}
