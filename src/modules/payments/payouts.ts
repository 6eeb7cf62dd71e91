/**
 * Payouts: money going back to the payer along the original path (spec §8). The local row is
 * written first (state PENDING) in the transaction that decides the refund; its id is the
 * out_refund_no the gateway sees, so every retry of the call reuses it and the gateway refunds
 * once. Results — synchronous or by notification — move the row through the payout table; only a
 * gateway-CLOSED payout is retried, as a new row under a new key.
 */
import type { Actor } from '../../platform/actor.js';
import { systemActor } from '../../platform/actor.js';
import { forUpdate, lockUser, now, type Db } from '../../platform/db/dialect.js';
import type { PayoutState, Row } from '../../platform/db/schema.js';
import { raiseAlert } from '../../platform/alerts.js';
import { DomainError, fail } from '../../platform/errors.js';
import { newOrderedId } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import type { RefundNotice, RefundStatus } from './gateway.js';
import { postPayout } from './flows.js';
import { transitionPayout } from './lifecycle.js';
import { BALANCE_PROVIDER, type PaymentsContext } from './registry.js';
import { afterCommit, unitOfWork } from '../../platform/unit-of-work.js';
import { fallbackLogger } from '../../platform/logger.js';

const SWEEPER = systemActor('payouts');

/** Attempts (the first and its retries) a gateway may close before the payout is left to support. */
export const MAX_CLOSED_ATTEMPTS = 3;

/**
 * Payouts whose money is paid back or on its way back (spec §8: successful plus in-flight payouts
 * count; an ABNORMAL one still holds its amount until support settles it; only CLOSED frees it).
 */
export const COMMITTED_PAYOUT_STATES: readonly PayoutState[] = [
  'PENDING',
  'PROCESSING',
  'SUCCESS',
  'ABNORMAL',
];

/** Money paid back or on its way back (COMMITTED_PAYOUT_STATES). */
export async function committedPayoutsFen(
  trx: Db,
  of: { paymentId: string } | { orderId: string },
): Promise<number> {
  const row = await trx
    .selectFrom('payouts')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.val(0)).as('total'))
    .$call((q) =>
      'paymentId' in of ? q.where('payment_id', '=', of.paymentId) : q.where('order_id', '=', of.orderId),
    )
    .where('state', 'in', [...COMMITTED_PAYOUT_STATES])
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/**
 * Writes a payout (PENDING) in the deciding transaction; once that commits, it is sent to its
 * gateway (or paid into the wallet). The sweeper sends it again if that fails.
 */
export async function createPayout(
  trx: Db,
  ctx: PaymentsContext,
  c: { actor: Actor; at: Date },
  input: {
    order: Pick<Row<'orders'>, 'id' | 'buyer_id'>;
    payment: Pick<Row<'payments'>, 'id' | 'provider'>;
    purpose: Row<'payouts'>['purpose'];
    amountFen: number;
    replacesId?: string;
    /** The after-sales request this payout belongs to (Stage 4). */
    requestId?: string | null;
    /** Another destination than the payment's own path: the platform balance after an ABNORMAL. */
    provider?: string;
  },
): Promise<string> {
  // Under the payment's lock: successful plus in-flight payouts never exceed what was paid.
  const paid = await forUpdate(
    trx.selectFrom('payments').select(['amount_fen', 'state']).where('id', '=', input.payment.id),
    ctx.engine,
  ).executeTakeFirstOrThrow();
  const out = await committedPayoutsFen(trx, { paymentId: input.payment.id });
  if (paid.state !== 'PAID' || out + input.amountFen > paid.amount_fen) fail('payment.refund_exceeds_paid');
  const id = newOrderedId(c.at.getTime());
  await trx
    .insertInto('payouts')
    .values({
      id,
      order_id: input.order.id,
      payment_id: input.payment.id,
      buyer_id: input.order.buyer_id,
      purpose: input.purpose,
      provider: input.provider ?? input.payment.provider,
      amount_fen: input.amountFen,
      refund_request_id: input.requestId ?? null,
      state: 'PENDING',
      replaces_id: input.replacesId ?? null,
      destination: null,
      provider_refund_id: null,
      expected_arrival_at: null,
      error_code: null,
      attempts: 0,
      version: 1,
      created_at: now(c.at),
      updated_at: now(c.at),
      finished_at: null,
    })
    .execute();
  await appendAudit(trx, {
    actor: c.actor,
    action: 'payout.created',
    objectType: 'payout',
    objectId: id,
    data: {
      orderId: input.order.id,
      purpose: input.purpose,
      amountFen: input.amountFen,
      replaces: input.replacesId,
      requestId: input.requestId ?? undefined,
      provider: input.provider ?? input.payment.provider,
    },
    at: c.at,
  });
  afterCommit(trx, `payout ${id}`, () => submitPayout(ctx, id));
  return id;
}

/**
 * Applies what the gateway says about a payout (from the refund call, a query or a notification),
 * and tells the refund's owner through the port.
 */
async function applyRefundStatus(
  trx: Db,
  ctx: PaymentsContext,
  at: Date,
  payout: Row<'payouts'>,
  status: RefundStatus,
): Promise<void> {
  if (status.amountFen !== payout.amount_fen)
    fail('payment.notification_mismatch', { params: { reason: 'amount' } });
  const to: PayoutState = status.state;
  if (payout.state === to) return; // duplicate: nothing changes
  const set = {
    destination: status.destination,
    provider_refund_id: status.providerRefundId,
    expected_arrival_at: status.expectedArrivalAt ? now(status.expectedArrivalAt) : null,
    ...(to === 'PROCESSING' ? {} : { finished_at: now(status.finishedAt ?? at) }),
  };
  await transitionPayout(trx, { row: payout, to, by: 'system', actor: SWEEPER, at, set });
  if (to === 'SUCCESS') await postPayout(trx, SWEEPER, at, payout);
  const replaced = to === 'CLOSED' ? await retryClosed(trx, ctx, at, payout) : true;
  await ctx.ports.payoutChanged(trx, { at }, payout, to, replaced);
}

/**
 * The gateway closed a payout: a new attempt under a new key — but a payer whose refunds keep
 * closing is a case for support, not an endless loop. Returns whether a replacement was made.
 */
async function retryClosed(
  trx: Db,
  ctx: PaymentsContext,
  at: Date,
  payout: Row<'payouts'>,
): Promise<boolean> {
  const closed = await trx
    .selectFrom('payouts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('payment_id', '=', payout.payment_id)
    // per refund request (or per late-payment payback): another request's attempts do not count
    .$call((q) =>
      payout.refund_request_id
        ? q.where('refund_request_id', '=', payout.refund_request_id)
        : q.where('refund_request_id', 'is', null),
    )
    .where('state', '=', 'CLOSED')
    .where((eb) => eb.or([eb('error_code', 'is', null), eb('error_code', '<>', 'REROUTED_TO_BALANCE')]))
    .executeTakeFirstOrThrow();
  if (Number(closed.n) >= MAX_CLOSED_ATTEMPTS) {
    await appendAudit(trx, {
      actor: SWEEPER,
      action: 'payout.retries_exhausted',
      objectType: 'payout',
      objectId: payout.id,
      data: { orderId: payout.order_id, closedAttempts: Number(closed.n) },
      at,
    });
    return false;
  }
  await createPayout(
    trx,
    ctx,
    { actor: SWEEPER, at },
    {
      order: { id: payout.order_id, buyer_id: payout.buyer_id },
      payment: { id: payout.payment_id, provider: payout.provider },
      purpose: payout.purpose,
      amountFen: payout.amount_fen,
      replacesId: payout.id,
      requestId: payout.refund_request_id,
    },
  );
  return true;
}

/**
 * Sends a PENDING payout to its gateway (or pays it into the wallet). Safe to call again and
 * again: the gateway sees the same out_refund_no each time. Returns the payout's state after.
 */
export async function submitPayout(ctx: PaymentsContext, payoutId: string): Promise<PayoutState> {
  const first = await ctx.db
    .selectFrom('payouts')
    .selectAll()
    .where('id', '=', payoutId)
    .executeTakeFirstOrThrow();
  if (first.state !== 'PENDING') return first.state;
  if (first.provider === BALANCE_PROVIDER) {
    await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      await lockUser(trx, ctx.engine, first.buyer_id);
      const payout = await trx
        .selectFrom('payouts')
        .selectAll()
        .where('id', '=', payoutId)
        .executeTakeFirstOrThrow();
      if (payout.state !== 'PENDING') return;
      await transitionPayout(trx, {
        row: payout,
        to: 'SUCCESS',
        by: 'system',
        actor: SWEEPER,
        at,
        set: { destination: '平台余额', finished_at: now(at), expected_arrival_at: now(at) },
      });
      await postPayout(trx, SWEEPER, at, payout);
      await ctx.ports.payoutChanged(trx, { at }, payout, 'SUCCESS', true);
    });
    return 'SUCCESS';
  }
  const gateway = ctx.gateways.get(first.provider);
  const payment = await ctx.db
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', first.payment_id)
    .executeTakeFirstOrThrow();
  let status: RefundStatus;
  try {
    status = await gateway.createRefund({
      outRefundNo: first.id,
      outTradeNo: payment.id,
      amountFen: first.amount_fen,
      totalFen: payment.amount_fen,
      reason: first.purpose === 'LATE_PAYMENT' ? '订单已过期且库存不足，自动退款' : '售后退款',
    });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Gateway down or refusing: the row stays PENDING and the sweeper tries again with the same
    // key — up to MAX_SUBMIT_ATTEMPTS, then support is alerted (audit) and handles it by hand.
    await unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      await trx
        .updateTable('payouts')
        .set({ attempts: first.attempts + 1, error_code: error.code, updated_at: now(at) })
        .where('id', '=', first.id)
        .where('state', '=', 'PENDING')
        .execute();
      if (first.attempts + 1 >= MAX_SUBMIT_ATTEMPTS)
        await appendAudit(trx, {
          actor: SWEEPER,
          action: 'payout.submit_gave_up',
          objectType: 'payout',
          objectId: first.id,
          data: { orderId: first.order_id, attempts: first.attempts + 1, lastError: error.code },
          at,
        });
    });
    return 'PENDING';
  }
  await unitOfWork(ctx, async (trx) => {
    await lockUser(trx, ctx.engine, first.buyer_id);
    const payout = await forUpdate(
      trx.selectFrom('payouts').selectAll().where('id', '=', payoutId),
      ctx.engine,
    ).executeTakeFirstOrThrow();
    if (payout.state !== 'PENDING') return; // a notification got there first
    await trx
      .updateTable('payouts')
      .set({ attempts: payout.attempts + 1 })
      .where('id', '=', payout.id)
      .execute();
    // a replacement for a CLOSED payout is sent once this commits (createPayout)
    await applyRefundStatus(trx, ctx, ctx.clock.now(), { ...payout, attempts: payout.attempts + 1 }, status);
  });
  return status.state;
}

/** A verified refund notification from the gateway: applied once, whatever order it comes in. */
export async function applyRefundNotice(
  ctx: PaymentsContext,
  provider: string,
  notice: RefundNotice,
): Promise<'APPLIED' | 'DUPLICATE'> {
  const owner = await ctx.db
    .selectFrom('payouts')
    .select('buyer_id')
    .where('id', '=', notice.outRefundNo)
    .executeTakeFirst();
  const applied = await unitOfWork(ctx, async (trx) => {
    if (owner) await lockUser(trx, ctx.engine, owner.buyer_id);
    const payout = await forUpdate(
      trx.selectFrom('payouts').selectAll().where('id', '=', notice.outRefundNo),
      ctx.engine,
    ).executeTakeFirst();
    if (!payout || payout.provider !== provider)
      fail('payment.notification_mismatch', { params: { reason: 'unknown out_refund_no' } });
    // Rerouted to the balance after an ABNORMAL, and yet the gateway paid it: the buyer got the
    // money twice. Nothing moves automatically (the gateway's money is gone); support recovers it.
    if (
      payout.state === 'CLOSED' &&
      payout.error_code === 'REROUTED_TO_BALANCE' &&
      notice.state === 'SUCCESS'
    ) {
      await raiseAlert(
        trx,
        'PAYOUT_PAID_TWICE',
        { type: 'payout', id: payout.id },
        payout.refund_request_id,
        { provider, amountFen: payout.amount_fen },
        ctx.clock.now(),
      );
      return false;
    }
    // Final states never move again; PROCESSING after a final result is a stale, reordered notice.
    if (
      ['SUCCESS', 'CLOSED'].includes(payout.state) ||
      (notice.state === 'PROCESSING' && payout.state !== 'PENDING')
    )
      return false;
    if (payout.state === notice.state) return false;
    await applyRefundStatus(trx, ctx, ctx.clock.now(), payout, notice);
    return true;
  });
  return applied ? 'APPLIED' : 'DUPLICATE';
}

/** After this many failed submissions a payout is left to support (and an alert is audited). */
export const MAX_SUBMIT_ATTEMPTS = 20;

/**
 * Payouts still PENDING (gateway was down, or the process stopped after deciding): sent again,
 * least recently tried first, so one payout the gateway keeps refusing cannot starve the others.
 * One failure never stops the rest of the sweep.
 */
export async function submitPendingPayouts(ctx: PaymentsContext, limit = 50): Promise<number> {
  const rows = await ctx.db
    .selectFrom('payouts')
    .select('id')
    .where('state', '=', 'PENDING')
    .where('attempts', '<', MAX_SUBMIT_ATTEMPTS)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  let sent = 0;
  for (const r of rows) {
    try {
      if ((await submitPayout(ctx, r.id)) !== 'PENDING') sent++;
    } catch (error) {
      (ctx.log ?? fallbackLogger).error({ err: error, payout: r.id }, 'payout not sent; retried later');
    }
  }
  return sent;
}

/**
 * Asks the gateway about payouts PROCESSING for a while (a notification may have been lost).
 * Each one asked is pushed to the back (its `updated_at` moves), so a bank-card refund that takes
 * days is asked about every `olderThan` interval, and more than `limit` of them are all reached.
 */
export async function reconcileProcessingPayouts(
  ctx: PaymentsContext,
  olderThan: Date,
  limit = 50,
): Promise<void> {
  const rows = await ctx.db
    .selectFrom('payouts')
    .selectAll()
    .where('state', '=', 'PROCESSING')
    .where('updated_at', '<=', now(olderThan))
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  for (const p of rows) {
    try {
      const status =
        p.provider === BALANCE_PROVIDER ? null : await ctx.gateways.get(p.provider).queryRefund(p.id);
      if (status && status.state !== 'PROCESSING') {
        await applyRefundNotice(ctx, p.provider, { type: 'REFUND', ...status });
        continue;
      }
    } catch (error) {
      (ctx.log ?? fallbackLogger).error({ err: error, payout: p.id }, 'payout query failed; retried later');
    }
    await ctx.db
      .updateTable('payouts')
      .set({ updated_at: now(ctx.clock.now()) })
      .where('id', '=', p.id)
      .where('state', '=', 'PROCESSING')
      .execute();
  }
}
