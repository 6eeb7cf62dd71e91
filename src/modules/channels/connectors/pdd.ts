/**
 * Pinduoduo through its router (`type`, `client_id`, `access_token`, Unix `timestamp`,
 * `data_type=JSON`, MD5 `sign`). Orders and refunds are pushed (a JSON body signed with the same
 * MD5 scheme over client_id, mall_id, type, timestamp and content) and polled with
 * `pdd.order.number.list.increment.get` / `pdd.refund.list.increment.get` (at most 30 minutes per
 * call). Virtual delivery is confirmed with `pdd.virtual.mobile.charge.notify` SUCCESS or FAIL
 * (FAIL: PDD refunds the buyer and the order closes); answers are `pdd.refund.agree` /
 * `pdd.refund.refuse`. after_sales_status numbers are PDD's (wire.ts).
 */
import { fail } from '../../../platform/errors.js';
import type {
  ChannelConnector,
  ChannelEvent,
  ChannelOrderEvent,
  ChannelOrderStatus,
  ChannelRefundEvent,
  ChannelRefundStatus,
  DeliveryConfirmation,
  IncomingPush,
  PulledMessage,
  PushAck,
  RefundAnswer,
  RefundCheck,
  ShopCredentials,
  ShopRef,
} from '../connector.js';
import { badResponse, forged, PUSH_WINDOW_SECONDS, sendJson, windows, type ConnectorDeps } from './http.js';
import {
  fenOfYuan,
  floorSecond,
  formBody,
  fromUnixSeconds,
  isRecord,
  md5ParamSign,
  parseBeijingTime,
  parseJson,
  signaturesMatch,
  unixSeconds,
} from './sign.js';
import {
  PDD_AFTER_SALES_LABELS,
  pddErrorSchema,
  pddOrderSchema,
  pddPushSchema,
  pddRefundSchema,
  type PddOrder,
  type PddRefund,
} from './wire.js';

export const PDD_TOPICS = [
  'pdd_trade_TradeConfirmed',
  'pdd_trade_TradeSellerShip',
  'pdd_trade_TradeSuccess',
  'pdd_trade_TradeClose',
  'pdd_refund_RefundCreated',
  'pdd_refund_RefundAgreeAgreement',
  'pdd_refund_RefundSellerRefuseAgreement',
  'pdd_refund_RefundPlatformIntervene',
  'pdd_refund_RefundSuccess',
  'pdd_refund_RefundClosed',
] as const;

const SPAN_MS = 30 * 60_000;
const PAGE_SIZE = 100;

export function pddOrderEvent(o: PddOrder): ChannelOrderEvent | null {
  const modifiedAt = parseBeijingTime(o.updated_at);
  const totalFen = fenOfYuan(o.pay_amount);
  if (!modifiedAt || totalFen === null) return null;
  // refund_status 4 (退款成功) on the order: refunded in full (or PDD refunded a failed delivery).
  const byStatus: Record<number, ChannelOrderStatus> = { 1: 'PAID', 2: 'SHIPPED', 3: 'FINISHED' };
  const status = o.refund_status === 4 ? 'CLOSED' : byStatus[o.order_status];
  if (!status) return null;
  return {
    type: 'ORDER',
    channelOrderId: o.order_sn,
    status,
    rawStatus: `order_status=${o.order_status}/refund_status=${o.refund_status}`,
    lines: o.item_list.map((i) => ({
      channelItemId: i.goods_id,
      title: i.goods_name,
      quantity: i.goods_count,
      unitPriceFen: fenOfYuan(i.goods_price) ?? 0,
    })),
    totalFen,
    buyerRef: o.buyer_open_id,
    paidAt: parseBeijingTime(o.confirm_time),
    modifiedAt,
  };
}

const REFUND_STATUS: Record<number, ChannelRefundStatus> = {
  2: 'REQUESTED',
  3: 'REQUESTED',
  4: 'AGREED',
  5: 'AGREED',
  6: 'REFUSED',
  7: 'AGREED',
  8: 'INTERVENING',
  9: 'CLOSED',
  10: 'SUCCESS',
  11: 'CLOSED',
  12: 'CLOSED',
  13: 'CLOSED',
};

export function pddRefundEvent(r: PddRefund): ChannelRefundEvent | null {
  const status = REFUND_STATUS[r.after_sales_status];
  const modifiedAt = parseBeijingTime(r.updated_time);
  const amountFen = fenOfYuan(r.refund_amount);
  const quantity = Number(r.goods_number);
  if (!status || !modifiedAt || amountFen === null || !Number.isSafeInteger(quantity) || quantity < 1)
    return null;
  return {
    type: 'REFUND',
    channelRefundId: r.id,
    channelOrderId: r.order_sn,
    status,
    rawStatus: `${r.after_sales_status} ${PDD_AFTER_SALES_LABELS[r.after_sales_status] ?? ''}`.trim(),
    quantity,
    amountFen,
    reason: r.after_sale_reason,
    decidedBy: r.decided_by,
    phase: null,
    modifiedAt,
  };
}

export class PddConnector implements ChannelConnector {
  readonly channel = 'PDD' as const;

  constructor(
    private readonly deps: ConnectorDeps,
    private readonly url: string,
  ) {}

  private async call(
    creds: ShopCredentials,
    type: string,
    biz: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const params: Record<string, string> = {
      type,
      client_id: creds.appKey,
      access_token: creds.sessionKey ?? '',
      timestamp: String(unixSeconds(this.deps.clock.now())),
      data_type: 'JSON',
      ...biz,
    };
    const body = await sendJson(this.deps.transport, {
      channel: 'PDD',
      method: 'POST',
      url: this.url,
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: formBody({ ...params, sign: md5ParamSign(params, creds.appSecret) }),
    });
    if (!isRecord(body)) return badResponse('not an object');
    if (body.error_response !== undefined) {
      const e = pddErrorSchema.safeParse(body.error_response);
      if (!e.success) return badResponse('unreadable error_response');
      const { error_code: code, error_msg: msg } = e.data;
      if (code >= 10016 && code <= 10019)
        fail('channel.credentials_rejected', { params: { msg: `${code} ${msg}` } });
      if (code >= 50000) fail('channel.unavailable');
      fail('channel.rejected', { params: { code: String(code), msg } });
    }
    return body;
  }

  async subscribe(shop: Omit<ShopRef, 'channelShopId'>, notifyUrl: string) {
    const res = await this.call(shop.credentials, 'pdd.mall.info.get', {});
    const mall = isRecord(res.mall_info_get_response)
      ? res.mall_info_get_response
      : badResponse('no mall_info_get_response');
    if (
      (typeof mall.mall_id !== 'string' && typeof mall.mall_id !== 'number') ||
      typeof mall.mall_name !== 'string'
    )
      return badResponse('mall without id or name');
    await this.call(shop.credentials, 'pdd.pmc.user.permit', {
      topics: PDD_TOPICS.join(','),
      notify_url: notifyUrl,
    });
    return { channelShopId: String(mall.mall_id), shopName: mall.mall_name };
  }

  /** Checks client id, shop, timestamp window and signature before reading the content. */
  verifyPush(shop: ShopRef, push: IncomingPush, now: Date): ChannelEvent[] {
    const p = pddPushSchema.safeParse(parseJson(push.rawBody));
    if (!p.success) return forged('not a PDD message');
    const { sign, ...fields } = p.data;
    if (fields.client_id !== shop.credentials.appKey) return forged('unknown client_id');
    if (fields.mall_id !== shop.channelShopId) return forged('another mall');
    const sentAt = fromUnixSeconds(fields.timestamp);
    if (!sentAt || Math.abs(sentAt.getTime() - now.getTime()) > PUSH_WINDOW_SECONDS * 1000)
      return forged('timestamp outside the window');
    const signed = {
      client_id: fields.client_id,
      mall_id: fields.mall_id,
      type: fields.type,
      timestamp: fields.timestamp,
      content: fields.content,
    };
    if (!signaturesMatch(sign, md5ParamSign(signed, shop.credentials.appSecret)))
      return forged('bad signature');
    const content = parseJson(fields.content);
    if (fields.type.startsWith('pdd_trade_')) {
      const o = pddOrderSchema.safeParse(content);
      const e = o.success ? pddOrderEvent(o.data) : null;
      return e ? [e] : forged('unreadable order');
    }
    if (fields.type.startsWith('pdd_refund_')) {
      const r = pddRefundSchema.safeParse(content);
      const e = r.success ? pddRefundEvent(r.data) : null;
      return e ? [e] : forged('unreadable refund');
    }
    return []; // a topic Kameng does not use: acknowledged, nothing to do
  }

  ack(ok: boolean): PushAck {
    return {
      status: ok ? 200 : 400,
      contentType: 'application/json',
      body: JSON.stringify(ok ? { success: true } : { success: false, error_msg: 'rejected' }),
    };
  }

  async consume(): Promise<PulledMessage[]> {
    return [];
  }

  async confirm(): Promise<void> {}

  async confirmDelivery(shop: ShopRef, input: DeliveryConfirmation): Promise<void> {
    await this.call(shop.credentials, 'pdd.virtual.mobile.charge.notify', {
      order_sn: input.channelOrderId,
      outer_order_sn: input.outId,
      status: input.ok ? 'SUCCESS' : 'FAIL',
      charge_message: input.message,
      ...(input.failReason ? { fail_reason: input.failReason } : {}),
    });
  }

  async answerRefund(shop: ShopRef, input: RefundAnswer): Promise<void> {
    await this.call(shop.credentials, input.agree ? 'pdd.refund.agree' : 'pdd.refund.refuse', {
      after_sales_id: input.channelRefundId,
      order_sn: input.channelOrderId,
      operate_desc: input.message,
      out_id: input.outId,
    });
  }

  async listChanged(shop: ShopRef, from: Date, to: Date): Promise<ChannelEvent[]> {
    const events: ChannelEvent[] = [];
    for (const [start, end] of windows(floorSecond(from), floorSecond(to), SPAN_MS)) {
      const range = {
        start_updated_at: String(unixSeconds(start)),
        end_updated_at: String(unixSeconds(end)),
        page_size: String(PAGE_SIZE),
      };
      for (let page = 1; ; page++) {
        const res = await this.call(shop.credentials, 'pdd.order.number.list.increment.get', {
          ...range,
          page: String(page),
          order_status: '5',
          refund_status: '5',
          is_lucky_flag: '0',
          use_has_next: 'true',
        });
        const body = isRecord(res.order_sn_increment_get_response)
          ? res.order_sn_increment_get_response
          : badResponse('orders');
        for (const o of Array.isArray(body.order_sn_list) ? body.order_sn_list : []) {
          const parsed = pddOrderSchema.safeParse(o);
          const e = parsed.success ? pddOrderEvent(parsed.data) : badResponse('order');
          if (e) events.push(e);
        }
        if (body.has_next !== true) break;
      }
      for (let page = 1; ; page++) {
        const res = await this.call(shop.credentials, 'pdd.refund.list.increment.get', {
          ...range,
          page: String(page),
          after_sales_status: '1',
          after_sales_type: '1',
        });
        const body = isRecord(res.refund_increment_get_response)
          ? res.refund_increment_get_response
          : badResponse('refunds');
        for (const r of Array.isArray(body.refund_list) ? body.refund_list : []) {
          const parsed = pddRefundSchema.safeParse(r);
          const e = parsed.success ? pddRefundEvent(parsed.data) : badResponse('refund');
          if (e) events.push(e);
        }
        const total = typeof body.total_count === 'number' ? body.total_count : 0;
        if (page * PAGE_SIZE >= total) break;
      }
    }
    return events;
  }

  verifyRefundCheck(): RefundCheck | null {
    return null;
  }

  refundCheckReply(): PushAck {
    return this.ack(false);
  }
}
