/**
 * The sandbox 闲管家 open API: POST a JSON body to `/api/open/…?appid=&timestamp=&sign=` with
 * sign = md5(`appKey,md5(body),timestamp,appSecret`) (sign.ts); every answer is
 * `{code, msg, data}` with code 0 for success and 闲管家's codes otherwise (1001 参数错误,
 * 1002 签名错误, 1003 应用不存在, 1006 权限不足), business refusals 4000, and HTTP 503 while the
 * shop is switched down. Implemented: /api/open/user/authorize/list, /api/open/order/list (the
 * sandbox adds update_time_start/end to filter by modified time), /api/open/order/virtual/ship,
 * /api/open/refund/agree, /api/open/refund/refuse, and /api/open/callback/update — the real
 * platform takes the push address in its console; the sandbox takes it here so connecting a shop
 * needs nothing more than the connect form.
 */
import { z } from 'zod';
import { now } from '../../../platform/db/dialect.js';
import { DomainError } from '../../../platform/errors.js';
import { fromUnixSeconds, parseJson, signaturesMatch, xianyuSign } from '../connectors/sign.js';
import {
  changedOrders,
  intParam,
  json,
  pathOf,
  queryOf,
  type ApiContext,
  type ApiRequest,
  type ApiResponse,
} from './api.js';
import { xianyuOrder } from './render.js';
import { openSecrets, shopByAppKey, type ShopRow } from './store.js';

const MAX_SKEW_MS = 5 * 60_000;

const reply = (code: number, msg: string, data: unknown = null, status = 200): ApiResponse =>
  json({ code, msg, data }, status);

const bodies = {
  list: z.looseObject({
    authorize_id: z.string(),
    update_time_start: z.number().int(),
    update_time_end: z.number().int(),
    page_no: z.number().int().optional(),
    page_size: z.number().int().optional(),
  }),
  ship: z.looseObject({
    authorize_id: z.string(),
    order_no: z.string().min(1),
    result: z.enum(['SUCCESS', 'FAIL']),
    message: z.string(),
    fail_reason: z.string().nullable().optional(),
    out_no: z.string().nullable().optional(),
  }),
  answer: z.looseObject({
    authorize_id: z.string(),
    refund_no: z.string().min(1),
    message: z.string().optional(),
    out_no: z.string().nullable().optional(),
  }),
  callback: z.looseObject({ notify_url: z.string().min(1) }),
};

export async function serveXianyu(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const q = queryOf(req.url);
  const shop = q.appid ? await shopByAppKey(ctx.db, q.appid) : undefined;
  if (!shop || shop.channel !== 'XIANYU') return reply(1003, '应用不存在');
  if (shop.down === 1) return reply(503, '服务繁忙，请稍后重试', null, 503);
  const at = ctx.clock.now();
  const ts = fromUnixSeconds(q.timestamp);
  if (!ts || Math.abs(ts.getTime() - at.getTime()) > MAX_SKEW_MS)
    return reply(1002, '签名错误：timestamp 已过期');
  const secrets = await openSecrets(ctx.vault, ctx.db, shop);
  if (!q.sign || !signaturesMatch(q.sign, xianyuSign(shop.app_key, req.body, q.timestamp, secrets.appSecret)))
    return reply(1002, '签名错误');
  const body = parseJson(req.body);
  try {
    return await dispatch(ctx, shop, pathOf(req.url), body, at);
  } catch (e) {
    if (e instanceof DomainError) return reply(4000, `${e.code}: ${e.messages['zh-CN']}`);
    throw e;
  }
}

async function dispatch(
  ctx: ApiContext,
  shop: ShopRow,
  path: string,
  body: unknown,
  at: Date,
): Promise<ApiResponse> {
  const own = (authorizeId: string) => authorizeId === shop.seller_id;
  switch (path) {
    case '/api/open/user/authorize/list':
      return reply(0, 'OK', { list: [{ authorize_id: shop.seller_id, nick: shop.name, status: 1 }] });
    case '/api/open/callback/update': {
      const b = bodies.callback.safeParse(body);
      if (!b.success) return reply(1001, '参数错误');
      await ctx.db
        .updateTable('sandbox_channel_shops')
        .set({ notify_url: b.data.notify_url, subscribed_at: now(at), updated_at: now(at) })
        .where('id', '=', shop.id)
        .execute();
      return reply(0, 'OK');
    }
    case '/api/open/order/list': {
      const b = bodies.list.safeParse(body);
      if (!b.success) return reply(1001, '参数错误');
      if (!own(b.data.authorize_id)) return reply(1006, '权限不足');
      const from = fromUnixSeconds(b.data.update_time_start);
      const to = fromUnixSeconds(b.data.update_time_end);
      if (!from || !to || to <= from) return reply(1001, '参数错误：update_time');
      const size = intParam(String(b.data.page_size ?? ''), 50, 1, 100);
      const o = await changedOrders(
        ctx.db,
        shop,
        from,
        to,
        intParam(String(b.data.page_no ?? ''), 1, 1, 100_000),
        size,
      );
      return reply(0, 'OK', {
        list: o.rows.map((x) => xianyuOrder(shop, x.order, x.refunds)),
        count: o.total,
      });
    }
    case '/api/open/order/virtual/ship': {
      const b = bodies.ship.safeParse(body);
      if (!b.success) return reply(1001, '参数错误');
      if (!own(b.data.authorize_id)) return reply(1006, '权限不足');
      await ctx.trades.ship(shop, b.data.order_no, {
        ok: b.data.result === 'SUCCESS',
        message: b.data.message,
        failReason: b.data.fail_reason ?? null,
        outId: b.data.out_no ?? null,
      });
      return reply(0, 'OK');
    }
    case '/api/open/refund/agree':
    case '/api/open/refund/refuse': {
      const b = bodies.answer.safeParse(body);
      if (!b.success) return reply(1001, '参数错误');
      if (!own(b.data.authorize_id)) return reply(1006, '权限不足');
      const input = { message: b.data.message ?? '', outId: b.data.out_no ?? null };
      const r =
        path === '/api/open/refund/agree'
          ? await ctx.trades.sellerAgree(shop, b.data.refund_no, input)
          : await ctx.trades.sellerRefuse(shop, b.data.refund_no, input);
      return reply(0, 'OK', { refund_no: r.id });
    }
    default:
      return reply(1001, `未知接口 ${path}`, null, 404);
  }
}
