/**
 * Stage 7 end to end through the sandbox shops, for each channel (淘宝 over TMC, 拼多多 and 闲鱼 by
 * signed pushes), on a real database (SQLite, and PostgreSQL when configured): the whole app runs,
 * the sweeper drives the channels' deliveries and Kameng's reconciliation, the test clock moves.
 * An order is delivered once under duplicated and reordered messages, a lost one is recovered by
 * reconciliation, a sealed key's refund is agreed automatically with the key back in stock, a
 * revealed key's refund is refused by the merchant and then decided by the channel's staff, and a
 * forged push changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import type { SandboxChannels } from '../../src/modules/channels/index.js';
import { harness, type Harness } from '../helpers/app.js';
import { merchantOf, UNACTIVATED_REFUND } from '../helpers/disputes.js';
import { stocked } from '../helpers/orders.js';

let h: Harness;
let sandbox: SandboxChannels;
beforeAll(async () => {
  h = await harness();
  sandbox = h.app.kameng.sandboxChannels!;
});
afterAll(() => h.close());

const ADMIN = systemActor('test');
const SEC = 1000;

/** Moves the test clock and lets the sweeper do what is due (deliveries, reconciliation, answers). */
async function run(ms = 0, rounds = 3) {
  if (ms > 0) await h.testClock.advance(ms, ADMIN);
  for (let i = 0; i < rounds; i++) {
    await h.app.kameng.sweep();
    await new Promise((r) => setTimeout(r, 20)); // after-commit work (deliveries, answers)
  }
}

type Channel = 'TAOBAO' | 'PDD' | 'XIANYU';

async function connectedShop(channel: Channel, keys: number) {
  const p = await stocked(h, keys, { policy: UNACTIVATED_REFUND });
  const m = await merchantOf(h, p);
  const { shop: sbShop, credentials } = await sandbox.createShop({ channel });
  const res = await m.post<{ id: string; credentialsMasked: string }>('/api/merchant/channel-shops', {
    channel,
    appKey: credentials.appKey,
    appSecret: credentials.appSecret,
    sessionKey: credentials.sessionKey,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const item = await sandbox.createItem(sbShop.id, { title: '测试点卡 100 元', priceFen: 9_800 });
  const mapped = await m.req('PUT', `/api/merchant/channel-shops/${res.body.id}/items`, {
    channelItemId: item.id,
    productId: p.productId,
  });
  expect(mapped.status, JSON.stringify(mapped.body)).toBe(204);
  return { p, m, shopId: res.body.id, sbShopId: sbShop.id, itemId: item.id };
}

const channelOrderOf = (shopId: string, channelOrderId: string) =>
  h.db.db
    .selectFrom('channel_orders')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('channel_order_id', '=', channelOrderId)
    .execute();

const keysOfProduct = async (productId: string) => {
  const rows = await h.db.db.selectFrom('keys').select('state').where('product_id', '=', productId).execute();
  const count: Record<string, number> = {};
  for (const r of rows) count[r.state] = (count[r.state] ?? 0) + 1;
  return count;
};

const tokenOf = (message: string | null | undefined) => /\/k\/([A-Za-z0-9_-]+)/.exec(message ?? '')?.[1];

for (const channel of ['TAOBAO', 'PDD', 'XIANYU'] as const) {
  describe(`${channel} through the sandbox shop`, () => {
    it('duplicated and reordered messages deliver once; a sealed key’s refund is agreed at once and the key returns', async () => {
      const s = await connectedShop(channel, 6);
      // Every message of this buyer's orders goes out 3 times.
      const dup = await sandbox.placeOrder({
        shopId: s.sbShopId,
        itemId: s.itemId,
        quantity: 2,
        buyerNick: 'dup**',
        profile: 'duplicate',
      });
      await run();
      await run(31 * SEC);
      await run(300 * SEC);
      const rows = await channelOrderOf(s.shopId, dup.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: 'DELIVERED', quantity: 2, delivery_state: 'SENT' });
      const orders = await h.db.db
        .selectFrom('orders')
        .select(['id', 'state'])
        .where('product_id', '=', s.p.productId)
        .execute();
      expect(orders).toHaveLength(1);
      const shipped = await sandbox.order(dup.id);
      expect(shipped.state).toBe('SHIPPED');
      expect(tokenOf(shipped.delivery?.message)).toBeDefined();
      expect(await keysOfProduct(s.p.productId)).toEqual({ AVAILABLE: 4, SEALED: 2 });

      // The paid message is held back; the buyer asks for a refund at once: the refund arrives first.
      const re = await sandbox.placeOrder({
        shopId: s.sbShopId,
        itemId: s.itemId,
        quantity: 1,
        buyerNick: 're**',
        profile: 'reorder',
      });
      await run();
      // Kameng has not heard of the order, so there is nothing to ship yet; the buyer asks back.
      const refund = await sandbox.requestRefund(re.id, { quantity: 1, reason: '拍错了' });
      await run();
      await run(121 * SEC);
      await run(61 * SEC);
      const after = await sandbox.order(re.id);
      const r = await sandbox.refund(refund.id);
      expect(r.state, JSON.stringify(r)).toBe('SUCCESS');
      expect(after.state).toBe('CLOSED'); // refunded before completion (onsale): the trade closes
      const reRows = await channelOrderOf(s.shopId, re.id);
      expect(reRows).toHaveLength(1);
      if (channel === 'XIANYU') {
        // 闲鱼 asked first (二次校验): Kameng had delivered nothing, so "refundable"; the paid
        // message that arrives later finds the trade closed and nothing is delivered.
        expect(r.checkState).toBe('REFUNDABLE');
        expect(reRows[0]).toMatchObject({ state: 'CLOSED', order_id: null });
      } else {
        // The refund waited for its order; once delivered, the sealed key's refund was agreed at once.
        expect(reRows[0].state).toBe('DELIVERED');
        const request = await h.db.db
          .selectFrom('refund_requests')
          .select(['state', 'decision_code'])
          .where('order_id', '=', reRows[0].order_id!)
          .executeTakeFirstOrThrow();
        expect(request).toEqual({ state: 'REFUNDED', decision_code: 'AUTO_SEALED_ELIGIBLE' });
      }
      expect(await keysOfProduct(s.p.productId)).toEqual({ AVAILABLE: 4, SEALED: 2 });
    });

    it('a lost message is recovered by reconciliation', async () => {
      const s = await connectedShop(channel, 2);
      const lost = await sandbox.placeOrder({
        shopId: s.sbShopId,
        itemId: s.itemId,
        quantity: 1,
        buyerNick: 'lost**',
        profile: 'lost',
      });
      await run(5 * SEC);
      await run(61 * SEC); // a minute on: every shop is polled
      expect((await channelOrderOf(s.shopId, lost.id))[0]).toMatchObject({ state: 'DELIVERED' });
      await run(5 * SEC);
      expect((await sandbox.order(lost.id)).state).toBe('SHIPPED');
    });

    it('a revealed key: the merchant refuses with the records; the channel’s staff decide for the buyer', async () => {
      const s = await connectedShop(channel, 2);
      const o = await sandbox.placeOrder({
        shopId: s.sbShopId,
        itemId: s.itemId,
        quantity: 1,
        buyerNick: 'rv**',
        profile: 'normal',
      });
      await run();
      const token = tokenOf((await sandbox.order(o.id)).delivery?.message);
      expect(token).toBeDefined();
      const guest = h.client();
      const view = await guest.get<{ units: { unitId: string }[]; channel: { refundUrl: string } }>(
        `/api/lookup/${token}`,
      );
      expect(view.status).toBe(200);
      expect(
        (await guest.post(`/api/lookup/${token}/reveal`, { unitId: view.body.units[0].unitId })).status,
      ).toBe(200);
      const refund = await sandbox.requestRefund(o.id, { quantity: 1, reason: '卡密无效' });
      await run();
      const cr = await h.db.db
        .selectFrom('channel_refunds')
        .selectAll()
        .where('channel_refund_id', '=', refund.id)
        .executeTakeFirstOrThrow();
      const detail = await s.m.get<{ state: string; version: number }>(`/api/refunds/${cr.request_id}`);
      expect(detail.body.state).toBe('PENDING_REVIEW');
      const rej = await s.m.post(`/api/refunds/${cr.request_id}/decision`, {
        action: 'REJECT',
        version: detail.body.version,
        code: 'NOT_MERCHANT_FAULT',
        note: '买家已查看卡密',
        acknowledgeWarnings: true,
      });
      expect(rej.status, JSON.stringify(rej.body)).toBe(200);
      await run();
      expect((await sandbox.refund(refund.id)).state).toBe('REFUSED');
      await sandbox.intervene(refund.id);
      await run(2 * SEC);
      await sandbox.decide(refund.id, true);
      await run(2 * SEC);
      await run(61 * SEC);
      expect((await sandbox.refund(refund.id)).state).toBe('SUCCESS');
      const request = await h.db.db
        .selectFrom('refund_requests')
        .select(['state', 'decision_code'])
        .where('id', '=', cr.request_id!)
        .executeTakeFirstOrThrow();
      expect(request).toEqual({ state: 'REFUNDED', decision_code: 'CHANNEL_OVERRODE' });
      const row = await h.db.db
        .selectFrom('channel_refunds')
        .select(['intervened', 'overridden'])
        .where('id', '=', cr.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ intervened: 1, overridden: 1 });
      expect(await keysOfProduct(s.p.productId)).toEqual({ AVAILABLE: 1, VOIDED: 1 });
    });
  });
}

describe('forged and replayed pushes', () => {
  it('a push signed with the wrong secret, or replayed outside the window, changes nothing', async () => {
    for (const channel of ['PDD', 'XIANYU'] as const) {
      const s = await connectedShop(channel, 1);
      const o = await sandbox.placeOrder({
        shopId: s.sbShopId,
        itemId: s.itemId,
        quantity: 1,
        buyerNick: 'f**',
        profile: 'normal',
      });
      // Capture the genuine push as it leaves the sandbox, then tamper with it.
      const messages = await sandbox.messages({ orderId: o.id });
      expect(messages.length).toBeGreaterThan(0);
      const forged = await h.app.inject({
        method: 'POST',
        url: `/api/channels/notify/${s.shopId}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          order_sn: o.id,
          type: 'ORDER_PAID',
          sign: 'ABCDEF0123456789ABCDEF0123456789',
          timestamp: Math.floor(h.ctx.clock.now().getTime() / 1000),
        }),
      });
      expect(forged.statusCode).toBe(401);
      expect(await channelOrderOf(s.shopId, o.id)).toHaveLength(0);
      await run();
      expect(await channelOrderOf(s.shopId, o.id)).toHaveLength(1); // the genuine one
    }
  });
});
