/**
 * Escrow settlement (spec §4): a delivered order's money moves to the merchant once the refund
 * window and the quality-claim period have passed (the SETTLEMENT deadline set at delivery), less
 * the merchant's commission rate. Stage 4 holds it back while an after-sales request is open.
 */
import { systemActor, type Actor } from '../../platform/actor.js';
import type { DeadlineHandlers } from '../../platform/sweeper.js';
import { forUpdate, now, type Db, type Engine } from '../../platform/db/dialect.js';
import { OPEN_REFUND_STATES, type Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { appendAudit } from '../../platform/audit.js';
import { postSettlement } from './flows.js';
import { committedPayoutsFen } from './payouts.js';

/** How long a settlement held back by an open request waits before it is looked at again. */
const HOLD_MS = 3_600_000;

/** Commission in whole fen, rounded down (the merchant never pays a fraction more). */
export const commissionOf = (amountFen: number, bp: number): number => Math.floor((amountFen * bp) / 10_000);

/**
 * The SETTLEMENT deadline fired. Returns when to look again if an open request holds the money.
 */
export async function settleOrder(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  deadline: Pick<Row<'deadlines'>, 'id' | 'object_id'>,
): Promise<void | { retryAt: Date }> {
  const order = await forUpdate(
    trx.selectFrom('orders').selectAll().where('id', '=', deadline.object_id),
    c.engine,
  ).executeTakeFirstOrThrow();
  // Spec §4: not while an after-sales request or dispute on the order is open — the deadline
  // moves on by an hour and is tried again (the request's end does not need to remember it).
  const open = await trx
    .selectFrom('refund_requests')
    .select('id')
    .where('order_id', '=', order.id)
    .where('state', 'in', [...OPEN_REFUND_STATES])
    .executeTakeFirst();
  if (open && order.settled_at === null) return { retryAt: new Date(c.at.getTime() + HOLD_MS) };
  if (order.state === 'DELIVERED' && order.settled_at === null && order.merchant_id) {
    // What was paid back (or is on its way back) is not the merchant's.
    const amount = order.total_fen - (await committedPayoutsFen(trx, { orderId: order.id }));
    const bp =
      order.commission_bp ??
      (
        await trx
          .selectFrom('merchants')
          .select('commission_bp')
          .where('id', '=', order.merchant_id)
          .executeTakeFirstOrThrow()
      ).commission_bp;
    const commission = commissionOf(amount, bp);
    if (amount > 0)
      await postSettlement(
        trx,
        c.actor,
        c.at,
        { ...order, merchant_id: order.merchant_id },
        amount,
        commission,
      );
    const res = await trx
      .updateTable('orders')
      .set({
        settled_at: now(c.at),
        commission_fen: commission,
        version: order.version + 1,
        updated_at: now(c.at),
      })
      .where('id', '=', order.id)
      .where('version', '=', order.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) fail('request.conflict');
    await appendAudit(trx, {
      actor: c.actor,
      action: 'order.settled',
      objectType: 'order',
      objectId: order.id,
      data: { amountFen: amount, commissionFen: commission, commissionBp: bp },
      at: c.at,
    });
  }
}

/** SETTLEMENT, for the sweeper (wired in app.ts). */
export function paymentDeadlines(ctx: { engine: Engine }): DeadlineHandlers {
  return {
    SETTLEMENT: {
      fire: (trx, d, at) => settleOrder(trx, { actor: systemActor('sweeper'), at, engine: ctx.engine }, d),
    },
  };
}
