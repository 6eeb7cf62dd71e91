/**
 * What happens to an order once its money is in: goods are delivered sealed (or, for a payment
 * that arrived after the reservation was released and stock has run out, paid back), a top-up is
 * credited. Runs inside the transaction that records the payment.
 */
import { systemActor, type Actor } from '../../platform/actor.js';
import { cancelDeadline, scheduleDeadline } from '../../platform/deadlines.js';
import { forUpdate, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError } from '../../platform/errors.js';
import { getPlatformRules, type PlatformRules } from '../../platform/settings.js';
import { deliverKeys, reserveKeys } from '../inventory/index.js';
import { markPaid } from '../payments/index.js';
import { postOrderPayment } from '../payments/index.js';
import { createPayout } from '../payments/index.js';
import type { PaymentsContext } from '../payments/index.js';
import { orderMachine } from './lifecycle.js';

const HOUR = 3600_000;

export interface FulfilContext {
  actor: Actor;
  at: Date;
}

export type Fulfilment = { outcome: 'DELIVERED' } | { outcome: 'PAID_BACK'; payoutId: string };

/**
 * What the checkout transaction has already read, so delivering in that same transaction does not
 * read it again (a flash sale runs this path for every purchase). Late payments read it here.
 */
export interface KnownAtCheckout {
  unitIds: string[];
  policy: Pick<Row<'refund_policies'>, 'window_hours' | 'unactivated_refund'>;
  rules: PlatformRules;
}

/** Escrow is released once the refund window and the quality-claim period have both passed. */
async function settleAfter(
  trx: Db,
  order: Row<'orders'>,
  deliveredAt: Date,
  known: KnownAtCheckout | undefined,
): Promise<Date> {
  const rules = known?.rules ?? (await getPlatformRules(trx));
  const policy =
    known?.policy ??
    (order.policy_id
      ? await trx
          .selectFrom('refund_policies')
          .select(['window_hours', 'unactivated_refund'])
          .where('id', '=', order.policy_id)
          .executeTakeFirst()
      : undefined);
  return settlementTime(policy, rules, deliveredAt);
}

/** When a delivered order's escrow is released: after its refund window and the quality-claim period. */
export function settlementTime(
  policy: Pick<Row<'refund_policies'>, 'window_hours' | 'unactivated_refund'> | undefined,
  rules: Pick<PlatformRules, 'qualityClaimDays'>,
  deliveredAt: Date,
): Date {
  const windowMs = policy?.unactivated_refund ? (policy.window_hours ?? 0) * HOUR : 0;
  return new Date(deliveredAt.getTime() + Math.max(windowMs, rules.qualityClaimDays * 24 * HOUR));
}

async function payBack(
  trx: Db,
  ctx: PaymentsContext,
  c: FulfilContext,
  order: Row<'orders'>,
  payment: Pick<Row<'payments'>, 'id' | 'provider' | 'amount_fen'>,
  reason: string,
): Promise<Fulfilment> {
  await orderMachine.transition(trx, {
    row: order,
    to: 'REFUNDED',
    by: 'system',
    actor: c.actor,
    at: c.at,
    set: { paid_at: now(c.at) },
    data: { reason },
  });
  const payoutId = await createPayout(trx, ctx, c, {
    order,
    payment,
    purpose: 'LATE_PAYMENT',
    amountFen: payment.amount_fen,
  });
  return { outcome: 'PAID_BACK', payoutId };
}

async function fulfilPaidOrder(
  trx: Db,
  ctx: PaymentsContext,
  c: FulfilContext,
  order: Row<'orders'>,
  payment: Pick<Row<'payments'>, 'id' | 'provider' | 'amount_fen'>,
  known?: KnownAtCheckout,
): Promise<Fulfilment> {
  const late = order.state !== 'PENDING_PAYMENT';
  // Only gateway orders wait for payment, so only they have an expiry to cancel.
  if (!late && order.expires_at) await cancelDeadline(trx, 'ORDER_EXPIRY', order.id);
  const alloc = { engine: ctx.engine, actor: c.actor, at: c.at };
  if (order.kind === 'GOODS') {
    const units =
      known?.unitIds ??
      (
        await trx.selectFrom('units').select('id').where('order_id', '=', order.id).orderBy('id').execute()
      ).map((u) => u.id);
    // A buyer who cancelled does not want the goods: their late payment goes back.
    if (order.state === 'CANCELLED') return payBack(trx, ctx, c, order, payment, 'LATE_PAYMENT_CANCELLED');
    if (late) {
      try {
        await reserveKeys(trx, alloc, {
          productId: order.product_id!,
          buyerId: order.buyer_id,
          unitIds: units,
        });
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'inventory.out_of_stock')) throw error;
        // Sold out since the reservation was released: the late payment goes back, never kept.
        return payBack(trx, ctx, c, order, payment, 'LATE_PAYMENT_OUT_OF_STOCK');
      }
    }
    // Delivery is the platform's automatic step, not the buyer's: the key timeline says 系统.
    await deliverKeys(trx, { ...alloc, actor: systemActor('delivery') }, units);
    // A channel order's money stays on the channel: nothing is held here, so nothing settles.
    if (order.payment_method === 'CHANNEL') {
      await orderMachine.transition(trx, {
        row: order,
        to: 'DELIVERED',
        by: 'system',
        actor: c.actor,
        at: c.at,
        set: { paid_at: now(c.at), delivered_at: now(c.at) },
        data: { late, units: units.length, channel: true },
      });
      return { outcome: 'DELIVERED' };
    }
    const settle = await settleAfter(trx, order, c.at, known);
    await orderMachine.transition(trx, {
      row: order,
      to: 'DELIVERED',
      by: 'system',
      actor: c.actor,
      at: c.at,
      set: { paid_at: now(c.at), delivered_at: now(c.at), settle_after: now(settle) },
      data: { late, units: units.length },
    });
    await scheduleDeadline(trx, { kind: 'SETTLEMENT', objectId: order.id, dueAt: settle, at: c.at });
    return { outcome: 'DELIVERED' };
  }
  // TOPUP (the wallet was credited by the payment's ledger transaction) and MEMBERSHIP.
  await orderMachine.transition(trx, {
    row: order,
    to: 'DELIVERED',
    by: 'system',
    actor: c.actor,
    at: c.at,
    set: { paid_at: now(c.at), delivered_at: now(c.at) },
    data: { late },
  });
  return { outcome: 'DELIVERED' };
}

/**
 * An order's money is in: the payment is marked PAID, the order fulfilled (or a late payment paid
 * back), and the money posted — last, so the shared escrow and wallet rows are locked for as short
 * a time as possible (a flash sale posts to them from every checkout).
 */
export async function receivePayment(
  trx: Db,
  ctx: PaymentsContext,
  c: FulfilContext,
  order: Row<'orders'>,
  payment: Row<'payments'>,
  facts: { providerTradeNo: string | null; payerRef: string | null },
  known?: KnownAtCheckout,
): Promise<Fulfilment> {
  await markPaid(trx, c, payment, facts);
  const done = await fulfilPaidOrder(trx, ctx, c, order, payment, known);
  // A channel collected a channel order's money and pays the merchant there (ADR 0008): no posting.
  if (order.payment_method !== 'CHANNEL') await postOrderPayment(trx, c.actor, c.at, order, payment);
  return done;
}

/** The orders side of payments' `paymentReceived` port (wired in app.ts). */
export async function paymentReceived(
  trx: Db,
  ctx: PaymentsContext,
  c: FulfilContext,
  payment: Row<'payments'>,
  facts: { providerTradeNo: string | null; payerRef: string | null },
): Promise<{ paidBack: boolean }> {
  const order = await forUpdate(
    trx.selectFrom('orders').selectAll().where('id', '=', payment.order_id),
    ctx.engine,
  ).executeTakeFirstOrThrow();
  const done = await receivePayment(trx, ctx, c, order, payment, facts);
  return { paidBack: done.outcome === 'PAID_BACK' };
}
