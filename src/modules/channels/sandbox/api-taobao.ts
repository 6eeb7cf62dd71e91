/**
 * The sandbox TOP router (`/router/rest`): form parameters signed with MD5 (sign.ts), answered
 * as `{<method>_response: …}` or `{error_response: {code, msg, sub_code, sub_msg}}` with TOP's
 * platform codes (10 Service Currently Unavailable, 25 Invalid signature, 27 Invalid session,
 * 29 Invalid App Key, 41 Invalid arguments, 22 Invalid method) and business errors as code 15
 * with an `isv.*` sub code. Implemented: taobao.user.seller.get, taobao.tmc.user.permit,
 * taobao.tmc.messages.consume / confirm, taobao.logistics.dummy.send, taobao.refund.get,
 * taobao.rp.refunds.agree,
 * taobao.refund.refuse, taobao.trades.sold.increment.get, taobao.refunds.receive.get.
 * The real dummy.send carries no message to the buyer (shops send it over 旺旺); the sandbox
 * accepts it as `memo`, with `out_id`, so its order page can show what Kameng sent.
 */
import { now } from '../../../platform/db/dialect.js';
import { DomainError } from '../../../platform/errors.js';
import {
  beijingTime,
  md5ParamSign,
  parseBeijingTime,
  parseForm,
  signaturesMatch,
} from '../connectors/sign.js';
import type { TmcMessage } from '../connectors/wire.js';
import {
  changedOrders,
  changedRefunds,
  intParam,
  json,
  queryOf,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
} from './api.js';
import { consumeTmc, confirmTmc } from './outbox.js';
import { topRefund, topTrade } from './render.js';
import { openSecrets, refundById, shopByAppKey, type ShopRow } from './store.js';

/** TOP accepts requests whose timestamp is within 10 minutes of its own clock. */
const MAX_SKEW_MS = 10 * 60_000;
/** TOP's incremental queries cover at most one day per call. */
const MAX_SPAN_MS = 86_400_000;

const topError = (code: number, msg: string, subCode?: string, subMsg?: string): ApiResponse =>
  json({
    error_response: {
      code,
      msg,
      ...(subCode ? { sub_code: subCode, sub_msg: subMsg ?? msg } : {}),
      request_id: 'sandbox',
    },
  });

/** Methods that act for a seller and so need its session; TMC calls are the app's own. */
const APP_LEVEL = new Set(['taobao.tmc.messages.consume', 'taobao.tmc.messages.confirm']);

export async function serveTaobao(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const p = { ...queryOf(req.url), ...(req.method === 'POST' ? parseForm(req.body) : {}) };
  const shop = p.app_key ? await shopByAppKey(ctx.db, p.app_key) : undefined;
  if (!shop || shop.channel !== 'TAOBAO') return topError(29, 'Invalid app Key', 'isv.appkey-not-exists');
  if (shop.down === 1)
    return topError(10, 'Service Currently Unavailable', 'isp.service-unavailable', '服务暂时不可用');
  if (p.sign_method !== 'md5') return topError(25, 'Invalid signature', 'isv.invalid-signature-method');
  const at = ctx.clock.now();
  const ts = parseBeijingTime(p.timestamp);
  if (!ts || Math.abs(ts.getTime() - at.getTime()) > MAX_SKEW_MS)
    return topError(41, 'Invalid arguments', 'isv.invalid-parameter:timestamp', '时间戳超出允许范围');
  const secrets = await openSecrets(ctx.vault, ctx.db, shop);
  if (!p.sign || !signaturesMatch(p.sign, md5ParamSign(p, secrets.appSecret)))
    return topError(25, 'Invalid signature', 'isv.invalid-signature');
  if (!APP_LEVEL.has(p.method ?? '') && (!p.session || p.session !== secrets.sessionKey))
    return topError(27, 'Invalid session', 'invalid-sessionkey', 'SessionKey非法');
  try {
    return await dispatch(ctx, shop, p, at);
  } catch (e) {
    if (e instanceof DomainError)
      return topError(
        15,
        'Remote service error',
        `isv.${e.code.replace(/^sandbox\.channel_/, '')}`,
        e.messages['zh-CN'],
      );
    throw e;
  }
}

async function dispatch(
  ctx: ApiContext,
  shop: ShopRow,
  p: Record<string, string>,
  at: Date,
): Promise<ApiResponse> {
  switch (p.method) {
    case 'taobao.user.seller.get':
      return json({ user_seller_get_response: { user: { user_id: shop.seller_id, nick: shop.name } } });
    case 'taobao.tmc.user.permit':
      await ctx.db
        .updateTable('sandbox_channel_shops')
        .set({ subscribed_at: now(at), updated_at: now(at) })
        .where('id', '=', shop.id)
        .execute();
      return json({ tmc_user_permit_response: { is_success: true } });
    case 'taobao.tmc.messages.consume': {
      const handed = await consumeTmc(ctx.db, shop, intParam(p.quantity, 100, 10, 200), at);
      const messages: TmcMessage[] = handed.map((m) => ({
        id: m.id,
        topic: m.topic,
        content: m.payload,
        pub_time: beijingTime(new Date(m.created_at)),
        user_id: shop.seller_id,
        user_nick: shop.name,
      }));
      return json({ tmc_messages_consume_response: { messages: { tmc_message: messages } } });
    }
    case 'taobao.tmc.messages.confirm': {
      const ids = (p.s_message_ids ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      await confirmTmc(ctx.db, shop, ids, at);
      return json({ tmc_messages_confirm_response: { is_success: true } });
    }
    case 'taobao.logistics.dummy.send': {
      if (!p.tid) return topError(40, 'Missing required arguments:tid', 'isv.missing-parameter:tid');
      await ctx.trades.ship(shop, p.tid, {
        ok: true,
        message: p.memo ?? '',
        failReason: null,
        outId: p.out_id ?? null,
      });
      return json({ logistics_dummy_send_response: { shipping: { is_success: true } } });
    }
    case 'taobao.refund.get': {
      const r = await refundById(ctx.db, p.refund_id ?? '');
      if (r.shop_id !== shop.id)
        return topError(15, 'Remote service error', 'isv.refund-not-exist', '退款单不存在');
      return json({ refund_get_response: { refund: topRefund(r) } });
    }
    case 'taobao.rp.refunds.agree': {
      // refund_infos: "refund_id|amount in fen|version" (one refund per call from Kameng)
      const [refundId, amount] = (p.refund_infos ?? '').split('|');
      const refund = await refundById(ctx.db, refundId ?? '');
      if (refund.shop_id !== shop.id || Number(amount) !== refund.amount_fen)
        return topError(
          41,
          'Invalid arguments',
          'isv.invalid-parameter:refund_infos',
          '退款金额与退款单不符',
        );
      await ctx.trades.sellerAgree(shop, refund.id, { message: p.message ?? '', outId: p.out_id ?? null });
      return json({
        rp_refunds_agree_response: {
          succ: true,
          msg: 'success',
          results: { refund_mapping_result: [{ refund_id: refund.id, succ: true, message: '退款成功' }] },
        },
      });
    }
    case 'taobao.refund.refuse': {
      if (!p.refund_id)
        return topError(40, 'Missing required arguments:refund_id', 'isv.missing-parameter:refund_id');
      const r = await ctx.trades.sellerRefuse(shop, p.refund_id, {
        message: p.refuse_message ?? '',
        outId: p.out_id ?? null,
      });
      return json({
        refund_refuse_response: {
          is_success: true,
          refund: { refund_id: r.id, status: topRefund(r).status, modified: topRefund(r).modified },
        },
      });
    }
    case 'taobao.trades.sold.increment.get':
    case 'taobao.refunds.receive.get': {
      const from = parseBeijingTime(p.start_modified);
      const to = parseBeijingTime(p.end_modified);
      if (!from || !to || to <= from || to.getTime() - from.getTime() > MAX_SPAN_MS)
        return topError(
          41,
          'Invalid arguments',
          'isv.invalid-parameter:start_modified',
          '起止时间须在一天之内',
        );
      const page = intParam(p.page_no, 1, 1, 100_000);
      const size = intParam(p.page_size, 40, 1, 100);
      if (p.method === 'taobao.refunds.receive.get') {
        const r = await changedRefunds(ctx.db, shop, from, to, page, size);
        return json({
          refunds_receive_get_response: {
            refunds: { refund: r.rows.map(topRefund) },
            total_results: r.total,
            has_next: r.hasNext,
          },
        });
      }
      const o = await changedOrders(ctx.db, shop, from, to, page, size);
      return json({
        trades_sold_increment_get_response: {
          trades: { trade: o.rows.map((x) => topTrade(shop, x.order)) },
          total_results: o.total,
          has_next: o.hasNext,
        },
      });
    }
    default:
      return topError(22, 'Invalid method', 'isv.method-not-exists');
  }
}
