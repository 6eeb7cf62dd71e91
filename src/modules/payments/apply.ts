/**
 * Recording a payment. A wallet payment is recorded inside checkout's own transaction; a gateway
 * payment arrives as a verified notification (or a query during reconciliation) and is checked
 * against Kameng's own record — provider, amount, currency, state — then applied once: the
 * payment row's PENDING/CLOSED → PAID transition is the gate, so duplicates and reordered
 * deliveries change nothing.
 */
import { withDeferredAudit } from '../audit/index.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { forUpdate, now, type Db, type Engine } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { newOrderedId } from '../../platform/ids.js';
import { fulfilPaidOrder, type Fulfilment, type KnownAtCheckout } from '../orders/fulfil.js';
import type { PaymentNotice } from './gateway.js';
import { postOrderPayment } from './flows.js';
import { transitionPayment } from './lifecycle.js';
import { submitPayout } from './payouts.js';
import type { PaymentsContext } from './registry.js';

const NOTIFY = systemActor('payment-notify');

export async function recordPayment(
  trx: Db,
  c: { engine: Engine; actor: Actor; at: Date },
  order: Row<'orders'>,
  payment: Row<'payments'>,
  facts: { providerTradeNo: string | null; payerRef: string | null },
  known?: KnownAtCheckout,
): Promise<Fulfilment> {
  await transitionPayment(trx, {
    row: payment,
    to: 'PAID',
    by: 'system',
    actor: c.actor,
    at: c.at,
    set: { paid_at: now(c.at), provider_trade_no: facts.providerTradeNo, payer_ref: facts.payerRef },
    data: { orderId: order.id, amountFen: payment.amount_fen, late: payment.state === 'CLOSED' },
  });
  const done = await fulfilPaidOrder(trx, c, order, payment, known);
  // Last: the escrow and wallet rows are shared, so their row locks are held for as short a time
  // as possible (a flash sale updates them from every checkout).
  await postOrderPayment(trx, c.actor, c.at, order, payment);
  return done;
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
  const result = await withDeferredAudit(ctx.db, async (trx) => {
    const at = ctx.clock.now();
    const payment = await forUpdate(
      trx.selectFrom('payments').selectAll().where('id', '=', notice.outTradeNo),
      ctx.engine,
    ).executeTakeFirst();
    if (!payment || payment.provider !== provider)
      return {
        outcome: 'UNKNOWN_PAYMENT' as const,
        detail: 'no such out_trade_no for this provider',
        payout: null,
      };
    if (notice.state !== 'SUCCESS')
      return { outcome: 'IGNORED' as const, detail: `trade state ${notice.state}`, payout: null };
    if (notice.amountFen !== payment.amount_fen || notice.currency !== 'CNY')
      return {
        outcome: 'MISMATCH' as const,
        detail: `expected ${payment.amount_fen} CNY, got ${notice.amountFen} ${notice.currency}`,
        payout: null,
      };
    if (payment.state === 'PAID') return { outcome: 'DUPLICATE' as const, detail: null, payout: null };
    const order = await forUpdate(
      trx.selectFrom('orders').selectAll().where('id', '=', payment.order_id),
      ctx.engine,
    ).executeTakeFirstOrThrow();
    const done = await recordPayment(trx, { engine: ctx.engine, actor: NOTIFY, at }, order, payment, {
      providerTradeNo: notice.providerTradeNo,
      payerRef: notice.payerRef,
    });
    return {
      outcome: 'APPLIED' as const,
      detail: done.outcome === 'PAID_BACK' ? 'late payment, out of stock: paid back' : null,
      payout: done.outcome === 'PAID_BACK' ? done.payoutId : null,
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
  if (result.payout) await submitPayout(ctx, result.payout);
  return { outcome: result.outcome, detail: result.detail };
}
