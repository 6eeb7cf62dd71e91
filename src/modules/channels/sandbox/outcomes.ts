/**
 * The outcomes every sandbox trade operation shares, inside its unit of work: queue the message
 * about a change, lock a refund (its order first), finish an order, and settle a refund — agreed
 * (PDD: paid a minute later), paid (closing the order when every unit is back, except a Taobao
 * aftersale refund), or closed.
 */
import { now, type Db } from '../../../platform/db/dialect.js';
import { fail } from '../../../platform/errors.js';
import { queueEvent } from './outbox.js';
import { orderPayload, orderTopic, refundPayload, refundTopic, type RefundChange } from './render.js';
import {
  orderById,
  refundById,
  refundsOf,
  shopById,
  updateOrder,
  updateRefund,
  type DecidedBy,
  type OrderRow,
  type RefundRow,
  type ShopRow,
} from './store.js';

/** PDD pays an agreed refund a moment later (商家/平台同意退款，退款中 → 退款成功). */
export const PDD_PAYOUT_SECONDS = 60;

const later = (at: Date, seconds: number): string => now(new Date(at.getTime() + seconds * 1000));

// ---- messages -------------------------------------------------------------------------------

export async function emitOrder(
  trx: Db,
  shop: ShopRow,
  order: OrderRow,
  at: Date,
  first = false,
): Promise<void> {
  const payload = orderPayload(shop, order, await refundsOf(trx, order.id));
  await queueEvent(
    trx,
    shop,
    order,
    { targetType: 'ORDER', targetId: order.id, topic: orderTopic(shop, order.state), payload, first },
    at,
  );
}

export function emitRefund(
  trx: Db,
  shop: ShopRow,
  order: OrderRow,
  r: RefundRow,
  change: RefundChange,
  at: Date,
): Promise<void> {
  return queueEvent(
    trx,
    shop,
    order,
    {
      targetType: 'REFUND',
      targetId: r.id,
      topic: refundTopic(shop, change),
      payload: refundPayload(shop, r),
    },
    at,
  );
}

/** Locks the refund's order, then the refund (the one lock order of the sandbox). */
export async function lockRefund(
  trx: Db,
  refundId: string,
  shop?: ShopRow,
): Promise<{ shop: ShopRow; order: OrderRow; refund: RefundRow }> {
  const peek = await refundById(trx, refundId);
  if (shop && peek.shop_id !== shop.id) fail('sandbox.channel_refund_not_found');
  const order = await orderById(trx, peek.order_id, true);
  return {
    shop: shop ?? (await shopById(trx, peek.shop_id)),
    order,
    refund: await refundById(trx, refundId, true),
  };
}

export async function finish(trx: Db, shop: ShopRow, order: OrderRow, at: Date): Promise<OrderRow> {
  const next = await updateOrder(
    trx,
    order,
    { state: 'FINISHED', finished_at: now(at), auto_finish_at: null },
    at,
  );
  await emitOrder(trx, shop, next, at);
  return next;
}

// ---- outcomes ---------------------------------------------------------------------------------

export async function agree(
  trx: Db,
  shop: ShopRow,
  order: OrderRow,
  refund: RefundRow,
  by: DecidedBy,
  at: Date,
  extra: Partial<Pick<RefundRow, 'seller_message' | 'answer_out_id'>>,
): Promise<RefundRow> {
  const intervention = refund.intervention === 'APPLIED' ? 'DECIDED' : refund.intervention;
  if (shop.channel !== 'PDD')
    return pay(trx, shop, order, refund, at, { decided_by: by, intervention, ...extra });
  const next = await updateRefund(
    trx,
    refund,
    { state: 'AGREED', decided_by: by, intervention, due_at: later(at, PDD_PAYOUT_SECONDS), ...extra },
    at,
  );
  await emitRefund(trx, shop, order, next, 'AGREED', at);
  return next;
}

export async function pay(
  trx: Db,
  shop: ShopRow,
  order: OrderRow,
  refund: RefundRow,
  at: Date,
  patch: Partial<RefundRow>,
): Promise<RefundRow> {
  const next = await updateRefund(
    trx,
    refund,
    { ...patch, state: 'SUCCESS', due_at: null, finished_at: now(at) },
    at,
  );
  await emitRefund(trx, shop, order, next, 'SUCCESS', at);
  const refunded = order.refunded_quantity + refund.quantity;
  // Taobao: a refund before completion (onsale) of every unit closes the trade; after
  // completion the trade stays finished. PDD and 闲鱼 close an order refunded in full.
  const closes =
    refunded >= order.quantity &&
    order.state !== 'CLOSED' &&
    (shop.channel !== 'TAOBAO' || refund.phase === 'ONSALE');
  const updated = await updateOrder(
    trx,
    order,
    closes
      ? {
          refunded_quantity: refunded,
          state: 'CLOSED',
          closed_at: now(at),
          close_reason: 'REFUNDED',
          auto_finish_at: null,
        }
      : { refunded_quantity: refunded },
    at,
  );
  if (closes) await emitOrder(trx, shop, updated, at);
  return next;
}

export async function close(
  trx: Db,
  shop: ShopRow,
  order: OrderRow,
  refund: RefundRow,
  by: DecidedBy,
  at: Date,
): Promise<RefundRow> {
  const intervention = refund.intervention === 'APPLIED' ? 'DECIDED' : refund.intervention;
  const next = await updateRefund(
    trx,
    refund,
    { state: 'CLOSED', decided_by: by, intervention, due_at: null, finished_at: now(at) },
    at,
  );
  await emitRefund(trx, shop, order, next, 'CLOSED', at);
  return next;
}
