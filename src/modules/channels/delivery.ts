/**
 * Delivery confirmed to the channel (spec §11), after the order's unit of work committed: the
 * local row first (delivery_state PENDING), then the channel call with that row's id as its
 * idempotency key; a failure leaves the row PENDING for the sweeper to send again, and after
 * MAX_ATTEMPTS it is given up with an audit event for the merchant and support.
 */
import { now } from '../../platform/db/dialect.js';
import { DomainError } from '../../platform/errors.js';
import { sendEach, sendFailed } from './resend.js';
import { channelActor } from '../aftersales/index.js';
import type { ChannelsContext } from './context.js';
import { shopRef } from './shops.js';

const FAILURE_TEXT: Record<string, string> = {
  'inventory.out_of_stock': '库存不足，无法发货',
  'channel.item_not_mapped': '商品未关联卡盟货源',
  'catalog.product_not_found': '货源商品不存在',
  'merchant.suspended': '商家已被暂停',
  'channel.order_unsupported': '暂不支持多商品订单',
};

/** The text the channel buyer receives: where and how to get the keys — never the keys. */
export function deliveryMessage(publicUrl: string, token: string, orderNo: string, code: string): string {
  return `卡密已发放，请打开提取链接查看：${publicUrl}/k/${token} （或在 ${publicUrl}/lookup 输入订单号 ${orderNo} 与提取码 ${code}）。拆封（查看）后卡密视为已交付，请勿泄露提取码。`;
}

export async function sendDelivery(
  ctx: ChannelsContext,
  rowId: string,
): Promise<'SENT' | 'PENDING' | 'GAVE_UP'> {
  const row = await ctx.db
    .selectFrom('channel_orders')
    .selectAll()
    .where('id', '=', rowId)
    .executeTakeFirstOrThrow();
  if (row.delivery_state !== 'PENDING') return row.delivery_state;
  const shop = await ctx.db
    .selectFrom('channel_shops')
    .selectAll()
    .where('id', '=', row.shop_id)
    .executeTakeFirstOrThrow();
  let message = '';
  if (row.state === 'DELIVERED' && row.lookup_sealed && row.order_id) {
    const { token, code } = JSON.parse(
      (await ctx.vault.openBlob(ctx.db, `channel-lookup:${row.id}`, row.lookup_sealed)).toString('utf8'),
    ) as { token: string; code: string };
    const order = await ctx.db
      .selectFrom('orders')
      .select('order_no')
      .where('id', '=', row.order_id)
      .executeTakeFirstOrThrow();
    message = deliveryMessage(ctx.config.publicUrl ?? '', token, order.order_no, code);
  }
  try {
    await ctx.connectors[shop.channel].confirmDelivery(await shopRef(ctx, shop), {
      channelOrderId: row.channel_order_id,
      outId: row.id,
      ok: row.state === 'DELIVERED',
      message,
      failReason: row.failure_code ? (FAILURE_TEXT[row.failure_code] ?? row.failure_code) : null,
    });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return sendFailed(ctx, {
      attemptsBefore: row.delivery_attempts,
      error,
      actor: channelActor(shop.channel),
      objectType: 'channel_order',
      objectId: row.id,
      gaveUpAction: 'channel_order.delivery_gave_up',
      record: async (trx, f) => {
        await trx
          .updateTable('channel_orders')
          .set({
            delivery_attempts: f.attempts,
            delivery_error: error.code,
            delivery_state: f.state,
            updated_at: now(f.at),
          })
          .where('id', '=', row.id)
          .where('delivery_state', '=', 'PENDING')
          .execute();
      },
    });
  }
  await ctx.db
    .updateTable('channel_orders')
    .set({
      delivery_state: 'SENT',
      delivery_error: null,
      delivery_attempts: row.delivery_attempts + 1,
      updated_at: now(ctx.clock.now()),
    })
    .where('id', '=', row.id)
    .execute();
  return 'SENT';
}

/** Deliveries still PENDING (channel was down, or the process stopped): sent again, oldest try first. */
export async function resendDeliveries(ctx: ChannelsContext, limit = 50): Promise<number> {
  const rows = await ctx.db
    .selectFrom('channel_orders')
    .select('id')
    .where('delivery_state', '=', 'PENDING')
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return sendEach(
    ctx,
    rows.map((r) => r.id),
    (id) => sendDelivery(ctx, id),
    'channel delivery',
  );
}
