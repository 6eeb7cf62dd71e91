/**
 * 闲鱼 through 闲管家's open API: a JSON body POSTed with `appid`, `timestamp` (Unix seconds) and
 * `sign` = md5(`appKey,md5(body),timestamp,appSecret`) in the query; answers `{code, msg, data}`.
 * Orders and refunds are pushed, signed the same way (the sandbox sends appid/timestamp/sign as
 * x-xgj-* headers, since a push reaches Kameng as headers and body). Before it agrees a refund,
 * 闲鱼 asks the supplier for a 二次校验 at `${notifyUrl}/refund-check`: Kameng voids any unused
 * code first (防止资损) and answers refundable true/false. Polling: the order list by update time,
 * each order with its refunds.
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
  RefundCheckReply,
  ShopCredentials,
  ShopRef,
} from '../connector.js';
import { badResponse, forged, PUSH_WINDOW_SECONDS, sendJson, type ConnectorDeps } from './http.js';
import {
  floorSecond,
  fromUnixSeconds,
  header,
  isRecord,
  parseJson,
  signaturesMatch,
  unixSeconds,
  xianyuSign,
} from './sign.js';
import {
  XIANYU_ORDER_LABELS,
  XIANYU_PUSH_HEADERS,
  XIANYU_REFUND_LABELS,
  xianyuCheckSchema,
  xianyuEnvelopeSchema,
  xianyuOrderSchema,
  xianyuPushSchema,
  type XianyuOrder,
  type XianyuRefund,
} from './wire.js';

const PAGE_SIZE = 100;
/** 闲管家 codes meaning the app or its signature is wrong: 1002 签名错误 … 1005 授权已过期. */
const CREDENTIAL_CODES = new Set([1002, 1003, 1004, 1005]);

const ORDER_STATUS: Record<number, ChannelOrderStatus> = {
  12: 'PAID',
  21: 'SHIPPED',
  22: 'FINISHED',
  23: 'CLOSED',
  24: 'CLOSED',
};

export function xianyuOrderEvent(o: XianyuOrder): ChannelOrderEvent | null {
  const status = ORDER_STATUS[o.order_status];
  const modifiedAt = fromUnixSeconds(o.update_time);
  if (!status || !modifiedAt) return null;
  return {
    type: 'ORDER',
    channelOrderId: o.order_no,
    status,
    rawStatus: `${o.order_status} ${XIANYU_ORDER_LABELS[o.order_status] ?? ''}`.trim(),
    lines: [
      { channelItemId: o.item_id, title: o.item_title, quantity: o.quantity, unitPriceFen: o.item_price },
    ],
    totalFen: o.total_amount,
    buyerRef: o.buyer_eid,
    paidAt: fromUnixSeconds(o.pay_time),
    modifiedAt,
  };
}

const REFUND_STATUS: Record<number, ChannelRefundStatus> = {
  1: 'REQUESTED',
  2: 'AGREED',
  3: 'AGREED',
  4: 'CLOSED',
  5: 'SUCCESS',
  6: 'REFUSED',
  8: 'AGREED',
};

export function xianyuRefundEvent(r: XianyuRefund): ChannelRefundEvent | null {
  const open = r.refund_status === 1 || r.refund_status === 6;
  const status = r.platform_intervene && open ? 'INTERVENING' : REFUND_STATUS[r.refund_status];
  const modifiedAt = fromUnixSeconds(r.update_time);
  if (!status || !modifiedAt) return null;
  return {
    type: 'REFUND',
    channelRefundId: r.refund_no,
    channelOrderId: r.order_no,
    status,
    rawStatus:
      `${r.refund_status} ${XIANYU_REFUND_LABELS[r.refund_status] ?? ''}${r.platform_intervene ? ' 平台介入' : ''}`.trim(),
    quantity: r.refund_num,
    amountFen: r.refund_amount,
    reason: r.reason,
    decidedBy: r.decided_by,
    phase: null,
    modifiedAt,
  };
}

export class XianyuConnector implements ChannelConnector {
  readonly channel = 'XIANYU' as const;

  constructor(
    private readonly deps: ConnectorDeps,
    private readonly base: string,
  ) {}

  private async call(
    creds: ShopCredentials,
    path: string,
    payload: Record<string, unknown>,
  ): Promise<unknown> {
    const body = JSON.stringify(payload);
    const timestamp = String(unixSeconds(this.deps.clock.now()));
    const sign = xianyuSign(creds.appKey, body, timestamp, creds.appSecret);
    const query = new URLSearchParams({ appid: creds.appKey, timestamp, sign }).toString();
    const res = await sendJson(this.deps.transport, {
      channel: 'XIANYU',
      method: 'POST',
      url: `${this.base.replace(/\/+$/, '')}${path}?${query}`,
      headers: { 'content-type': 'application/json;charset=utf-8' },
      body,
    });
    const env = xianyuEnvelopeSchema.safeParse(res);
    if (!env.success) return badResponse('no code/msg envelope');
    const { code, msg, data } = env.data;
    if (code === 0) return data;
    if (CREDENTIAL_CODES.has(code))
      fail('channel.credentials_rejected', { params: { msg: `${code} ${msg}` } });
    if (code >= 500 && code < 600) fail('channel.unavailable');
    return fail('channel.rejected', { params: { code: String(code), msg } });
  }

  async subscribe(shop: Omit<ShopRef, 'channelShopId'>, notifyUrl: string) {
    const data = await this.call(shop.credentials, '/api/open/user/authorize/list', {});
    const list = isRecord(data) && Array.isArray(data.list) ? data.list : [];
    const first: unknown = list[0];
    if (!isRecord(first) || typeof first.authorize_id !== 'string' || typeof first.nick !== 'string')
      return badResponse('no authorised shop');
    await this.call(shop.credentials, '/api/open/callback/update', { notify_url: notifyUrl });
    return { channelShopId: first.authorize_id, shopName: first.nick };
  }

  /** App key, timestamp window (a replay outside it is refused) and signature over the raw body. */
  private verified(shop: ShopRef, push: IncomingPush, now: Date): unknown {
    const appid = header(push.headers, XIANYU_PUSH_HEADERS.appid);
    const timestamp = header(push.headers, XIANYU_PUSH_HEADERS.timestamp) ?? '';
    const sign = header(push.headers, XIANYU_PUSH_HEADERS.sign) ?? '';
    if (appid !== shop.credentials.appKey) return forged('unknown appid');
    const sentAt = fromUnixSeconds(timestamp);
    if (!sentAt || Math.abs(sentAt.getTime() - now.getTime()) > PUSH_WINDOW_SECONDS * 1000)
      return forged('timestamp outside the window');
    if (!signaturesMatch(sign, xianyuSign(appid, push.rawBody, timestamp, shop.credentials.appSecret)))
      return forged('bad signature');
    return parseJson(push.rawBody);
  }

  verifyPush(shop: ShopRef, push: IncomingPush, now: Date): ChannelEvent[] {
    const p = xianyuPushSchema.safeParse(this.verified(shop, push, now));
    if (!p.success) return forged('not a 闲管家 notice');
    if (p.data.authorize_id !== shop.channelShopId) return forged('another shop');
    const e = p.data.notify_type === 'order' ? xianyuOrderEvent(p.data.data) : xianyuRefundEvent(p.data.data);
    return e ? [e] : [];
  }

  ack(ok: boolean): PushAck {
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(ok ? { code: 0, msg: 'OK' } : { code: 500, msg: 'FAIL' }),
    };
  }

  async consume(): Promise<PulledMessage[]> {
    return [];
  }

  async confirm(): Promise<void> {}

  async confirmDelivery(shop: ShopRef, input: DeliveryConfirmation): Promise<void> {
    await this.call(shop.credentials, '/api/open/order/virtual/ship', {
      authorize_id: shop.channelShopId,
      order_no: input.channelOrderId,
      result: input.ok ? 'SUCCESS' : 'FAIL',
      message: input.message,
      fail_reason: input.failReason,
      out_no: input.outId,
    });
  }

  async answerRefund(shop: ShopRef, input: RefundAnswer): Promise<void> {
    await this.call(shop.credentials, input.agree ? '/api/open/refund/agree' : '/api/open/refund/refuse', {
      authorize_id: shop.channelShopId,
      refund_no: input.channelRefundId,
      order_no: input.channelOrderId,
      message: input.message,
      out_no: input.outId,
    });
  }

  async listChanged(shop: ShopRef, from: Date, to: Date): Promise<ChannelEvent[]> {
    const events: ChannelEvent[] = [];
    const range = {
      update_time_start: unixSeconds(floorSecond(from)),
      update_time_end: unixSeconds(floorSecond(to)),
    };
    if (range.update_time_end <= range.update_time_start) return events;
    for (let page = 1; ; page++) {
      const data = await this.call(shop.credentials, '/api/open/order/list', {
        authorize_id: shop.channelShopId,
        ...range,
        page_no: page,
        page_size: PAGE_SIZE,
      });
      const list = isRecord(data) && Array.isArray(data.list) ? data.list : badResponse('no order list');
      for (const raw of list) {
        const o = xianyuOrderSchema.safeParse(raw);
        if (!o.success) return badResponse('order');
        const e = xianyuOrderEvent(o.data);
        if (e) events.push(e);
        for (const r of o.data.refunds) {
          const re = xianyuRefundEvent(r);
          if (re) events.push(re);
        }
      }
      const count = isRecord(data) && typeof data.count === 'number' ? data.count : 0;
      if (page * PAGE_SIZE >= count) break;
    }
    return events;
  }

  verifyRefundCheck(shop: ShopRef, push: IncomingPush, now: Date): RefundCheck | null {
    const c = xianyuCheckSchema.safeParse(this.verified(shop, push, now));
    if (!c.success) return forged('not a 二次校验 request');
    if (c.data.authorize_id !== shop.channelShopId) return forged('another shop');
    return {
      channelRefundId: c.data.refund_no,
      channelOrderId: c.data.order_no,
      quantity: c.data.refund_num,
      amountFen: c.data.refund_amount,
      reason: c.data.reason,
      requestedAt: fromUnixSeconds(c.data.apply_time) ?? now,
    };
  }

  refundCheckReply(reply: RefundCheckReply): PushAck {
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        code: 0,
        msg: 'OK',
        data: { refundable: reply.refundable, message: reply.message },
      }),
    };
  }
}
