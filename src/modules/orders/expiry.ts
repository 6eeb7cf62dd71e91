/**
 * Unpaid orders: expiry (sweeper) and cancellation (buyer). Before giving an order up, Kameng asks
 * the gateway — a payment whose notification is late is applied, not lost — then closes the
 * gateway payment so it can no longer be paid, and only then releases the reservation.
 */
import { systemActor, type Actor, type UserActor } from '../../platform/actor.js';
import { cancelDeadline } from '../../platform/deadlines.js';
import type { DeadlineHandlers } from '../../platform/sweeper.js';
import { forUpdate, type Db } from '../../platform/db/dialect.js';
import type { OrderState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { releaseReservation } from '../inventory/index.js';
import { applyPaymentNotice } from '../payments/index.js';
import type { PaymentStatus } from '../payments/index.js';
import { closeUnpaidPayment } from '../payments/index.js';
import { ownOrder } from './views.js';
import { BALANCE_PROVIDER, type PaymentsContext } from '../payments/index.js';
import { orderMachine } from './lifecycle.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const SWEEPER = systemActor('order-expiry');

/** Applies a payment the gateway reports as SUCCESS; a record that disagrees with ours is an error. */
async function applyFound(ctx: PaymentsContext, provider: string, status: PaymentStatus): Promise<true> {
  const r = await applyPaymentNotice(ctx, provider, {
    type: 'PAYMENT',
    ...status,
    providerTradeNo: status.providerTradeNo ?? '',
  });
  if (r.outcome === 'APPLIED' || r.outcome === 'DUPLICATE') return true;
  // The gateway's record disagrees with ours (amount, currency): nothing is released or applied;
  // the deadline is retried and the error logged for staff.
  fail('payment.notification_mismatch', { params: { reason: r.detail ?? r.outcome } });
}

/** Returns true when the gateway says the payment succeeded (and it has been applied). */
async function reconcileThenClose(ctx: PaymentsContext, payment: Row<'payments'>): Promise<boolean> {
  if (payment.provider === BALANCE_PROVIDER || payment.state !== 'PENDING') return false;
  const gateway = ctx.gateways.get(payment.provider);
  const status = await gateway.queryPayment(payment.id);
  if (status?.state === 'SUCCESS') return applyFound(ctx, payment.provider, status);
  if (status && status.state !== 'CLOSED') {
    try {
      await gateway.closePayment(payment.id);
    } catch (error) {
      // The payer paid between our query and our close (WeChat answers ORDERPAID): apply it.
      const again = await gateway.queryPayment(payment.id);
      if (again?.state === 'SUCCESS') return applyFound(ctx, payment.provider, again);
      throw error;
    }
  }
  return false;
}

async function giveUp(
  trx: Db,
  ctx: PaymentsContext,
  c: { actor: Actor; at: Date },
  orderId: string,
  to: Extract<OrderState, 'EXPIRED' | 'CANCELLED'>,
): Promise<boolean> {
  const order = await forUpdate(
    trx.selectFrom('orders').selectAll().where('id', '=', orderId),
    ctx.engine,
  ).executeTakeFirstOrThrow();
  if (order.state !== 'PENDING_PAYMENT') return false;
  const payment = await trx
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  await orderMachine.transition(trx, {
    row: order,
    to,
    by: to === 'CANCELLED' ? 'buyer' : 'system',
    actor: c.actor,
    at: c.at,
  });
  if (payment.state === 'PENDING') await closeUnpaidPayment(trx, c, payment);
  if (order.kind === 'GOODS') {
    const units = await trx.selectFrom('units').select('id').where('order_id', '=', orderId).execute();
    await releaseReservation(
      trx,
      { engine: ctx.engine, actor: c.actor, at: c.at },
      units.map((u) => u.id),
    );
  }
  return true;
}

/**
 * ORDER_EXPIRY, for the sweeper: first (outside any transaction) the gateway is asked — a payment
 * whose notification is late is applied, and then there is nothing to expire — and the gateway
 * payment closed; a gateway that cannot be asked fails the attempt and it is retried. Then the
 * order expires and its reservation is released.
 */
export function orderDeadlines(ctx: PaymentsContext): DeadlineHandlers {
  return {
    ORDER_EXPIRY: {
      async prepare(d) {
        const payment = await ctx.db
          .selectFrom('payments')
          .selectAll()
          .where('order_id', '=', d.object_id)
          .executeTakeFirstOrThrow();
        // paid after all: the fulfilment cancelled the deadline
        return (await reconcileThenClose(ctx, payment)) ? 'skip' : 'fire';
      },
      async fire(trx, d, at) {
        await giveUp(trx, ctx, { actor: SWEEPER, at }, d.object_id, 'EXPIRED');
      },
    },
  };
}

/** The buyer cancels an unpaid order of their own (anyone else gets the order's 404). */
export async function cancelOrder(ctx: PaymentsContext, buyer: UserActor, orderId: string): Promise<void> {
  const order = await ownOrder(ctx.db, buyer, orderId);
  if (order.state !== 'PENDING_PAYMENT') fail('order.not_cancellable');
  const payment = await ctx.db
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', order.id)
    .executeTakeFirstOrThrow();
  if (await reconcileThenClose(ctx, payment)) fail('order.not_cancellable');
  await unitOfWork(ctx, async (trx) => {
    if (!(await giveUp(trx, ctx, { actor: buyer, at: ctx.clock.now() }, order.id, 'CANCELLED')))
      fail('order.not_cancellable');
    await cancelDeadline(trx, 'ORDER_EXPIRY', order.id);
  });
}
