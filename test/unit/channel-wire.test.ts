/**
 * The channel connectors' wire: each channel's signing (a public worked example where one exists,
 * the request a connector actually sends otherwise), push verification (forged, tampered, other
 * shop, expired, replayed outside the window) and the raw → normalised state mappings.
 */
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/platform/clock.js';
import { DomainError, type ErrorCode } from '../../src/platform/errors.js';
import type { ShopRef } from '../../src/modules/channels/connector.js';
import { createConnectors, type ChannelTransport } from '../../src/modules/channels/connectors/index.js';
import {
  fenOfYuan,
  md5Hex,
  md5ParamSign,
  parseForm,
  xianyuSign,
  yuan,
} from '../../src/modules/channels/connectors/sign.js';
import { topRefundEvent } from '../../src/modules/channels/connectors/taobao.js';
import { pddRefundEvent } from '../../src/modules/channels/connectors/pdd.js';
import { xianyuRefundEvent } from '../../src/modules/channels/connectors/xianyu.js';
import type { PddOrder, TopRefund, XianyuRefund } from '../../src/modules/channels/connectors/wire.js';

const NOW = new Date('2026-01-05T02:00:00Z');
const unix = (d: Date) => String(Math.floor(d.getTime() / 1000));

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
}

/** A transport that records requests and answers with `answer`. */
function recorder(answer: unknown) {
  const sent: Parameters<ChannelTransport>[0][] = [];
  const transport: ChannelTransport = async (req) => {
    sent.push(req);
    return { status: 200, headers: {}, body: JSON.stringify(answer) };
  };
  return { sent, connectors: createConnectors(transport, new FixedClock(NOW)) };
}

const shop = (channel: ShopRef['channel'], sessionKey: string | null = 'sess'): ShopRef => ({
  id: 'kameng-shop',
  channel,
  channelShopId: '9001',
  credentials: { appKey: 'key-1', appSecret: 'secret-1', sessionKey },
});

describe('signing', () => {
  it('TOP: MD5(secret + sorted name+value + secret), upper-case — the published example', () => {
    const params = {
      method: 'taobao.user.seller.get',
      timestamp: '2013-05-06 13:52:03',
      format: 'xml',
      app_key: 'test',
      v: '2.0',
      fields: 'nick',
      sign_method: 'md5',
      session: 'test',
    };
    expect(md5ParamSign(params, 'test')).toBe('72CB4D809B375A54502C09360D879C64');
    // `sign` itself and empty values never take part
    expect(md5ParamSign({ ...params, sign: 'X', empty: '' }, 'test')).toBe(
      '72CB4D809B375A54502C09360D879C64',
    );
  });

  it('闲管家: the supplier form reproduces the official example; the ERP form is md5(appKey,md5(body),ts,secret)', () => {
    const body = '{"goods_type":1,"goods_no":"12344532"}';
    const supplier = md5Hex(
      `677859093659717,wK63PxlOBaY9NoqMksLeZySzGIW25ifA,${md5Hex(body)},1724414553,1001,o9wl81dncmvby3ijpq7eur456zhgtaxs`,
    );
    expect(supplier).toBe('fda5954f48ab32b3b271c84450440ead');
    expect(xianyuSign('k', body, '1724414553', 's')).toBe(md5Hex(`k,${md5Hex(body)},1724414553,s`));
  });

  it('a TOP call carries the common parameters and a valid sign', async () => {
    const { sent, connectors } = recorder({ tmc_messages_confirm_response: { is_success: true } });
    await connectors.TAOBAO.confirm(shop('TAOBAO'), ['1', '2']);
    const p = parseForm(sent[0].body);
    expect(p).toMatchObject({
      method: 'taobao.tmc.messages.confirm',
      app_key: 'key-1',
      session: 'sess',
      v: '2.0',
      sign_method: 'md5',
      format: 'json',
      timestamp: '2026-01-05 10:00:00',
      s_message_ids: '1,2',
    });
    expect(p.sign).toBe(md5ParamSign(p, 'secret-1'));
    expect(sent[0].url).toBe('https://eco.taobao.com/router/rest');
  });

  it('a PDD call carries type, client_id, access_token, Unix timestamp, data_type and a valid sign', async () => {
    const { sent, connectors } = recorder({ response: { result: { succ: true } } });
    await connectors.PDD.answerRefund(shop('PDD'), {
      channelRefundId: '77',
      channelOrderId: '260105-1',
      agree: true,
      message: 'ok',
      outId: 'r-1',
    });
    const p = parseForm(sent[0].body);
    expect(p).toMatchObject({
      type: 'pdd.refund.agree',
      client_id: 'key-1',
      access_token: 'sess',
      timestamp: unix(NOW),
      data_type: 'JSON',
      after_sales_id: '77',
    });
    expect(p.sign).toBe(md5ParamSign(p, 'secret-1'));
  });

  it('a 闲管家 call signs the exact body it sends, with appid and timestamp in the query', async () => {
    const { sent, connectors } = recorder({ code: 0, msg: 'OK', data: null });
    await connectors.XIANYU.answerRefund(shop('XIANYU', null), {
      channelRefundId: 'R1',
      channelOrderId: 'O1',
      agree: false,
      message: 'used',
      outId: 'x',
    });
    const url = new URL(sent[0].url);
    expect(url.pathname).toBe('/api/open/refund/refuse');
    expect(url.searchParams.get('appid')).toBe('key-1');
    expect(url.searchParams.get('timestamp')).toBe(unix(NOW));
    expect(url.searchParams.get('sign')).toBe(xianyuSign('key-1', sent[0].body, unix(NOW), 'secret-1'));
  });

  it('channel errors become domain errors: credentials, unavailable, refused', async () => {
    const cases: [unknown, ErrorCode][] = [
      [{ error_response: { code: 25, msg: 'Invalid signature' } }, 'channel.credentials_rejected'],
      [
        { error_response: { code: 10, msg: 'Service Currently Unavailable', sub_code: 'isp.x' } },
        'channel.unavailable',
      ],
      [
        { error_response: { code: 15, msg: 'Remote service error', sub_code: 'isv.refund_state' } },
        'channel.rejected',
      ],
    ];
    for (const [answer, code] of cases) {
      const { connectors } = recorder(answer);
      const error = await connectors.TAOBAO.confirm(shop('TAOBAO'), ['1']).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as DomainError).code).toBe(code);
    }
    const down = createConnectors(async () => Promise.reject(new Error('ECONNRESET')), new FixedClock(NOW));
    await expect(
      down.PDD.confirmDelivery(shop('PDD'), {
        channelOrderId: 'o',
        outId: 'x',
        ok: true,
        message: 'm',
        failReason: null,
      }),
    ).rejects.toMatchObject({ code: 'channel.unavailable' });
  });
});

describe('pushes', () => {
  const { connectors } = recorder({});
  const pddShop = shop('PDD');
  const order: PddOrder = {
    order_sn: '260105-123',
    order_status: 1,
    refund_status: 1,
    pay_amount: '30.00',
    confirm_time: '2026-01-05 09:59:00',
    updated_at: '2026-01-05 09:59:00',
    buyer_open_id: 'b1',
    item_list: [{ goods_id: '555', goods_name: '点卡', goods_count: 3, goods_price: '10.00' }],
  };
  function pddPush(over: Partial<Record<string, string>> = {}, secret = 'secret-1') {
    const fields = {
      client_id: 'key-1',
      mall_id: '9001',
      type: 'pdd_trade_TradeConfirmed',
      timestamp: unix(NOW),
      content: JSON.stringify(order),
      ...over,
    };
    return { headers: {}, rawBody: JSON.stringify({ ...fields, sign: md5ParamSign(fields, secret) }) };
  }

  it('PDD: a genuine push is parsed; forged, tampered, other-shop and expired ones are refused', () => {
    const [e] = connectors.PDD.verifyPush(pddShop, pddPush(), NOW);
    expect(e).toMatchObject({ type: 'ORDER', channelOrderId: '260105-123', status: 'PAID', totalFen: 3000 });
    expectCode(() => connectors.PDD.verifyPush(pddShop, pddPush({}, 'wrong'), NOW), 'channel.push_forged');
    const tampered = pddPush();
    tampered.rawBody = tampered.rawBody.replace('30.00', '3.00');
    expectCode(() => connectors.PDD.verifyPush(pddShop, tampered, NOW), 'channel.push_forged');
    expectCode(
      () => connectors.PDD.verifyPush(pddShop, pddPush({ client_id: 'key-2' }), NOW),
      'channel.push_forged',
    );
    expectCode(
      () => connectors.PDD.verifyPush(pddShop, pddPush({ mall_id: '1' }), NOW),
      'channel.push_forged',
    );
    const late = new Date(NOW.getTime() + 6 * 60_000);
    expectCode(() => connectors.PDD.verifyPush(pddShop, pddPush(), late), 'channel.push_forged');
    expectCode(
      () => connectors.PDD.verifyPush(pddShop, { headers: {}, rawBody: 'not json' }, NOW),
      'channel.push_forged',
    );
  });

  const xyShop = shop('XIANYU', null);
  function xyPush(body: unknown, at = NOW, secret = 'secret-1', appid = 'key-1') {
    const raw = JSON.stringify(body);
    const ts = unix(at);
    return {
      headers: {
        'x-xgj-appid': appid,
        'x-xgj-timestamp': ts,
        'x-xgj-sign': xianyuSign(appid, raw, ts, secret),
      },
      rawBody: raw,
    };
  }
  const refund: XianyuRefund = {
    refund_no: 'R1',
    order_no: 'O1',
    refund_status: 1,
    refund_num: 1,
    refund_amount: 1000,
    reason: '不想要了',
    platform_intervene: false,
    apply_time: Number(unix(NOW)),
    update_time: Number(unix(NOW)),
    decided_by: null,
  };

  it('闲鱼: a genuine push is parsed; a replay outside the timestamp window and forgeries are refused', () => {
    const push = xyPush({ notify_type: 'refund', authorize_id: '9001', data: refund });
    expect(connectors.XIANYU.verifyPush(xyShop, push, NOW)).toMatchObject([
      { type: 'REFUND', status: 'REQUESTED', amountFen: 1000 },
    ]);
    // the same bytes again 6 minutes later: a replay
    expectCode(
      () => connectors.XIANYU.verifyPush(xyShop, push, new Date(NOW.getTime() + 6 * 60_000)),
      'channel.push_forged',
    );
    expectCode(
      () =>
        connectors.XIANYU.verifyPush(xyShop, { ...push, rawBody: push.rawBody.replace('1000', '9000') }, NOW),
      'channel.push_forged',
    );
    expectCode(
      () =>
        connectors.XIANYU.verifyPush(
          xyShop,
          xyPush({ notify_type: 'refund', authorize_id: '9001', data: refund }, NOW, 'bad'),
          NOW,
        ),
      'channel.push_forged',
    );
    expectCode(
      () =>
        connectors.XIANYU.verifyPush(
          xyShop,
          xyPush({ notify_type: 'refund', authorize_id: '9001', data: refund }, NOW, 'secret-1', 'other'),
          NOW,
        ),
      'channel.push_forged',
    );
    expectCode(
      () =>
        connectors.XIANYU.verifyPush(
          xyShop,
          xyPush({ notify_type: 'refund', authorize_id: '1', data: refund }),
          NOW,
        ),
      'channel.push_forged',
    );
  });

  it('闲鱼 二次校验: verified like a push, answered in 闲管家 form', () => {
    const check = {
      authorize_id: '9001',
      refund_no: 'R1',
      order_no: 'O1',
      refund_num: 2,
      refund_amount: 2000,
      reason: 'x',
      apply_time: Number(unix(NOW)),
    };
    expect(connectors.XIANYU.verifyRefundCheck(xyShop, xyPush(check), NOW)).toMatchObject({
      channelRefundId: 'R1',
      quantity: 2,
      amountFen: 2000,
    });
    expectCode(
      () =>
        connectors.XIANYU.verifyRefundCheck(
          xyShop,
          xyPush(check, new Date(NOW.getTime() - 10 * 60_000)),
          NOW,
        ),
      'channel.push_forged',
    );
    const reply = connectors.XIANYU.refundCheckReply({ refundable: true, message: '已作废' });
    expect(JSON.parse(reply.body)).toEqual({
      code: 0,
      msg: 'OK',
      data: { refundable: true, message: '已作废' },
    });
    expect(connectors.PDD.verifyRefundCheck(pddShop, xyPush(check), NOW)).toBeNull();
  });

  it('Taobao never pushes: anything posted as a Taobao push is forged', () => {
    expectCode(
      () => connectors.TAOBAO.verifyPush(shop('TAOBAO'), { headers: {}, rawBody: '{}' }, NOW),
      'channel.push_forged',
    );
  });
});

describe('state mapping', () => {
  const top: TopRefund = {
    refund_id: '1',
    tid: '2',
    oid: '2',
    status: 'SELLER_REFUSE_BUYER',
    cs_status: 1,
    refund_phase: 'onsale',
    refund_fee: '12.30',
    num: 1,
    reason: 'r',
    refund_version: 3,
    created: '2026-01-05 10:00:00',
    modified: '2026-01-05 10:00:05',
    decided_by: 'SELLER',
  };
  it('Taobao: status + cs_status; 小二 involved is INTERVENING; yuan text to fen', () => {
    expect(topRefundEvent(top)).toMatchObject({
      status: 'REFUSED',
      amountFen: 1230,
      phase: 'ONSALE',
      rawStatus: 'SELLER_REFUSE_BUYER',
    });
    expect(topRefundEvent({ ...top, cs_status: 2 })).toMatchObject({
      status: 'INTERVENING',
      rawStatus: 'SELLER_REFUSE_BUYER/cs_status=2',
    });
    expect(
      topRefundEvent({ ...top, status: 'SUCCESS', cs_status: 6, refund_phase: 'aftersale' }),
    ).toMatchObject({ status: 'SUCCESS', phase: 'AFTERSALE' });
    expect(topRefundEvent({ ...top, modified: 'yesterday' })).toBeNull();
  });
  it('PDD: after_sales_status numbers', () => {
    const base = {
      id: '1',
      order_sn: 'o',
      after_sales_type: 2,
      refund_amount: '5',
      goods_number: '1',
      after_sale_reason: 'r',
      created_time: '2026-01-05 10:00:00',
      updated_time: '2026-01-05 10:00:00',
      decided_by: null,
    };
    const expected: Record<number, string> = {
      2: 'REQUESTED',
      4: 'AGREED',
      5: 'AGREED',
      6: 'REFUSED',
      8: 'INTERVENING',
      9: 'CLOSED',
      10: 'SUCCESS',
      11: 'CLOSED',
      12: 'CLOSED',
    };
    for (const [n, s] of Object.entries(expected))
      expect(pddRefundEvent({ ...base, after_sales_status: Number(n) })?.status).toBe(s);
    expect(pddRefundEvent({ ...base, after_sales_status: 99 })).toBeNull();
  });
  it('闲鱼: refund_status, with 平台介入 on an open refund as INTERVENING', () => {
    const r: XianyuRefund = {
      refund_no: 'R',
      order_no: 'O',
      refund_status: 6,
      refund_num: 1,
      refund_amount: 100,
      reason: 'r',
      platform_intervene: true,
      apply_time: 1,
      update_time: 2,
      decided_by: 'SELLER',
    };
    expect(xianyuRefundEvent(r)?.status).toBe('INTERVENING');
    expect(xianyuRefundEvent({ ...r, platform_intervene: false })?.status).toBe('REFUSED');
    expect(xianyuRefundEvent({ ...r, refund_status: 5 })?.status).toBe('SUCCESS');
  });
  it('money as yuan text round-trips exactly', () => {
    for (const fen of [0, 1, 10, 99, 100, 1230, 123456789]) expect(fenOfYuan(yuan(fen))).toBe(fen);
    expect(fenOfYuan('12.3')).toBe(1230);
    expect(fenOfYuan(0.1)).toBe(10);
    expect(fenOfYuan('1.234')).toBeNull();
    expect(fenOfYuan('-1')).toBeNull();
  });
});
