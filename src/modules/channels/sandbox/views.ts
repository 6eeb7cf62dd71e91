/**
 * What the sandbox shop pages show: shops, items, orders with their refunds, and messages, each
 * with the channel's own raw status words next to the sandbox's, and the delivery message Kameng
 * sent to the buyer.
 */
import { PDD_AFTER_SALES_LABELS, XIANYU_ORDER_LABELS, XIANYU_REFUND_LABELS } from '../connectors/wire.js';
import type { ChannelKind } from '../connector.js';
import { pddOrder, pddRefund, topRefund, topTrade, xianyuOrder, xianyuRefund } from './render.js';
import {
  settingsOf,
  type ItemRow,
  type MessageRow,
  type OrderRow,
  type RefundRow,
  type ShopRow,
  type ShopSettings,
} from './store.js';

const d = (iso: string): Date => new Date(iso);
const od = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

export interface SandboxShopView {
  id: string;
  channel: ChannelKind;
  name: string;
  sellerId: string;
  appKey: string;
  ownerUserId: string | null;
  notifyUrl: string | null;
  subscribedAt: Date | null;
  settings: ShopSettings;
  createdAt: Date;
}

export interface SandboxItemView {
  id: string;
  shopId: string;
  title: string;
  priceFen: number;
  createdAt: Date;
}

export interface SandboxRefundView {
  id: string;
  orderId: string;
  quantity: number;
  amountFen: number;
  reason: string;
  state: RefundRow['state'];
  rawStatus: string;
  intervention: RefundRow['intervention'];
  phase: RefundRow['phase'];
  decidedBy: RefundRow['decided_by'];
  sellerMessage: string | null;
  checkState: RefundRow['check_state'];
  checkMessage: string | null;
  dueAt: Date | null;
  createdAt: Date;
  modifiedAt: Date;
  finishedAt: Date | null;
}

export interface SandboxOrderView {
  id: string;
  shopId: string;
  channel: ChannelKind;
  itemId: string;
  title: string;
  quantity: number;
  unitPriceFen: number;
  totalFen: number;
  buyerNick: string;
  profile: string;
  state: OrderRow['state'];
  rawStatus: string;
  refundedQuantity: number;
  closeReason: string | null;
  paidAt: Date;
  shippedAt: Date | null;
  finishedAt: Date | null;
  closedAt: Date | null;
  autoFinishAt: Date | null;
  /** What Kameng sent when it shipped (the lookup link and code), or why it could not deliver. */
  delivery: {
    ok: boolean;
    message: string | null;
    failReason: string | null;
    outId: string | null;
    at: Date | null;
  } | null;
  modifiedAt: Date;
  refunds: SandboxRefundView[];
}

export interface SandboxMessageView {
  id: string;
  shopId: string;
  kind: MessageRow['kind'];
  topic: string;
  targetType: MessageRow['target_type'];
  targetId: string;
  orderId: string;
  state: MessageRow['state'];
  attempts: number;
  copyOf: string | null;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastReply: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /** The message body as the channel sends it (TMC content, push data, 二次校验 request). */
  payload: string;
}

export const shopView = (s: ShopRow): SandboxShopView => ({
  id: s.id,
  channel: s.channel,
  name: s.name,
  sellerId: s.seller_id,
  appKey: s.app_key,
  ownerUserId: s.owner_user_id,
  notifyUrl: s.notify_url,
  subscribedAt: od(s.subscribed_at),
  settings: settingsOf(s),
  createdAt: d(s.created_at),
});

export const itemView = (i: ItemRow): SandboxItemView => ({
  id: i.id,
  shopId: i.shop_id,
  title: i.title,
  priceFen: i.price_fen,
  createdAt: d(i.created_at),
});

function refundRaw(shop: ShopRow, r: RefundRow): string {
  switch (shop.channel) {
    case 'TAOBAO': {
      const t = topRefund(r);
      return t.cs_status === 1 ? t.status : `${t.status} (cs_status=${t.cs_status})`;
    }
    case 'PDD': {
      const n = pddRefund(r).after_sales_status;
      return `${n} ${PDD_AFTER_SALES_LABELS[n] ?? ''}`.trim();
    }
    case 'XIANYU': {
      const x = xianyuRefund(r);
      return `${x.refund_status} ${XIANYU_REFUND_LABELS[x.refund_status] ?? ''}${x.platform_intervene ? ' (平台介入)' : ''}`;
    }
  }
}

function orderRaw(shop: ShopRow, o: OrderRow, refunds: readonly RefundRow[]): string {
  switch (shop.channel) {
    case 'TAOBAO':
      return topTrade(shop, o).status;
    case 'PDD': {
      const p = pddOrder(shop, o, refunds);
      return `order_status=${p.order_status} refund_status=${p.refund_status}`;
    }
    case 'XIANYU': {
      const n = xianyuOrder(shop, o, refunds).order_status;
      return `${n} ${XIANYU_ORDER_LABELS[n] ?? ''}`.trim();
    }
  }
}

export const refundView = (shop: ShopRow, r: RefundRow): SandboxRefundView => ({
  id: r.id,
  orderId: r.order_id,
  quantity: r.quantity,
  amountFen: r.amount_fen,
  reason: r.reason,
  state: r.state,
  rawStatus: refundRaw(shop, r),
  intervention: r.intervention,
  phase: r.phase,
  decidedBy: r.decided_by,
  sellerMessage: r.seller_message,
  checkState: r.check_state,
  checkMessage: r.check_message,
  dueAt: od(r.due_at),
  createdAt: d(r.created_at),
  modifiedAt: d(r.modified_at),
  finishedAt: od(r.finished_at),
});

export const orderView = (shop: ShopRow, o: OrderRow, refunds: readonly RefundRow[]): SandboxOrderView => ({
  id: o.id,
  shopId: o.shop_id,
  channel: shop.channel,
  itemId: o.item_id,
  title: o.title,
  quantity: o.quantity,
  unitPriceFen: o.unit_price_fen,
  totalFen: o.total_fen,
  buyerNick: o.buyer_nick,
  profile: o.profile,
  state: o.state,
  rawStatus: orderRaw(shop, o, refunds),
  refundedQuantity: o.refunded_quantity,
  closeReason: o.close_reason,
  paidAt: d(o.paid_at),
  shippedAt: od(o.shipped_at),
  finishedAt: od(o.finished_at),
  closedAt: od(o.closed_at),
  autoFinishAt: od(o.auto_finish_at),
  delivery:
    o.delivery_ok === null
      ? null
      : {
          ok: o.delivery_ok === 1,
          message: o.delivery_message,
          failReason: o.delivery_fail_reason,
          outId: o.delivery_out_id,
          at: od(o.delivered_at),
        },
  modifiedAt: d(o.modified_at),
  refunds: refunds.map((r) => refundView(shop, r)),
});

export const messageView = (m: MessageRow): SandboxMessageView => ({
  id: m.id,
  shopId: m.shop_id,
  kind: m.kind,
  topic: m.topic,
  targetType: m.target_type,
  targetId: m.target_id,
  orderId: m.order_id,
  state: m.state,
  attempts: m.attempts,
  copyOf: m.copy_of,
  nextAttemptAt: d(m.next_attempt_at),
  lastStatus: m.last_status,
  lastReply: m.last_reply,
  createdAt: d(m.created_at),
  deliveredAt: od(m.delivered_at),
  payload: m.payload,
});
