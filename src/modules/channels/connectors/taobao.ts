/**
 * Taobao through TOP. Orders and refunds are never pushed: Kameng pulls them over TMC
 * (`taobao.tmc.messages.consume`, then `taobao.tmc.messages.confirm` by message id, or they come
 * again), having subscribed the seller at connect (`taobao.tmc.user.permit`); TMC messages are not
 * signed one by one — the consume call itself is signed. Polling: `taobao.trades.sold.increment.get`
 * and `taobao.refunds.receive.get` by modified time, at most a day per call. Shipping virtual
 * goods: `taobao.logistics.dummy.send`. Answers: `taobao.rp.refunds.agree` (refund_infos
 * "id|fen|version|phase") and `taobao.refund.refuse`, both after `taobao.refund.get` for the
 * refund's current version and phase.
 */
import type { z } from 'zod';
import { fail } from '../../../platform/errors.js';
import type {
  ChannelConnector,
  ChannelEvent,
  ChannelOrderEvent,
  ChannelOrderStatus,
  ChannelRefundEvent,
  ChannelRefundStatus,
  DeliveryConfirmation,
  PulledMessage,
  PushAck,
  RefundAnswer,
  RefundCheck,
  ShopCredentials,
  ShopRef,
} from '../connector.js';
import { badResponse, forged, sendJson, windows, type ConnectorDeps } from './http.js';
import {
  beijingTime,
  fenOfYuan,
  floorSecond,
  formBody,
  isRecord,
  md5ParamSign,
  parseBeijingTime,
  parseJson,
} from './sign.js';
import {
  tmcMessageSchema,
  topErrorSchema,
  topRefundSchema,
  topTradeSchema,
  type TopRefund,
  type TopTrade,
} from './wire.js';

/** The TMC topics Kameng subscribes a seller to. */
export const TAOBAO_TOPICS = [
  'taobao_trade_TradeBuyerPay',
  'taobao_trade_TradeSellerShip',
  'taobao_trade_TradeSuccess',
  'taobao_trade_TradeClose',
  'taobao_refund_RefundCreated',
  'taobao_refund_RefundSellerAgreeAgreement',
  'taobao_refund_RefundSellerRefuseAgreement',
  'taobao_refund_RefundSuccess',
  'taobao_refund_RefundClosed',
  'taobao_refund_TaobaoInterApplied',
  'taobao_refund_TaobaoIntervened',
] as const;

const DAY_MS = 86_400_000;
const PAGE_SIZE = 100;
/** Platform errors that mean the credentials are wrong: 25 signature, 26/27 session, 28/29 app key. */
const CREDENTIAL_CODES = new Set([25, 26, 27, 28, 29]);

const TRADE_STATUS: Record<string, ChannelOrderStatus> = {
  WAIT_SELLER_SEND_GOODS: 'PAID',
  WAIT_BUYER_CONFIRM_GOODS: 'SHIPPED',
  TRADE_BUYER_SIGNED: 'SHIPPED',
  TRADE_FINISHED: 'FINISHED',
  TRADE_CLOSED: 'CLOSED',
  TRADE_CLOSED_BY_TAOBAO: 'CLOSED',
};

export function topTradeEvent(t: TopTrade): ChannelOrderEvent | null {
  const status = TRADE_STATUS[t.status];
  const modifiedAt = parseBeijingTime(t.modified);
  const totalFen = fenOfYuan(t.payment);
  if (!status || !modifiedAt || totalFen === null) return null; // unpaid or unreadable: not Kameng's business
  const lines = t.orders.order.map((o) => ({
    channelItemId: o.num_iid,
    title: o.title,
    quantity: o.num,
    unitPriceFen: fenOfYuan(o.price) ?? 0,
  }));
  return {
    type: 'ORDER',
    channelOrderId: t.tid,
    status,
    rawStatus: t.status,
    lines,
    totalFen,
    buyerRef: t.buyer_open_uid,
    paidAt: parseBeijingTime(t.pay_time),
    modifiedAt,
  };
}

export function topRefundEvent(r: TopRefund): ChannelRefundEvent | null {
  const modifiedAt = parseBeijingTime(r.modified);
  const amountFen = fenOfYuan(r.refund_fee);
  if (!modifiedAt || amountFen === null) return null;
  const open = r.status === 'WAIT_SELLER_AGREE' || r.status === 'SELLER_REFUSE_BUYER';
  // cs_status 2–5: the buyer asked for 小二 and the case is with Taobao's staff.
  const intervening = open && r.cs_status >= 2 && r.cs_status <= 5;
  const byStatus: Record<string, ChannelRefundStatus> = {
    WAIT_SELLER_AGREE: 'REQUESTED',
    SELLER_REFUSE_BUYER: 'REFUSED',
    SUCCESS: 'SUCCESS',
    CLOSED: 'CLOSED',
    WAIT_BUYER_RETURN_GOODS: 'AGREED',
    WAIT_SELLER_CONFIRM_GOODS: 'AGREED',
  };
  const status = intervening ? 'INTERVENING' : byStatus[r.status];
  if (!status) return null;
  return {
    type: 'REFUND',
    channelRefundId: r.refund_id,
    channelOrderId: r.tid,
    status,
    rawStatus: r.cs_status === 1 ? r.status : `${r.status}/cs_status=${r.cs_status}`,
    quantity: r.num,
    amountFen,
    reason: r.reason,
    decidedBy: r.decided_by,
    phase: r.refund_phase === 'aftersale' ? 'AFTERSALE' : 'ONSALE',
    modifiedAt,
  };
}

/** The event a TMC message carries (its content is the trade or refund as JSON text). */
export function tmcEvent(topic: string, content: string): ChannelEvent | null {
  const body = parseJson(content);
  if (topic.startsWith('taobao_trade_')) {
    const t = topTradeSchema.safeParse(body);
    return t.success ? topTradeEvent(t.data) : null;
  }
  if (topic.startsWith('taobao_refund_')) {
    const r = topRefundSchema.safeParse(body);
    return r.success ? topRefundEvent(r.data) : null;
  }
  return null;
}

export class TaobaoConnector implements ChannelConnector {
  readonly channel = 'TAOBAO' as const;

  constructor(
    private readonly deps: ConnectorDeps,
    private readonly url: string,
  ) {}

  /** One TOP call: common parameters, MD5 sign, form body; the `<method>_response` object back. */
  private async call(
    creds: ShopCredentials,
    method: string,
    biz: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const params: Record<string, string> = {
      method,
      app_key: creds.appKey,
      timestamp: beijingTime(this.deps.clock.now()),
      v: '2.0',
      sign_method: 'md5',
      format: 'json',
      ...(creds.sessionKey ? { session: creds.sessionKey } : {}),
      ...biz,
    };
    const body = await sendJson(this.deps.transport, {
      channel: 'TAOBAO',
      method: 'POST',
      url: this.url,
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: formBody({ ...params, sign: md5ParamSign(params, creds.appSecret) }),
    });
    if (!isRecord(body)) return badResponse('not an object');
    if (body.error_response !== undefined) {
      const e = topErrorSchema.safeParse(body.error_response);
      if (!e.success) return badResponse('unreadable error_response');
      const { code, msg, sub_code: sub, sub_msg: subMsg } = e.data;
      if (CREDENTIAL_CODES.has(code) || sub === 'invalid-sessionkey')
        fail('channel.credentials_rejected', { params: { msg: `${code} ${msg}` } });
      if (code === 7 || code === 10 || sub?.startsWith('isp.')) fail('channel.unavailable');
      fail('channel.rejected', { params: { code: sub ?? String(code), msg: subMsg ?? msg } });
    }
    const key = `${method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`;
    const out = body[key];
    return isRecord(out) ? out : badResponse(`no ${key}`);
  }

  private parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
    const r = schema.safeParse(value);
    return r.success ? r.data : badResponse(what);
  }

  async subscribe(shop: Omit<ShopRef, 'channelShopId'>, _notifyUrl: string) {
    const seller = await this.call(shop.credentials, 'taobao.user.seller.get', { fields: 'user_id,nick' });
    const user = isRecord(seller.user) ? seller.user : badResponse('no user');
    if (
      (typeof user.user_id !== 'string' && typeof user.user_id !== 'number') ||
      typeof user.nick !== 'string'
    )
      return badResponse('user without id or nick');
    // TMC is pulled, so there is no notify URL to register: only the seller's topics.
    await this.call(shop.credentials, 'taobao.tmc.user.permit', { topics: TAOBAO_TOPICS.join(',') });
    return { channelShopId: String(user.user_id), shopName: user.nick };
  }

  verifyPush(): ChannelEvent[] {
    return forged('Taobao delivers messages over TMC, never by push');
  }

  ack(ok: boolean): PushAck {
    return { status: ok ? 200 : 400, contentType: 'application/json', body: JSON.stringify({ success: ok }) };
  }

  /** TMC hands out at least 10 and at most 200 at a time; messages beyond `max` come again later. */
  async consume(shop: ShopRef, max: number): Promise<PulledMessage[]> {
    const quantity = String(Math.min(200, Math.max(10, Math.floor(max))));
    const res = await this.call(shop.credentials, 'taobao.tmc.messages.consume', { quantity });
    const list =
      isRecord(res.messages) && Array.isArray(res.messages.tmc_message) ? res.messages.tmc_message : [];
    const pulled: PulledMessage[] = [];
    const ignored: string[] = [];
    for (const raw of list) {
      const m = tmcMessageSchema.safeParse(raw);
      if (!m.success) continue;
      const event = tmcEvent(m.data.topic, m.data.content);
      // Topics Kameng does not use (and unreadable ones) are confirmed so they do not return.
      if (!event) ignored.push(m.data.id);
      else if (pulled.length < max) pulled.push({ id: m.data.id, event });
    }
    if (ignored.length > 0) await this.confirm(shop, ignored);
    return pulled;
  }

  async confirm(shop: ShopRef, messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.call(shop.credentials, 'taobao.tmc.messages.confirm', { s_message_ids: messageIds.join(',') });
  }

  /**
   * Virtual goods "ship" with dummy logistics; the message with the lookup link and code goes
   * with it (the sandbox keeps it as `memo`). Taobao has no call for "cannot deliver": the trade
   * stays unshipped and the money goes back through the buyer's refund (onsale), which Kameng
   * agrees — so a failed delivery sends nothing here.
   */
  async confirmDelivery(shop: ShopRef, input: DeliveryConfirmation): Promise<void> {
    if (!input.ok) return;
    await this.call(shop.credentials, 'taobao.logistics.dummy.send', {
      tid: input.channelOrderId,
      memo: input.message,
      out_id: input.outId,
    });
  }

  async answerRefund(shop: ShopRef, input: RefundAnswer): Promise<void> {
    const got = await this.call(shop.credentials, 'taobao.refund.get', {
      refund_id: input.channelRefundId,
      fields: 'refund_id,tid,oid,status,refund_fee,refund_phase,refund_version',
    });
    const refund = this.parse(topRefundSchema, got.refund, 'refund');
    const phase = refund.refund_phase;
    if (input.agree) {
      const fen = fenOfYuan(refund.refund_fee) ?? badResponse('refund_fee');
      await this.call(shop.credentials, 'taobao.rp.refunds.agree', {
        refund_infos: `${refund.refund_id}|${fen}|${refund.refund_version}|${phase}`,
        message: input.message,
        out_id: input.outId,
      });
      return;
    }
    await this.call(shop.credentials, 'taobao.refund.refuse', {
      refund_id: refund.refund_id,
      tid: refund.tid,
      oid: refund.oid,
      refuse_message: input.message,
      refund_phase: phase,
      refund_version: String(refund.refund_version),
      out_id: input.outId,
    });
  }

  async listChanged(shop: ShopRef, from: Date, to: Date): Promise<ChannelEvent[]> {
    const events: ChannelEvent[] = [];
    // Whole seconds on both ends: TOP times have no milliseconds; the next window starts here.
    for (const [start, end] of windows(floorSecond(from), floorSecond(to), DAY_MS)) {
      const range = {
        start_modified: beijingTime(start),
        end_modified: beijingTime(end),
        page_size: String(PAGE_SIZE),
      };
      for (let page = 1; ; page++) {
        const res = await this.call(shop.credentials, 'taobao.trades.sold.increment.get', {
          ...range,
          page_no: String(page),
          use_has_next: 'true',
          fields: 'tid,status,payment,pay_time,modified,buyer_open_uid,orders',
        });
        const trades = isRecord(res.trades) && Array.isArray(res.trades.trade) ? res.trades.trade : [];
        for (const t of trades) {
          const e = topTradeEvent(this.parse(topTradeSchema, t, 'trade'));
          if (e) events.push(e);
        }
        if (res.has_next !== true) break;
      }
      for (let page = 1; ; page++) {
        const res = await this.call(shop.credentials, 'taobao.refunds.receive.get', {
          ...range,
          page_no: String(page),
          fields:
            'refund_id,tid,oid,status,cs_status,refund_fee,num,reason,modified,refund_phase,refund_version',
        });
        const refunds = isRecord(res.refunds) && Array.isArray(res.refunds.refund) ? res.refunds.refund : [];
        for (const r of refunds) {
          const e = topRefundEvent(this.parse(topRefundSchema, r, 'refund'));
          if (e) events.push(e);
        }
        if (res.has_next !== true) break;
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
