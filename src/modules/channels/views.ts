/** What a merchant sees of its channel orders and their refunds. */
import { z } from 'zod';
import type { UserActor } from '../../platform/actor.js';
import type { ChannelsContext } from './context.js';
import { ownShop } from './shops.js';

export const channelRefundViewSchema = z.object({
  channelRefundId: z.string(),
  status: z.enum(['REQUESTED', 'REFUSED', 'INTERVENING', 'AGREED', 'SUCCESS', 'CLOSED']),
  channelStatus: z.string(),
  quantity: z.number().int(),
  amountFen: z.number().int(),
  reason: z.string(),
  requestId: z.string().nullable(),
  requestState: z.string().nullable(),
  intervened: z.boolean(),
  /** The channel refunded over the merchant's refusal. */
  overridden: z.boolean(),
  answer: z.enum(['AGREE', 'REFUSE']).nullable(),
  answerState: z.enum(['PENDING', 'SENT', 'GAVE_UP']).nullable(),
});

export const channelOrderViewSchema = z.object({
  id: z.string(),
  channelOrderId: z.string(),
  channelStatus: z.string(),
  state: z.enum(['DELIVERED', 'FAILED', 'CLOSED']),
  failureCode: z.string().nullable(),
  orderId: z.string().nullable(),
  orderNo: z.string().nullable(),
  channelItemId: z.string(),
  quantity: z.number().int(),
  totalFen: z.number().int(),
  buyerRef: z.string(),
  deliveryState: z.enum(['PENDING', 'SENT', 'GAVE_UP']),
  createdAt: z.string(),
  refunds: z.array(channelRefundViewSchema),
});
export type ChannelOrderView = z.infer<typeof channelOrderViewSchema>;

export async function channelOrdersOf(
  ctx: ChannelsContext,
  actor: UserActor,
  shopId: string,
): Promise<ChannelOrderView[]> {
  const shop = await ownShop(ctx.db, actor, shopId);
  const rows = await ctx.db
    .selectFrom('channel_orders')
    .leftJoin('orders', 'orders.id', 'channel_orders.order_id')
    .selectAll('channel_orders')
    .select('orders.order_no')
    .where('channel_orders.shop_id', '=', shop.id)
    .orderBy('channel_orders.created_at', 'desc')
    .limit(200)
    .execute();
  const refunds = await ctx.db
    .selectFrom('channel_refunds')
    .leftJoin('refund_requests', 'refund_requests.id', 'channel_refunds.request_id')
    .selectAll('channel_refunds')
    .select('refund_requests.state as request_state')
    .where('channel_refunds.shop_id', '=', shop.id)
    .orderBy('channel_refunds.created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    channelOrderId: r.channel_order_id,
    channelStatus: r.channel_status,
    state: r.state,
    failureCode: r.failure_code,
    orderId: r.order_id,
    orderNo: r.order_no,
    channelItemId: r.channel_item_id,
    quantity: r.quantity,
    totalFen: r.total_fen,
    buyerRef: r.buyer_ref,
    deliveryState: r.delivery_state,
    createdAt: r.created_at,
    refunds: refunds
      .filter((f) => f.channel_order_id === r.channel_order_id)
      .map((f) => ({
        channelRefundId: f.channel_refund_id,
        status: f.status,
        channelStatus: f.channel_status,
        quantity: f.quantity,
        amountFen: f.amount_fen,
        reason: f.reason,
        requestId: f.request_id,
        requestState: f.request_state,
        intervened: f.intervened === 1,
        overridden: f.overridden === 1,
        answer: f.answer,
        answerState: f.answer_state,
      })),
  }));
}
