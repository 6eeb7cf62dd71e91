/**
 * The sandbox PDD router (`/api/router`): `type`, `client_id`, `access_token`, `timestamp` (Unix
 * seconds), `data_type=JSON` and an MD5 `sign` (sign.ts), answered as `{<name>_response: …}` or
 * `{error_response: {error_code, error_msg}}`. The error codes are the sandbox's own, in PDD's
 * style: 10016 unknown client_id, 10018 bad signature, 10019 access_token invalid, 10020
 * timestamp out of range, 10000 bad parameters, 30000 business refusal, 50001 service
 * unavailable. Implemented: pdd.mall.info.get, pdd.pmc.user.permit (the sandbox takes the push
 * address as `notify_url`: PDD's own message service is a WebSocket), pdd.virtual.mobile.charge.notify
 * (SUCCESS/FAIL; the sandbox reads the buyer's message from `charge_message`), pdd.refund.agree,
 * pdd.refund.refuse, pdd.order.number.list.increment.get, pdd.refund.list.increment.get (both at
 * most 30 minutes per call, as PDD documents).
 */
import { now } from '../../../platform/db/dialect.js';
import { DomainError } from '../../../platform/errors.js';
import { fromUnixSeconds, md5ParamSign, parseForm, signaturesMatch } from '../connectors/sign.js';
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
import { pddOrder, pddRefund } from './render.js';
import { openSecrets, shopByAppKey, type ShopRow } from './store.js';

const MAX_SKEW_MS = 10 * 60_000;
const MAX_SPAN_MS = 30 * 60_000;

const pddError = (code: number, msg: string): ApiResponse =>
  json({ error_response: { error_code: code, error_msg: msg, request_id: 'sandbox' } });

export async function servePdd(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const p = { ...queryOf(req.url), ...(req.method === 'POST' ? parseForm(req.body) : {}) };
  const shop = p.client_id ? await shopByAppKey(ctx.db, p.client_id) : undefined;
  if (!shop || shop.channel !== 'PDD') return pddError(10016, 'client_id 不存在');
  if (shop.down === 1) return pddError(50001, '服务暂不可用，请稍后重试');
  const at = ctx.clock.now();
  const ts = fromUnixSeconds(p.timestamp);
  if (!ts || Math.abs(ts.getTime() - at.getTime()) > MAX_SKEW_MS)
    return pddError(10020, 'timestamp 超出有效期');
  const secrets = await openSecrets(ctx.vault, ctx.db, shop);
  if (!p.sign || !signaturesMatch(p.sign, md5ParamSign(p, secrets.appSecret)))
    return pddError(10018, '签名错误');
  if (!p.access_token || p.access_token !== secrets.sessionKey)
    return pddError(10019, 'access_token 已过期或无效');
  try {
    return await dispatch(ctx, shop, p, at);
  } catch (e) {
    if (e instanceof DomainError) return pddError(30000, `${e.code}: ${e.messages['zh-CN']}`);
    throw e;
  }
}

async function dispatch(
  ctx: ApiContext,
  shop: ShopRow,
  p: Record<string, string>,
  at: Date,
): Promise<ApiResponse> {
  switch (p.type) {
    case 'pdd.mall.info.get':
      return json({
        mall_info_get_response: { mall_id: shop.seller_id, mall_name: shop.name, mall_desc: '' },
      });
    case 'pdd.pmc.user.permit': {
      if (!p.notify_url) return pddError(10000, '缺少参数 notify_url');
      await ctx.db
        .updateTable('sandbox_channel_shops')
        .set({ notify_url: p.notify_url, subscribed_at: now(at), updated_at: now(at) })
        .where('id', '=', shop.id)
        .execute();
      return json({ pmc_user_permit_response: { is_success: true } });
    }
    case 'pdd.virtual.mobile.charge.notify': {
      if (!p.order_sn || (p.status !== 'SUCCESS' && p.status !== 'FAIL'))
        return pddError(10000, '参数错误：order_sn/status');
      await ctx.trades.ship(shop, p.order_sn, {
        ok: p.status === 'SUCCESS',
        message: p.charge_message ?? '',
        failReason: p.status === 'FAIL' ? (p.fail_reason ?? '') : null,
        outId: p.outer_order_sn ?? null,
      });
      return json({ virtual_mobile_charge_notify_response: { is_success: true } });
    }
    case 'pdd.refund.agree':
    case 'pdd.refund.refuse': {
      if (!p.after_sales_id) return pddError(10000, '缺少参数 after_sales_id');
      const input = { message: p.operate_desc ?? '', outId: p.out_id ?? null };
      const r =
        p.type === 'pdd.refund.agree'
          ? await ctx.trades.sellerAgree(shop, p.after_sales_id, input)
          : await ctx.trades.sellerRefuse(shop, p.after_sales_id, input);
      return json({
        response: {
          result: { succ: true, message: '退款操作成功', after_sales_id: r.id, order_sn: r.order_id },
        },
      });
    }
    case 'pdd.order.number.list.increment.get':
    case 'pdd.refund.list.increment.get': {
      const from = fromUnixSeconds(p.start_updated_at);
      const to = fromUnixSeconds(p.end_updated_at);
      if (!from || !to || to <= from || to.getTime() - from.getTime() > MAX_SPAN_MS)
        return pddError(10000, '开始时间结束时间间距不超过 30 分钟');
      const page = intParam(p.page, 1, 1, 100_000);
      const size = intParam(p.page_size, 100, 1, 100);
      if (p.type === 'pdd.refund.list.increment.get') {
        const r = await changedRefunds(ctx.db, shop, from, to, page, size);
        return json({
          refund_increment_get_response: { refund_list: r.rows.map(pddRefund), total_count: r.total },
        });
      }
      const o = await changedOrders(ctx.db, shop, from, to, page, size);
      return json({
        order_sn_increment_get_response: {
          order_sn_list: o.rows.map((x) => pddOrder(shop, x.order, x.refunds)),
          total_count: o.total,
          has_next: o.hasNext,
        },
      });
    }
    default:
      return pddError(10000, `未知接口 ${p.type ?? ''}`);
  }
}
