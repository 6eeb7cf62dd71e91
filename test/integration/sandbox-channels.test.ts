/**
 * The sandbox channels and Kameng's connectors together, on a real database (SQLite, and
 * PostgreSQL when configured), without the rest of the app: a stand-in "Kameng" receives pushes
 * and 二次校验 requests through the connectors' own verification. Covers subscription and bad
 * credentials, Taobao TMC redelivery until confirmed, duplicates, loss (polling finds it),
 * reordering (modified times tell), retries then giving up, answers changing channel state,
 * intervention and the staff's decision, channel-side timeouts, 闲鱼's 二次校验, and "down".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/platform/clock.js';
import { MasterKey } from '../../src/platform/crypto.js';
import { DomainError, type ErrorCode } from '../../src/platform/errors.js';
import { KeyVault } from '../../src/platform/vault.js';
import type {
  ChannelEvent,
  ChannelKind,
  ChannelRefundEvent,
  ShopRef,
} from '../../src/modules/channels/connector.js';
import { createConnectors } from '../../src/modules/channels/connectors/index.js';
import { createSandboxChannels, type SandboxChannels } from '../../src/modules/channels/sandbox/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const T0 = new Date('2026-01-05T02:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;

let db: TestDb;
const clock = new FixedClock(T0);
let sandbox: SandboxChannels;
let connectors: ReturnType<typeof createConnectors>;

interface Received {
  shopId: string;
  kind: 'push' | 'check';
  events: ChannelEvent[];
  at: Date;
}
const received: Received[] = [];
const shops = new Map<string, ShopRef>();
/** How the stand-in Kameng answers pushes and 二次校验 requests. */
let acks = true;
let refundable = true;

beforeAll(async () => {
  db = await createTestDb(T0);
  const vault = new KeyVault(new MasterKey(Buffer.alloc(32, 9)));
  sandbox = createSandboxChannels({
    db: db.db,
    clock,
    vault,
    // Stands in for Kameng's /api/channels/notify/:shopId routes, verifying as they would.
    deliver: async (url, push) => {
      const m = /\/channels\/notify\/([^/]+)(\/refund-check)?$/.exec(new URL(url).pathname);
      const shop = m && shops.get(m[1]);
      if (!m || !shop) return { status: 404, body: '{}' };
      const connector = connectors[shop.channel];
      const incoming = { headers: push.headers, rawBody: push.rawBody };
      if (m[2]) {
        const check = connector.verifyRefundCheck(shop, incoming, clock.now());
        received.push({ shopId: shop.id, kind: 'check', events: [], at: clock.now() });
        const reply = connector.refundCheckReply({
          refundable: check !== null && refundable,
          message: refundable ? '卡密已作废' : '卡密已使用',
        });
        return { status: reply.status, body: reply.body };
      }
      const events = connector.verifyPush(shop, incoming, clock.now());
      received.push({ shopId: shop.id, kind: 'push', events, at: clock.now() });
      const ack = connector.ack(acks);
      return { status: ack.status, body: ack.body };
    },
  });
  connectors = createConnectors(sandbox.transport, clock);
});
afterAll(() => db.destroy());
beforeEach(() => {
  acks = true;
  refundable = true;
});

const advance = (ms: number) => clock.advance(ms);
const tick = () => sandbox.tick(clock.now());

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
}

let seq = 0;
/** Opens a sandbox shop, connects it through its connector, lists one item. */
async function connected(channel: ChannelKind, settings = {}) {
  const { shop, credentials } = await sandbox.createShop({ channel, settings });
  const id = `kameng-${++seq}`;
  const sub = await connectors[channel].subscribe(
    { id, channel, credentials },
    `https://kameng.test/api/channels/notify/${id}`,
  );
  const ref: ShopRef = { id, channel, channelShopId: sub.channelShopId, credentials };
  shops.set(id, ref);
  const item = await sandbox.createItem(shop.id, { title: '游戏点卡 100 元', priceFen: 9_500 });
  return { shop, ref, item, sub };
}

const pushesOf = (ref: ShopRef) =>
  received.filter((r) => r.shopId === ref.id && r.kind === 'push').flatMap((r) => r.events);
const refundEvents = (events: ChannelEvent[], id: string) =>
  events.filter((e): e is ChannelRefundEvent => e.type === 'REFUND' && e.channelRefundId === id);

describe('connecting', () => {
  it.each(['TAOBAO', 'PDD', 'XIANYU'] as const)(
    '%s: the right credentials subscribe; a wrong secret or session is refused',
    async (channel) => {
      const { shop, credentials } = await sandbox.createShop({ channel, name: `店-${channel}` });
      const sub = await connectors[channel].subscribe(
        { id: 'x', channel, credentials },
        'https://kameng.test/api/channels/notify/x',
      );
      expect(sub).toEqual({ channelShopId: shop.sellerId, shopName: `店-${channel}` });
      expect((await sandbox.shop(shop.id)).subscribedAt).not.toBeNull();
      await expectCode(
        connectors[channel].subscribe(
          { id: 'x', channel, credentials: { ...credentials, appSecret: 'wrong' } },
          'u',
        ),
        'channel.credentials_rejected',
      );
      await expectCode(
        connectors[channel].subscribe(
          { id: 'x', channel, credentials: { ...credentials, appKey: 'nobody' } },
          'u',
        ),
        'channel.credentials_rejected',
      );
      if (channel !== 'XIANYU')
        await expectCode(
          connectors[channel].subscribe(
            { id: 'x', channel, credentials: { ...credentials, sessionKey: 'expired' } },
            'u',
          ),
          'channel.credentials_rejected',
        );
    },
  );
});

describe('Taobao over TMC', () => {
  it('a message handed out and not confirmed comes again until it is confirmed', async () => {
    const { shop, ref, item } = await connected('TAOBAO');
    const order = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 2,
      buyerNick: '买家甲',
      profile: 'normal',
    });
    const first = await connectors.TAOBAO.consume(ref, 50);
    expect(first).toHaveLength(1);
    expect(first[0].event).toMatchObject({
      type: 'ORDER',
      channelOrderId: order.id,
      status: 'PAID',
      rawStatus: 'WAIT_SELLER_SEND_GOODS',
      totalFen: 19_000,
      lines: [{ channelItemId: item.id, quantity: 2, unitPriceFen: 9_500 }],
    });
    expect(await connectors.TAOBAO.consume(ref, 50)).toHaveLength(0); // still invisible
    advance(61 * SEC);
    const again = await connectors.TAOBAO.consume(ref, 50);
    expect(again.map((m) => m.id)).toEqual([first[0].id]);
    await connectors.TAOBAO.confirm(ref, [first[0].id]);
    advance(61 * SEC);
    expect(await connectors.TAOBAO.consume(ref, 50)).toHaveLength(0);
    const [msg] = await sandbox.messages({ orderId: order.id });
    expect(msg).toMatchObject({
      kind: 'TMC',
      state: 'CONFIRMED',
      attempts: 2,
      topic: 'taobao_trade_TradeBuyerPay',
    });
  });

  it('duplicate buyers: three messages with the same content; lost buyers: only polling finds the order', async () => {
    const { shop, ref, item } = await connected('TAOBAO');
    const from = clock.now();
    const dup = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: '重复',
      profile: 'duplicate',
    });
    const lost = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: '丢失',
      profile: 'lost',
    });
    advance(5 * MIN + SEC);
    const pulled = await connectors.TAOBAO.consume(ref, 50);
    expect(pulled.map((m) => m.event.type === 'ORDER' && m.event.channelOrderId)).toEqual([
      dup.id,
      dup.id,
      dup.id,
    ]);
    expect(new Set(pulled.map((m) => m.id)).size).toBe(3);
    await connectors.TAOBAO.confirm(
      ref,
      pulled.map((m) => m.id),
    );
    const polled = await connectors.TAOBAO.listChanged(ref, from, clock.now());
    expect(
      polled
        .filter((e) => e.type === 'ORDER')
        .map((e) => e.type === 'ORDER' && e.channelOrderId)
        .sort(),
    ).toEqual([dup.id, lost.id].sort());
    expect((await sandbox.messages({ orderId: lost.id }))[0].state).toBe('LOST');
  });

  it('dummy shipping keeps the message once; an onsale refund agreed closes the trade, an aftersale one does not', async () => {
    const { shop, ref, item } = await connected('TAOBAO');
    const a = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'a',
      profile: 'normal',
    });
    const delivery = {
      channelOrderId: a.id,
      outId: 'km-1',
      ok: true,
      message: '提取链接 https://kameng.test/k/abc 提取码 1234',
      failReason: null,
    };
    await connectors.TAOBAO.confirmDelivery(ref, delivery);
    await connectors.TAOBAO.confirmDelivery(ref, delivery); // retried after a timeout: ships once
    const shipped = await sandbox.order(a.id);
    expect(shipped).toMatchObject({
      state: 'SHIPPED',
      rawStatus: 'WAIT_BUYER_CONFIRM_GOODS',
      delivery: { ok: true, message: delivery.message },
    });
    expect((await sandbox.messages({ orderId: a.id })).map((m) => m.topic).sort()).toEqual([
      'taobao_trade_TradeBuyerPay',
      'taobao_trade_TradeSellerShip',
    ]);

    const onsale = await sandbox.requestRefund(a.id, { quantity: 1, reason: '不想要了' });
    await connectors.TAOBAO.answerRefund(ref, {
      channelRefundId: onsale.id,
      channelOrderId: a.id,
      agree: true,
      message: '同意',
      outId: 'rq-1',
    });
    await connectors.TAOBAO.answerRefund(ref, {
      channelRefundId: onsale.id,
      channelOrderId: a.id,
      agree: true,
      message: '同意',
      outId: 'rq-1',
    });
    expect(await sandbox.order(a.id)).toMatchObject({
      state: 'CLOSED',
      rawStatus: 'TRADE_CLOSED',
      refunds: [{ state: 'SUCCESS', decidedBy: 'SELLER', phase: 'ONSALE' }],
    });

    const b = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'b',
      profile: 'normal',
    });
    await connectors.TAOBAO.confirmDelivery(ref, { ...delivery, channelOrderId: b.id });
    await sandbox.confirmReceipt(b.id);
    const after = await sandbox.requestRefund(b.id, { quantity: 1, reason: '卡密无效' });
    await connectors.TAOBAO.answerRefund(ref, {
      channelRefundId: after.id,
      channelOrderId: b.id,
      agree: true,
      message: '',
      outId: 'rq-2',
    });
    expect(await sandbox.order(b.id)).toMatchObject({
      state: 'FINISHED',
      refunds: [{ state: 'SUCCESS', phase: 'AFTERSALE' }],
    });

    const events = (await connectors.TAOBAO.consume(ref, 200)).map((m) => m.event);
    expect(refundEvents(events, onsale.id).map((e) => e.status)).toEqual(['REQUESTED', 'SUCCESS']);
    expect(events.some((e) => e.type === 'ORDER' && e.channelOrderId === a.id && e.status === 'CLOSED')).toBe(
      true,
    );
  });

  it('refused, then 小二介入, then the staff refund the buyer', async () => {
    const { shop, ref, item } = await connected('TAOBAO');
    const o = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 3,
      buyerNick: 'c',
      profile: 'normal',
    });
    const r = await sandbox.requestRefund(o.id, { quantity: 2, reason: '充值失败' });
    expect(r).toMatchObject({ amountFen: 19_000, state: 'WAIT_SELLER', rawStatus: 'WAIT_SELLER_AGREE' });
    await connectors.TAOBAO.answerRefund(ref, {
      channelRefundId: r.id,
      channelOrderId: o.id,
      agree: false,
      message: '卡密已使用',
      outId: 'x',
    });
    expect(await sandbox.intervene(r.id)).toMatchObject({
      rawStatus: 'SELLER_REFUSE_BUYER (cs_status=2)',
      intervention: 'APPLIED',
    });
    // refusing again is a retried call: nothing changes
    await connectors.TAOBAO.answerRefund(ref, {
      channelRefundId: r.id,
      channelOrderId: o.id,
      agree: false,
      message: '',
      outId: 'x',
    });
    expect(await sandbox.decide(r.id, true)).toMatchObject({
      state: 'SUCCESS',
      decidedBy: 'CHANNEL',
      intervention: 'DECIDED',
    });
    await expectCode(sandbox.decide(r.id, true), 'sandbox.channel_refund_state');
    const events = (await connectors.TAOBAO.consume(ref, 200)).map((m) => m.event);
    expect(refundEvents(events, r.id).map((e) => [e.status, e.decidedBy])).toEqual([
      ['REQUESTED', null],
      ['REFUSED', 'SELLER'],
      ['INTERVENING', 'SELLER'],
      ['SUCCESS', 'CHANNEL'],
    ]);
    expect((await sandbox.order(o.id)).state).toBe('PAID'); // 2 of 3 units refunded: the trade goes on
  });
});

describe('Pinduoduo pushes', () => {
  it('delivered and acknowledged; duplicates arrive three times; unacknowledged ones are retried then given up', async () => {
    const { shop, ref, item } = await connected('PDD');
    const o = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'd',
      profile: 'duplicate',
    });
    await tick();
    advance(30 * SEC);
    await tick();
    advance(270 * SEC);
    await tick();
    expect(pushesOf(ref).filter((e) => e.type === 'ORDER' && e.channelOrderId === o.id)).toHaveLength(3);

    acks = false;
    const n = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'e',
      profile: 'normal',
    });
    for (const wait of [0, 15, 60, 300, 900, 3600, 7200]) {
      advance(wait * SEC);
      await tick();
    }
    const [m] = await sandbox.messages({ orderId: n.id });
    expect(m).toMatchObject({ state: 'GAVE_UP', attempts: 7, lastStatus: 400 });
    expect(pushesOf(ref).filter((e) => e.type === 'ORDER' && e.channelOrderId === n.id)).toHaveLength(7);
  });

  it('reordered: the refund arrives before the order, and modified times tell which is newer', async () => {
    const { shop, ref, item } = await connected('PDD');
    const o = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'f',
      profile: 'reorder',
    });
    const r = await sandbox.requestRefund(o.id, { quantity: 1, reason: '拍错了' });
    await tick();
    const firstBatch = pushesOf(ref).filter(
      (e) => (e.type === 'ORDER' ? e.channelOrderId : e.channelOrderId) === o.id,
    );
    expect(firstBatch.map((e) => e.type)).toEqual(['REFUND']);
    advance(2 * MIN);
    await tick();
    const all = pushesOf(ref).filter(
      (e) => (e.type === 'ORDER' ? e.channelOrderId : e.channelOrderId) === o.id,
    );
    expect(all.map((e) => e.type)).toEqual(['REFUND', 'ORDER']);
    expect(all[0].modifiedAt.getTime()).toBeGreaterThanOrEqual(all[1].modifiedAt.getTime());
    expect(refundEvents(all, r.id)[0]).toMatchObject({
      status: 'REQUESTED',
      rawStatus: '2 买家申请退款，待商家处理',
      quantity: 1,
      amountFen: 9_500,
    });
  });

  it('timeouts: unanswered → agreed by the channel, paid a minute later; refused and left → closed', async () => {
    const { shop, ref, item } = await connected('PDD', {
      sellerAnswerSeconds: 600,
      buyerResponseSeconds: 900,
    });
    const o1 = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'g',
      profile: 'normal',
    });
    const r1 = await sandbox.requestRefund(o1.id, { quantity: 1, reason: 'x' });
    const o2 = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'h',
      profile: 'normal',
    });
    const r2 = await sandbox.requestRefund(o2.id, { quantity: 1, reason: 'y' });
    await connectors.PDD.answerRefund(ref, {
      channelRefundId: r2.id,
      channelOrderId: o2.id,
      agree: false,
      message: '已使用',
      outId: 'a',
    });
    advance(601 * SEC);
    expect(await tick()).toMatchObject({ refundsTimedOut: 1 });
    expect(await sandbox.refund(r1.id)).toMatchObject({
      state: 'AGREED',
      decidedBy: 'TIMEOUT',
      rawStatus: '5 平台同意退款，退款中',
    });
    advance(61 * SEC);
    expect(await tick()).toMatchObject({ refundsPaid: 1 });
    expect(await sandbox.order(o1.id)).toMatchObject({
      state: 'CLOSED',
      rawStatus: 'order_status=1 refund_status=4',
    });
    advance(900 * SEC);
    expect(await tick()).toMatchObject({ refundsClosed: 1 });
    expect(await sandbox.refund(r2.id)).toMatchObject({
      state: 'CLOSED',
      decidedBy: 'TIMEOUT',
      rawStatus: '12 买家逾期未处理，退款失败',
    });
    const statuses = refundEvents(pushesOf(ref), r1.id).map((e) => [e.status, e.decidedBy]);
    expect(statuses).toEqual([
      ['REQUESTED', null],
      ['AGREED', 'TIMEOUT'],
      ['SUCCESS', 'TIMEOUT'],
    ]);
  });

  it('a failed virtual delivery closes the order; "down" fails calls and holds pushes; polling finds what was lost', async () => {
    const { shop, ref, item } = await connected('PDD');
    const from = clock.now();
    const o = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'i',
      profile: 'lost',
    });
    await connectors.PDD.confirmDelivery(ref, {
      channelOrderId: o.id,
      outId: 'k',
      ok: false,
      message: '',
      failReason: '库存不足',
    });
    expect(await sandbox.order(o.id)).toMatchObject({
      state: 'CLOSED',
      closeReason: 'DELIVERY_FAILED',
      delivery: { ok: false, failReason: '库存不足' },
    });
    advance(5 * SEC);
    const polled = await connectors.PDD.listChanged(ref, from, clock.now());
    expect(polled).toMatchObject([{ type: 'ORDER', channelOrderId: o.id, status: 'CLOSED' }]);

    await sandbox.updateSettings(shop.id, { down: true });
    await expectCode(connectors.PDD.listChanged(ref, from, clock.now()), 'channel.unavailable');
    const p = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'j',
      profile: 'normal',
    });
    await tick();
    expect(pushesOf(ref).some((e) => e.type === 'ORDER' && e.channelOrderId === p.id)).toBe(false);
    await sandbox.updateSettings(shop.id, { down: false });
    await tick();
    expect(pushesOf(ref).some((e) => e.type === 'ORDER' && e.channelOrderId === p.id)).toBe(true);
  });
});

describe('闲鱼', () => {
  it('二次校验: refundable → refunded at once; not refundable → waits for the seller, then the platform decides', async () => {
    const { shop, ref, item } = await connected('XIANYU');
    const o = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 2,
      buyerNick: 'k',
      profile: 'normal',
    });
    const r1 = await sandbox.requestRefund(o.id, { quantity: 1, reason: '不需要了' });
    await tick(); // the refund notice and the 二次校验 go out; the answer pays the buyer
    await tick(); // the refund-success notice
    expect(await sandbox.refund(r1.id)).toMatchObject({
      state: 'SUCCESS',
      checkState: 'REFUNDABLE',
      decidedBy: 'SELLER',
      rawStatus: '5 退款成功',
    });
    expect(refundEvents(pushesOf(ref), r1.id).map((e) => e.status)).toEqual(['REQUESTED', 'SUCCESS']);

    refundable = false;
    const r2 = await sandbox.requestRefund(o.id, { quantity: 1, reason: '卡密不能用' });
    await tick();
    expect(await sandbox.refund(r2.id)).toMatchObject({
      state: 'WAIT_SELLER',
      checkState: 'NOT_REFUNDABLE',
      checkMessage: '卡密已使用',
    });
    await connectors.XIANYU.answerRefund(ref, {
      channelRefundId: r2.id,
      channelOrderId: o.id,
      agree: false,
      message: '已激活',
      outId: 'q',
    });
    await sandbox.intervene(r2.id);
    await sandbox.decide(r2.id, false);
    await tick();
    expect(refundEvents(pushesOf(ref), r2.id).map((e) => [e.status, e.decidedBy])).toEqual([
      ['REQUESTED', null],
      ['REFUSED', 'SELLER'],
      ['INTERVENING', 'SELLER'],
      ['CLOSED', 'CHANNEL'],
    ]);
    expect(received.filter((x) => x.shopId === ref.id && x.kind === 'check')).toHaveLength(2);
  });

  it('polling returns orders with their refunds; modified times move forward even within one second', async () => {
    const { shop, ref, item } = await connected('XIANYU');
    const from = clock.now();
    const o = await sandbox.placeOrder({
      shopId: shop.id,
      itemId: item.id,
      quantity: 1,
      buyerNick: 'l',
      profile: 'lost',
    });
    await connectors.XIANYU.confirmDelivery(ref, {
      channelOrderId: o.id,
      outId: 'z',
      ok: true,
      message: '链接',
      failReason: null,
    });
    await sandbox.confirmReceipt(o.id);
    advance(3 * SEC);
    const events = await connectors.XIANYU.listChanged(ref, from, clock.now());
    expect(events).toMatchObject([
      { type: 'ORDER', channelOrderId: o.id, status: 'FINISHED', rawStatus: '22 已完成' },
    ]);
    const order = await sandbox.order(o.id);
    // three changes in the same instant: PAID, SHIPPED, FINISHED — each a second later on the wire
    expect(order.modifiedAt.getTime() - order.paidAt.getTime()).toBe(2 * SEC);
  });
});
