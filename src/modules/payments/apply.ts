/**
 * Recording a payment. A wallet payment is recorded inside checkout's own transaction; a gateway
 * payment arrives as a verified notification (or a query during reconciliation) and is checked
 * against Kameng's own record — provider, amount, currency, state — then applied once: the
 * payment row's PENDING/CLOSED → PAID transition is the gate, so duplicates and reordered
 * deliveries change nothing. What a payment buys is the orders module's business: it is told
 * through the `paymentReceived` port, in this same transaction.
 */
import { systemActor, type Actor } from '../../platform/actor.js';
import { forUpdate, lockRows, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { newOrderedId } from '../../platform/ids.js';
import type { PaymentNotice } from './gateway.js';
import { transitionPayment } from './lifecycle.js';
import type { PaymentsContext } from './registry.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const NOTIFY = systemActor('payment-notify');

/**
 * Marks a payment PAID (the gate: a second notification finds it PAID and changes nothing). The
 * order's owner calls it, fulfils the order, then posts the money (`postOrderPayment`) last.
 */
export async function markPaid(
  trx: Db,
  c: { actor: Actor; at: Date },
  payment: Row<'payments'>,
  facts: { providerTradeNo: string | null; payerRef: string | null },
): Promise<void> {
  await transitionPayment(trx, {
    row: payment,
    to: 'PAID',
    by: 'system',
    actor: c.actor,
    at: c.at,
    set: { paid_at: now(c.at), provider_trade_no: facts.providerTradeNo, payer_ref: facts.payerRef },
    data: { orderId: payment.order_id, amountFen: payment.amount_fen, late: payment.state === 'CLOSED' },
  });
}

export type NoticeOutcome = 'APPLIED' | 'DUPLICATE' | 'IGNORED' | 'UNKNOWN_PAYMENT' | 'MISMATCH';

export async function logNotification(
  db: Db,
  input: {
    provider: string;
    at: Date;
    verified: boolean;
    outcome: string;
    reference: string | null;
    detail: string | null;
    ip: string | null;
  },
): Promise<void> {
  await db
    .insertInto('payment_notifications')
    .values({
      id: newOrderedId(input.at.getTime()),
      provider: input.provider,
      received_at: now(input.at),
      verified: input.verified ? 1 : 0,
      outcome: input.outcome,
      reference: input.reference,
      detail: input.detail?.slice(0, 500) ?? null,
      ip: input.ip,
    })
    .execute();
}

/**
 * Applies a verified payment notification. Returns what happened; MISMATCH and UNKNOWN_PAYMENT
 * are not acknowledged (the gateway keeps retrying, and the log shows them to staff).
 */
export async function applyPaymentNotice(
  ctx: PaymentsContext,
  provider: string,
  notice: PaymentNotice,
  ip: string | null = null,
): Promise<{ outcome: NoticeOutcome; detail: string | null }> {
  const result = await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    // Lock order (ADR 0004): the order, then its payment — as expiry and cancellation take them,
    // so a notification racing an expiry waits instead of deadlocking.
    const known = await trx
      .selectFrom('payments')
      .select('order_id')
      .where('id', '=', notice.outTradeNo)
      .executeTakeFirst();
    if (known)
      await lockRows(trx.selectFrom('orders').select('id').where('id', '=', known.order_id), ctx.engine);
    const payment = await forUpdate(
      trx.selectFrom('payments').selectAll().where('id', '=', notice.outTradeNo),
      ctx.engine,
    ).executeTakeFirst();
    if (!payment || payment.provider !== provider)
      return { outcome: 'UNKNOWN_PAYMENT' as const, detail: 'no such out_trade_no for this provider' };
    if (notice.state !== 'SUCCESS')
      return { outcome: 'IGNORED' as const, detail: `trade state ${notice.state}` };
    if (notice.amountFen !== payment.amount_fen || notice.currency !== 'CNY')
      return {
        outcome: 'MISMATCH' as const,
        detail: `expected ${payment.amount_fen} CNY, got ${notice.amountFen} ${notice.currency}`,
      };
    if (payment.state === 'PAID') return { outcome: 'DUPLICATE' as const, detail: null };
    // The order's owner records and fulfils it (a late payment it cannot honour goes back; the
    // payout is sent once this commits).
    const { paidBack } = await ctx.ports.paymentReceived(trx, { actor: NOTIFY, at }, payment, {
      providerTradeNo: notice.providerTradeNo,
      payerRef: notice.payerRef,
    });
    return {
      outcome: 'APPLIED' as const,
      detail: paidBack ? 'late payment, out of stock: paid back' : null,
    };
  });
  await logNotification(ctx.db, {
    provider,
    at: ctx.clock.now(),
    verified: true,
    outcome: result.outcome,
    reference: notice.outTradeNo,
    detail: result.detail,
    ip,
  });
  return { outcome: result.outcome, detail: result.detail };
}
