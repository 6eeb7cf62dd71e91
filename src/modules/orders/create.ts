/**
 * What every order creation shares: the Idempotency-Key contract (a replay returns the first
 * result; the same key with a different body is a 422), the order and payment rows, and the
 * gateway call made after commit (local row first, its id as the out_trade_no).
 */
import type { Actor, UserActor } from '../../platform/actor.js';
import { ownOrder } from './views.js';
import { scheduleDeadline } from '../../platform/deadlines.js';
import { constraintKind, now, type Db } from '../../platform/db/dialect.js';
import type { NewRow, Row } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { newNumber, newOrderedId } from '../../platform/ids.js';
import { afterCommit } from '../../platform/unit-of-work.js';
import { fallbackLogger } from '../../platform/logger.js';
import type { PlatformRules } from '../../platform/settings.js';
import { appendAudit, type AuditInput } from '../../platform/audit.js';
import { BALANCE_PROVIDER, type PaymentsContext } from '../payments/index.js';

async function existing(db: Db, buyerId: string, key: string, hash: string): Promise<string | null> {
  const row = await db
    .selectFrom('orders')
    .select(['id', 'request_hash'])
    .where('buyer_id', '=', buyerId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== hash) fail('order.idempotency_mismatch', { field: 'Idempotency-Key' });
  return row.id;
}

/**
 * Runs `create` once per (buyer, key). The order's unique index on (buyer, Idempotency-Key) is what
 * catches a replay: `create` runs first (no read before it), and only when it fails — the unique
 * index, or a refusal such as a changed price that a replay of an accepted order must not see — is
 * the first order looked for, and returned as a replay (a different body under the same key is
 * 422). Two identical requests racing each other give one order. A unique failure with no order
 * behind it (an order-number collision) is retried.
 */
export async function idempotent<T extends { orderId: string }>(
  ctx: PaymentsContext,
  buyerId: string,
  key: string,
  hash: string,
  create: () => Promise<T>,
): Promise<(T | { orderId: string }) & { replayed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { ...(await create()), replayed: false };
    } catch (error) {
      const unique = !(error instanceof DomainError) && constraintKind(error) === 'unique';
      // Whatever failed, a replay of an order that exists is answered with it (a 422 when the
      // body differs); only when there is none does the failure stand.
      const first = await existing(ctx.db, buyerId, key, hash).catch((lookup: unknown) => {
        throw lookup instanceof DomainError ? lookup : error;
      });
      if (first) {
        // A replay (the buyer retried) asks again for a pay URL the gateway could not give the first
        // time; a gateway still down leaves the order waiting, as the order page's "pay" does.
        await ensurePayUrl(ctx, first).catch((err: unknown) =>
          (ctx.log ?? fallbackLogger).warn({ err, orderId: first }, 'pay URL not available yet'),
        );
        return { orderId: first, replayed: true };
      }
      if (!unique || attempt >= 3) throw error;
    }
  }
}

export type OrderFields = Omit<
  NewRow<'orders'>,
  | 'id'
  | 'order_no'
  | 'state'
  | 'version'
  | 'created_at'
  | 'updated_at'
  | 'paid_at'
  | 'delivered_at'
  | 'settle_after'
  | 'settled_at'
  | 'commission_fen'
>;

/** When an order paid through a gateway stops waiting for its payment. */
export const paymentExpiry = (rules: PlatformRules, at: Date): string =>
  now(new Date(at.getTime() + rules.paymentTimeoutMinutes * 60_000));

/**
 * Inserts the order (PENDING_PAYMENT) and its payment row (PENDING), with the audit event; an
 * order that waits for a gateway payment (`expires_at` set) gets its expiry deadline too, and its
 * pay URL after commit.
 */
export async function insertOrder(
  trx: Db,
  ctx: PaymentsContext,
  c: { actor: Actor; at: Date },
  fields: OrderFields,
  provider: string,
): Promise<{ order: Row<'orders'>; payment: Row<'payments'> }> {
  const { order, payment } = newOrderRows(c.at, fields, provider);
  const id = order.id;
  await trx.insertInto('orders').values(order).execute();
  await trx.insertInto('payments').values(payment).execute();
  if (order.expires_at)
    await scheduleDeadline(trx, {
      kind: 'ORDER_EXPIRY',
      objectId: id,
      dueAt: new Date(order.expires_at),
      at: c.at,
    });
  // A gateway payment: its pay URL is asked for once the order is committed (a gateway that is
  // down leaves the order waiting; the buyer retries from the order page until it expires).
  if (provider !== BALANCE_PROVIDER && order.payment_method !== 'CHANNEL')
    afterCommit(trx, `pay URL ${id}`, () => ensurePayUrl(ctx, id));
  await appendAudit(trx, orderCreatedEvent(c, order));
  return { order, payment };
}

/** A new order (PENDING_PAYMENT) and its payment (PENDING), as rows: the one definition of both. */
export function newOrderRows(
  at: Date,
  fields: OrderFields,
  provider: string,
  id: string = newOrderedId(at.getTime()),
): { order: Row<'orders'>; payment: Row<'payments'> } {
  const order: Row<'orders'> = {
    merchant_id: null,
    product_id: null,
    product_name: null,
    product_type: null,
    face_value_fen: null,
    validity_days: null,
    policy_id: null,
    policy_version: null,
    policy_text_hash: null,
    policy_confirmed_at: null,
    membership_level: null,
    membership_term_days: null,
    expires_at: null,
    commission_bp: null,
    ...fields,
    id,
    order_no: newNumber('KM', at),
    state: 'PENDING_PAYMENT',
    paid_at: null,
    delivered_at: null,
    settle_after: null,
    settled_at: null,
    commission_fen: null,
    version: 1,
    created_at: now(at),
    updated_at: now(at),
  };
  const payment: Row<'payments'> = {
    id: newOrderedId(at.getTime()),
    order_id: id,
    buyer_id: order.buyer_id,
    method: order.payment_method,
    provider,
    amount_fen: order.total_fen,
    state: 'PENDING',
    provider_trade_no: null,
    payer_ref: null,
    pay_url: null,
    paid_at: null,
    closed_at: null,
    version: 1,
    created_at: now(at),
    updated_at: now(at),
  };
  return { order, payment };
}

/** The audit event of an order's creation. */
export const orderCreatedEvent = (c: { actor: Actor; at: Date }, order: Row<'orders'>): AuditInput => ({
  actor: c.actor,
  action: 'order.created',
  objectType: 'order',
  objectId: order.id,
  data: {
    orderNo: order.order_no,
    kind: order.kind,
    productId: order.product_id,
    quantity: order.quantity,
    totalFen: order.total_fen,
    method: order.payment_method,
    policyVersion: order.policy_version,
    policyTextHash: order.policy_text_hash,
  },
  at: c.at,
});

/**
 * Asks the gateway for a pay URL for an unpaid order's payment (idempotent on out_trade_no, so a
 * retry after a timeout cannot create a second charge). A gateway that is down leaves the order
 * waiting; the buyer can try again until it expires.
 */
export async function ensurePayUrl(ctx: PaymentsContext, orderId: string): Promise<string | null> {
  const payment = await ctx.db
    .selectFrom('payments')
    .innerJoin('orders', 'orders.id', 'payments.order_id')
    .select([
      'payments.id',
      'payments.provider',
      'payments.amount_fen',
      'payments.pay_url',
      'payments.state',
      'orders.state as order_state',
      'orders.order_no',
      'orders.expires_at',
      'orders.product_name',
      'orders.kind',
    ])
    .where('payments.order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  if (payment.provider === BALANCE_PROVIDER) return null;
  if (payment.pay_url || payment.state !== 'PENDING' || payment.order_state !== 'PENDING_PAYMENT')
    return payment.pay_url;
  const what =
    payment.kind === 'TOPUP' ? '余额充值' : payment.kind === 'MEMBERSHIP' ? '会员' : payment.product_name;
  const created = await ctx.gateways.get(payment.provider).createPayment({
    outTradeNo: payment.id,
    amountFen: payment.amount_fen,
    description: `Kameng 卡盟 ${payment.order_no} ${what ?? ''}`.trim(),
    expiresAt: new Date(payment.expires_at!),
  });
  await ctx.db
    .updateTable('payments')
    .set({ pay_url: created.payUrl })
    .where('id', '=', payment.id)
    .execute();
  return created.payUrl;
}

/** The buyer asks again for the pay URL of an unpaid order of their own (the gateway was down). */
export async function payOrderAgain(ctx: PaymentsContext, buyer: UserActor, orderId: string): Promise<void> {
  const order = await ownOrder(ctx.db, buyer, orderId);
  if (order.state !== 'PENDING_PAYMENT') fail('order.not_payable');
  await ensurePayUrl(ctx, order.id);
}
