/**
 * How each sandbox channel writes its records: the sandbox's own states (PAID/SHIPPED/…,
 * WAIT_SELLER/REFUSED/…) become the channel's words — TOP trade and refund statuses with
 * cs_status, PDD order_status/refund_status and after_sales_status numbers, 闲管家
 * order_status/refund_status — and its message topics. Used for API answers, polling, TMC content
 * and pushes alike, so every path tells the same story.
 */
import { createHash } from 'node:crypto';
import { beijingTime, unixSeconds, yuan } from '../connectors/sign.js';
import type {
  PddOrder,
  PddRefund,
  TopRefund,
  TopTrade,
  XianyuOrder,
  XianyuRefund,
} from '../connectors/wire.js';
import { isOpen, type OrderRow, type RefundRow, type ShopRow } from './store.js';

const at = (iso: string): Date => new Date(iso);
const opt = <T>(iso: string | null, f: (d: Date) => T): T | null => (iso === null ? null : f(at(iso)));

/** A stable opaque buyer id per shop (the channels hand out open ids, never the person). */
export function buyerOpenId(shop: ShopRow, nick: string): string {
  const h = createHash('sha256').update(`${shop.channel}:${shop.seller_id}:${nick}`).digest('base64url');
  return shop.channel === 'TAOBAO' ? `AAH${h.slice(0, 21)}` : h.slice(0, 24);
}

/** Nicks are masked as the channels show them: first and last character. */
export function maskNick(nick: string): string {
  const chars = [...nick];
  return chars.length <= 2 ? `${chars[0] ?? ''}*` : `${chars[0]}**${chars[chars.length - 1]}`;
}

// ---- Taobao ---------------------------------------------------------------------------------

const TOP_TRADE_STATUS: Record<OrderRow['state'], TopTrade['status']> = {
  PAID: 'WAIT_SELLER_SEND_GOODS',
  SHIPPED: 'WAIT_BUYER_CONFIRM_GOODS',
  FINISHED: 'TRADE_FINISHED',
  CLOSED: 'TRADE_CLOSED',
};

export function topTrade(shop: ShopRow, o: OrderRow): TopTrade {
  return {
    tid: o.id,
    status: TOP_TRADE_STATUS[o.state],
    buyer_nick: maskNick(o.buyer_nick),
    buyer_open_uid: buyerOpenId(shop, o.buyer_nick),
    payment: yuan(o.total_fen),
    pay_time: beijingTime(at(o.paid_at)),
    modified: beijingTime(at(o.modified_at)),
    orders: {
      order: [
        { oid: o.id, num_iid: o.item_id, title: o.title, num: o.quantity, price: yuan(o.unit_price_fen) },
      ],
    },
  };
}

function topRefundStatus(r: RefundRow): TopRefund['status'] {
  switch (r.state) {
    case 'WAIT_SELLER':
      return 'WAIT_SELLER_AGREE';
    case 'REFUSED':
      return 'SELLER_REFUSE_BUYER';
    case 'AGREED':
    case 'SUCCESS':
      return 'SUCCESS'; // Taobao pays 仅退款 refunds at once: there is no "agreed, paying" stop
    case 'CLOSED':
      return 'CLOSED';
  }
}

const CS_STATUS: Record<RefundRow['intervention'], number> = { NONE: 1, APPLIED: 2, DECIDED: 6 };

export function topRefund(r: RefundRow): TopRefund {
  return {
    refund_id: r.id,
    tid: r.order_id,
    oid: r.order_id,
    status: topRefundStatus(r),
    cs_status: CS_STATUS[r.intervention],
    refund_phase: r.phase === 'AFTERSALE' ? 'aftersale' : 'onsale',
    refund_fee: yuan(r.amount_fen),
    num: r.quantity,
    reason: r.reason,
    refund_version: r.version,
    created: beijingTime(at(r.created_at)),
    modified: beijingTime(at(r.modified_at)),
    decided_by: r.decided_by,
  };
}

/** TMC topics (checked against the topic catalogue of the public tmc.js typings). */
export const TOP_TRADE_TOPIC: Record<OrderRow['state'], string> = {
  PAID: 'taobao_trade_TradeBuyerPay',
  SHIPPED: 'taobao_trade_TradeSellerShip',
  FINISHED: 'taobao_trade_TradeSuccess',
  CLOSED: 'taobao_trade_TradeClose',
};

// ---- Pinduoduo ------------------------------------------------------------------------------

function pddAfterSalesStatus(r: RefundRow): number {
  switch (r.state) {
    case 'WAIT_SELLER':
      return 2;
    case 'REFUSED':
      return r.intervention === 'APPLIED' ? 8 : 6;
    case 'AGREED':
      return r.decided_by === 'SELLER' ? 4 : 5;
    case 'SUCCESS':
      return 10;
    case 'CLOSED':
      return r.decided_by === 'CHANNEL' ? 9 : r.decided_by === 'TIMEOUT' ? 12 : 11;
  }
}

export function pddRefund(r: RefundRow): PddRefund {
  return {
    id: r.id,
    order_sn: r.order_id,
    after_sales_status: pddAfterSalesStatus(r),
    after_sales_type: 2, // 仅退款: virtual goods are never sent back
    refund_amount: yuan(r.amount_fen),
    goods_number: String(r.quantity),
    after_sale_reason: r.reason,
    created_time: beijingTime(at(r.created_at)),
    updated_time: beijingTime(at(r.modified_at)),
    decided_by: r.decided_by,
  };
}

export function pddOrder(shop: ShopRow, o: OrderRow, refunds: readonly RefundRow[]): PddOrder {
  const open = refunds.find(isOpen);
  const refundStatus =
    o.close_reason === 'REFUNDED' || o.close_reason === 'DELIVERY_FAILED'
      ? 4
      : open
        ? open.state === 'AGREED'
          ? 3
          : 2
        : 1;
  const orderStatus = o.state === 'FINISHED' ? 3 : o.shipped_at !== null ? 2 : 1;
  return {
    order_sn: o.id,
    order_status: orderStatus,
    refund_status: refundStatus,
    pay_amount: yuan(o.total_fen),
    confirm_time: opt(o.paid_at, beijingTime),
    updated_at: beijingTime(at(o.modified_at)),
    buyer_open_id: buyerOpenId(shop, o.buyer_nick),
    item_list: [
      {
        goods_id: o.item_id,
        goods_name: o.title,
        goods_count: o.quantity,
        goods_price: yuan(o.unit_price_fen),
      },
    ],
  };
}

/** PDD message-service topics, named as PDD names them after Taobao's (pdd_trade_*, pdd_refund_*). */
export const PDD_TRADE_TOPIC: Record<OrderRow['state'], string> = {
  PAID: 'pdd_trade_TradeConfirmed',
  SHIPPED: 'pdd_trade_TradeSellerShip',
  FINISHED: 'pdd_trade_TradeSuccess',
  CLOSED: 'pdd_trade_TradeClose',
};

// ---- 闲鱼 ------------------------------------------------------------------------------------

function xianyuRefundStatus(r: RefundRow): number {
  switch (r.state) {
    case 'WAIT_SELLER':
    case 'AGREED':
      return 1;
    case 'REFUSED':
      return 6;
    case 'SUCCESS':
      return 5;
    case 'CLOSED':
      return 4;
  }
}

export function xianyuRefund(r: RefundRow): XianyuRefund {
  return {
    refund_no: r.id,
    order_no: r.order_id,
    refund_status: xianyuRefundStatus(r),
    refund_num: r.quantity,
    refund_amount: r.amount_fen,
    reason: r.reason,
    platform_intervene: r.intervention === 'APPLIED',
    apply_time: unixSeconds(at(r.created_at)),
    update_time: unixSeconds(at(r.modified_at)),
    decided_by: r.decided_by,
  };
}

export function xianyuOrder(shop: ShopRow, o: OrderRow, refunds: readonly RefundRow[]): XianyuOrder {
  const status = { PAID: 12, SHIPPED: 21, FINISHED: 22, CLOSED: o.close_reason === 'REFUNDED' ? 23 : 24 }[
    o.state
  ];
  return {
    order_no: o.id,
    order_status: status,
    item_id: o.item_id,
    item_title: o.title,
    item_price: o.unit_price_fen,
    quantity: o.quantity,
    total_amount: o.total_fen,
    buyer_eid: buyerOpenId(shop, o.buyer_nick),
    pay_time: unixSeconds(at(o.paid_at)),
    update_time: unixSeconds(at(o.modified_at)),
    refunds: refunds.map(xianyuRefund),
  };
}

// ---- refund topics (one per kind of change) --------------------------------------------------

export type RefundChange = 'CREATED' | 'REFUSED' | 'AGREED' | 'SUCCESS' | 'CLOSED' | 'INTERVENTION';

const TOP_REFUND_TOPIC: Record<RefundChange, string> = {
  CREATED: 'taobao_refund_RefundCreated',
  REFUSED: 'taobao_refund_RefundSellerRefuseAgreement',
  AGREED: 'taobao_refund_RefundSellerAgreeAgreement',
  SUCCESS: 'taobao_refund_RefundSuccess',
  CLOSED: 'taobao_refund_RefundClosed',
  INTERVENTION: 'taobao_refund_TaobaoInterApplied',
};
const PDD_REFUND_TOPIC: Record<RefundChange, string> = {
  CREATED: 'pdd_refund_RefundCreated',
  REFUSED: 'pdd_refund_RefundSellerRefuseAgreement',
  AGREED: 'pdd_refund_RefundAgreeAgreement',
  SUCCESS: 'pdd_refund_RefundSuccess',
  CLOSED: 'pdd_refund_RefundClosed',
  INTERVENTION: 'pdd_refund_RefundPlatformIntervene',
};

export function refundTopic(shop: ShopRow, change: RefundChange): string {
  if (shop.channel === 'TAOBAO') return TOP_REFUND_TOPIC[change];
  if (shop.channel === 'PDD') return PDD_REFUND_TOPIC[change];
  return `refund.${change.toLowerCase()}`;
}

export function orderTopic(shop: ShopRow, state: OrderRow['state']): string {
  if (shop.channel === 'TAOBAO') return TOP_TRADE_TOPIC[state];
  if (shop.channel === 'PDD') return PDD_TRADE_TOPIC[state];
  return `order.${state.toLowerCase()}`;
}

/** The message body of an order change, as this channel carries it. */
export function orderPayload(shop: ShopRow, o: OrderRow, refunds: readonly RefundRow[]): unknown {
  if (shop.channel === 'TAOBAO') return topTrade(shop, o);
  if (shop.channel === 'PDD') return pddOrder(shop, o, refunds);
  return { notify_type: 'order', authorize_id: shop.seller_id, data: xianyuOrder(shop, o, refunds) };
}

export function refundPayload(shop: ShopRow, r: RefundRow): unknown {
  if (shop.channel === 'TAOBAO') return topRefund(r);
  if (shop.channel === 'PDD') return pddRefund(r);
  return { notify_type: 'refund', authorize_id: shop.seller_id, data: xianyuRefund(r) };
}
