/**
 * Stage 7, Kameng's side of channel orders on a real database (SQLite, and PostgreSQL when
 * configured), driven by a scripted channel (test/helpers/channels.ts) so every ordering can be
 * forced: a channel order delivered once however often and concurrently it arrives; failures
 * (unmapped, out of stock) told to the channel with nothing reserved; refunds judged by the same
 * rules — sealed agreed at once with the key back in stock, revealed decided by the merchant and
 * then overridden by the channel (recorded as such), cancelled by the buyer; a refund that arrives
 * before its order; stale and forged messages changing nothing; the lookup (link, order number +
 * code) with reveals recorded, identical answers for wrong and unknown, and throttles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { systemActor } from '../../src/platform/actor.js';
import { resendDeliveries } from '../../src/modules/channels/index.js';
import { harness, PASSWORD, type Harness } from '../helpers/app.js';
import { fakeChannels, orderEvent, push, refundEvent, type FakeChannel } from '../helpers/channels.js';
import { merchantOf, UNACTIVATED_REFUND } from '../helpers/disputes.js';
import { stocked, type Stocked } from '../helpers/orders.js';

let h: Harness;
let fakes: Record<'TAOBAO' | 'PDD' | 'XIANYU', FakeChannel>;
beforeAll(async () => {
  h = await harness();
  fakes = fakeChannels(h);
});
afterAll(() => h.close());

type Shop = { id: string; credentialsMasked: string; notifyUrl: string };
type Lookup = {
  token: string;
  orderNo: string;
  units: { unitId: string; state: string; inRefund: boolean }[];
  channel: { refundUrl: string };
};

const SECRET = 'shop-secret-123456';
let n = 0;

async function connected(p: Stocked, channel: 'TAOBAO' | 'PDD' | 'XIANYU' = 'PDD') {
  const m = await merchantOf(h, p);
  const appKey = `app${++n}${Date.now()}`;
  const res = await m.post<Shop>('/api/merchant/channel-shops', {
    channel,
    appKey,
    appSecret: SECRET,
    sessionKey: 'session-abcdef',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const item = `item-${n}`;
  const mapped = await m.req('PUT', `/api/merchant/channel-shops/${res.body.id}/items`, {
    channelItemId: item,
    productId: p.productId,
  });
  expect(mapped.status, JSON.stringify(mapped.body)).toBe(204);
  return { m, shop: res.body, item, fake: fakes[channel] };
}

const keysOf = (orderId: string) =>
  h.db.db
    .selectFrom('keys')
    .innerJoin('units', 'units.id', 'keys.unit_id')
    .select(['keys.id', 'keys.state', 'keys.unit_id'])
    .where('units.order_id', '=', orderId)
    .orderBy('keys.unit_id')
    .execute();

const channelOrder = (shopId: string, channelOrderId: string) =>
  h.db.db
    .selectFrom('channel_orders')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('channel_order_id', '=', channelOrderId)
    .execute();

/** Keys by id: a key returned to stock no longer belongs to its unit. */
const keyStates = async (ids: string[]) =>
  (
    await h.db.db.selectFrom('keys').select(['id', 'state']).where('id', 'in', ids).orderBy('id').execute()
  ).map((k) => k.state);

const settleAfterCommit = () => new Promise((r) => setTimeout(r, 50));

/** The lookup token and code from the message the channel was given for an order. */
function lookupFrom(fake: FakeChannel, channelOrderId: string) {
  const d = fake.deliveries.find((x) => x.channelOrderId === channelOrderId && x.ok);
  expect(d, 'delivery confirmed to the channel').toBeDefined();
  const token = /\/k\/([A-Za-z0-9_-]+)/.exec(d!.message)![1];
  const code = /提取码 ([A-Z0-9]+)/.exec(d!.message)![1];
  const orderNo = /订单号 (KM\d+)/.exec(d!.message)![1];
  return { token, code, orderNo };
}

describe('connecting a shop', () => {
  it('stores the credentials sealed and shows them masked; a wrong secret is refused by the channel', async () => {
    const p = await stocked(h, 2, { policy: UNACTIVATED_REFUND });
    const { m, shop } = await connected(p);
    expect(shop.credentialsMasked).not.toContain(SECRET);
    expect(shop.credentialsMasked).toMatch(/Secret sho••••56/);
    const row = await h.db.db
      .selectFrom('channel_shops')
      .selectAll()
      .where('id', '=', shop.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.credentials_sealed).toString('latin1')).not.toContain(SECRET);
    const buyer = await h.db.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', row.buyer_user_id)
      .executeTakeFirstOrThrow();
    expect(buyer).toMatchObject({ status: 'DISABLED', channel_shop_id: shop.id, role: 'buyer' });
    const wrong = await m.post('/api/merchant/channel-shops', {
      channel: 'PDD',
      appKey: 'another',
      appSecret: 'wrong-secret',
      sessionKey: null,
    });
    expect(wrong.status).toBe(422);
    expect((wrong.body as { code: string }).code).toBe('channel.credentials_rejected');
    // Another merchant cannot see or use this shop.
    const other = await merchantOf(h, await stocked(h, 0));
    expect((await other.get(`/api/merchant/channel-shops/${shop.id}/items`)).status).toBe(404);
    expect(
      (
        await other.req('PUT', `/api/merchant/channel-shops/${shop.id}/items`, {
          channelItemId: 'x',
          productId: p.productId,
        })
      ).status,
    ).toBe(404);
  });
});

describe('connecting again and without a public address', () => {
  it('the same app key connected again keeps its shop (and the address the channel pushes to)', async () => {
    const p = await stocked(h, 0);
    const m = await merchantOf(h, p);
    const body = {
      channel: 'TAOBAO',
      appKey: `again${Date.now()}`,
      appSecret: SECRET,
      sessionKey: 'session-abcdef',
    };
    const first = await m.post<Shop>('/api/merchant/channel-shops', body);
    expect(first.status).toBe(201);
    expect((await m.req('DELETE', `/api/merchant/channel-shops/${first.body.id}`)).status).toBe(200);
    const again = await m.post<Shop & { status: string }>('/api/merchant/channel-shops', {
      ...body,
      appSecret: 'rotated-secret-999',
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({
      id: first.body.id,
      status: 'ACTIVE',
      notifyUrl: first.body.notifyUrl,
    });
    expect(again.body.credentialsMasked).toContain('rot••••99');
  });

  it('without KAMENG_PUBLIC_URL a real channel cannot be connected (its links would lead nowhere)', async () => {
    const real = await harness({ KAMENG_SANDBOX_GATEWAYS: 'off' });
    try {
      const p = await stocked(real, 0);
      const u = await real.db.db
        .selectFrom('users')
        .select('username')
        .where('id', '=', p.shop.userId)
        .executeTakeFirstOrThrow();
      const m = real.client();
      expect((await m.login(u.username, PASSWORD)).status).toBe(200);
      const res = await m.post('/api/merchant/channel-shops', {
        channel: 'PDD',
        appKey: 'app12345',
        appSecret: SECRET,
        sessionKey: 'session-abcdef',
      });
      expect(res.status).toBe(409);
      expect((res.body as { code: string }).code).toBe('channel.public_url_required');
    } finally {
      await real.close();
    }
  });
});

describe('channel orders', () => {
  it('a duplicated, concurrent order message delivers once: one order, sealed keys, one confirmation', async () => {
    const p = await stocked(h, 5, { policy: UNACTIVATED_REFUND });
    const { m, shop, item, fake } = await connected(p);
    const e = orderEvent(item, 2, h.ctx.clock.now());
    const results = await Promise.all([1, 2, 3].map(() => push(h, shop.id, SECRET, [e])));
    for (const r of results) expect(r.statusCode, r.body).toBe(200);
    expect((await push(h, shop.id, SECRET, [e])).statusCode).toBe(200);
    await settleAfterCommit();
    const rows = await channelOrder(shop.id, e.channelOrderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'DELIVERED', delivery_state: 'SENT', quantity: 2 });
    const keys = await keysOf(rows[0].order_id!);
    expect(keys.map((k) => k.state)).toEqual(['SEALED', 'SEALED']);
    const order = await h.db.db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', rows[0].order_id!)
      .executeTakeFirstOrThrow();
    expect(order).toMatchObject({
      payment_method: 'CHANNEL',
      state: 'DELIVERED',
      total_fen: 1980,
      settle_after: null,
    });
    // No money moved in Kameng's ledger for it (the channel holds it).
    const postings = await h.db.db
      .selectFrom('ledger_transactions')
      .select('id')
      .where('reference_id', '=', order.id)
      .execute();
    expect(postings).toHaveLength(0);
    // …and none of it is the shop's Kameng money: not held in escrow, not a Kameng sale.
    const fin = await m.get<{ escrowFen: number; sales: { grossFen: number } }>('/api/merchant/finance');
    expect(fin.status).toBe(200);
    expect(fin.body.escrowFen).toBe(0);
    expect(fin.body.sales.grossFen).toBe(0);
    expect(fake.deliveries.filter((d) => d.channelOrderId === e.channelOrderId)).toHaveLength(1);
    expect(fake.deliveries.find((d) => d.channelOrderId === e.channelOrderId)!.message).not.toMatch(/P\d+x/); // never a key
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('an unmapped item or missing stock is told to the channel as a failed delivery; nothing is reserved', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    const unmapped = orderEvent('no-such-item', 1, h.ctx.clock.now());
    const short = orderEvent(item, 3, h.ctx.clock.now());
    expect((await push(h, shop.id, SECRET, [unmapped, short])).statusCode).toBe(200);
    await settleAfterCommit();
    expect((await channelOrder(shop.id, unmapped.channelOrderId))[0]).toMatchObject({
      state: 'FAILED',
      failure_code: 'channel.item_not_mapped',
      order_id: null,
    });
    expect((await channelOrder(shop.id, short.channelOrderId))[0]).toMatchObject({
      state: 'FAILED',
      failure_code: 'inventory.out_of_stock',
    });
    const available = await h.db.db
      .selectFrom('keys')
      .select('state')
      .where('product_id', '=', p.productId)
      .execute();
    expect(available.map((k) => k.state)).toEqual(['AVAILABLE']);
    const told = (id: string) => fake.deliveries.filter((d) => d.channelOrderId === id);
    expect(told(unmapped.channelOrderId).map((d) => [d.ok, d.failReason])).toEqual([
      [false, '商品未关联卡盟货源'],
    ]);
    expect(told(short.channelOrderId).map((d) => [d.ok, d.failReason])).toEqual([
      [false, '库存不足，无法发货'],
    ]);
  });

  it('forged and stale messages change nothing', async () => {
    const p = await stocked(h, 2, { policy: UNACTIVATED_REFUND });
    const { shop, item } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    const forged = await push(h, shop.id, 'not-the-secret', [e]);
    expect(forged.statusCode).toBe(401);
    expect(await channelOrder(shop.id, e.channelOrderId)).toHaveLength(0);
    const log = await h.db.db
      .selectFrom('channel_message_log')
      .selectAll()
      .where('shop_id', '=', shop.id)
      .where('verified', '=', 0)
      .execute();
    expect(log.map((l) => l.outcome)).toContain('channel.push_forged');
    // A real message, then an older copy saying something else: the newer state stays.
    const later = new Date(h.ctx.clock.now().getTime() + 1000);
    expect(
      (
        await push(h, shop.id, SECRET, [
          { ...e, rawStatus: 'CONFIRMED', status: 'FINISHED', modifiedAt: later },
        ])
      ).statusCode,
    ).toBe(200);
    expect((await push(h, shop.id, SECRET, [e])).statusCode).toBe(200);
    expect((await channelOrder(shop.id, e.channelOrderId))[0].channel_status).toBe('CONFIRMED');
  });
});

describe('channel refunds under both rule sets', () => {
  it('a refund of a sealed key is agreed at once, the key back in stock, then recorded refunded', async () => {
    const p = await stocked(h, 2, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const [row] = await channelOrder(shop.id, e.channelOrderId);
    const [sold] = await keysOf(row.order_id!);
    const requested = refundEvent(
      e.channelOrderId,
      'REQUESTED',
      new Date(h.ctx.clock.now().getTime() + 1000),
    );
    expect((await push(h, shop.id, SECRET, [requested])).statusCode).toBe(200);
    await settleAfterCommit();
    // Agreed: the key is held — sealed, and no longer revealable — until the channel has paid.
    expect(await keyStates([sold.id])).toEqual(['SEALED']);
    const { token } = lookupFrom(fake, e.channelOrderId);
    const held = await h
      .client()
      .post<{ code: string }>(`/api/lookup/${token}/reveal`, { unitId: sold.unit_id });
    expect(held.body.code).toBe('inventory.unit_in_refund');
    expect(
      fake.answers.filter((a) => a.channelRefundId === requested.channelRefundId).map((a) => a.agree),
    ).toEqual([true]);
    const refund = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', requested.channelRefundId)
      .executeTakeFirstOrThrow();
    const request = await h.db.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', refund.request_id!)
      .executeTakeFirstOrThrow();
    expect(request).toMatchObject({ state: 'REFUNDING', decision_code: 'AUTO_SEALED_ELIGIBLE' });
    await push(h, shop.id, SECRET, [
      {
        ...requested,
        status: 'SUCCESS',
        rawStatus: '10',
        decidedBy: 'SELLER',
        modifiedAt: new Date(h.ctx.clock.now().getTime() + 2000),
      },
    ]);
    const done = await h.db.db
      .selectFrom('refund_requests')
      .select('state')
      .where('id', '=', request.id)
      .executeTakeFirstOrThrow();
    expect(done.state).toBe('REFUNDED');
    expect(await keyStates([sold.id])).toEqual(['AVAILABLE']); // paid by the channel: back in stock
    const order = await h.db.db
      .selectFrom('orders')
      .select('state')
      .where('id', '=', row.order_id!)
      .executeTakeFirstOrThrow();
    expect(order.state).toBe('REFUNDED');
    // A second refund of the same, fully refunded order is refused at once: nothing is left.
    const again = refundEvent(e.channelOrderId, 'REQUESTED', new Date(h.ctx.clock.now().getTime() + 3000), {
      channelRefundId: `again-${e.channelOrderId}`,
    });
    await push(h, shop.id, SECRET, [again]);
    await settleAfterCommit();
    expect(
      fake.answers.filter((a) => a.channelRefundId === again.channelRefundId).map((a) => a.agree),
    ).toEqual([false]);
    // No payout: the channel refunded the money.
    expect(
      await h.db.db.selectFrom('payouts').select('id').where('order_id', '=', row.order_id!).execute(),
    ).toHaveLength(0);
  });

  it('a revealed key: the merchant refuses with the records, the channel intervenes and refunds over it', async () => {
    const p = await stocked(h, 2, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const { token } = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${token}`);
    expect(view.status).toBe(200);
    const shown = await guest.post<{ secret: string; firstReveal: boolean }>(`/api/lookup/${token}/reveal`, {
      unitId: view.body.units[0].unitId,
    });
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    const t = (s: number) => new Date(h.ctx.clock.now().getTime() + s * 1000);
    await push(h, shop.id, SECRET, [
      refundEvent(e.channelOrderId, 'REQUESTED', t(1), { reason: '卡密无效' }),
    ]);
    const refund = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_order_id', '=', e.channelOrderId)
      .executeTakeFirstOrThrow();
    const m = await merchantOf(h, p);
    const detail = await m.get<{
      state: string;
      version: number;
      actions: string[];
      channel: { channelRefundId: string } | null;
    }>(`/api/refunds/${refund.request_id}`);
    expect(detail.body).toMatchObject({
      state: 'PENDING_REVIEW',
      actions: ['APPROVE', 'REJECT'],
      channel: { channelRefundId: refund.channel_refund_id },
    });
    const info = await m.post(`/api/refunds/${refund.request_id}/decision`, {
      action: 'REQUEST_INFO',
      version: detail.body.version,
      note: '请提供截图',
    });
    expect((info.body as { code: string }).code).toBe('refund.channel_no_supplement');
    const rej = await m.post<{ state: string }>(`/api/refunds/${refund.request_id}/decision`, {
      action: 'REJECT',
      version: detail.body.version,
      code: 'NOT_MERCHANT_FAULT',
      note: '卡密已被买家查看',
      acknowledgeWarnings: true,
    });
    expect(rej.status, JSON.stringify(rej.body)).toBe(200);
    await settleAfterCommit();
    expect(
      fake.answers.filter((a) => a.channelRefundId === refund.channel_refund_id).map((a) => a.agree),
    ).toEqual([false]);
    const rejected = await h.db.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', refund.request_id!)
      .executeTakeFirstOrThrow();
    expect(rejected).toMatchObject({ state: 'REJECTED', escalation_due_at: null }); // no escalation here: the channel is where
    await push(h, shop.id, SECRET, [refundEvent(e.channelOrderId, 'INTERVENING', t(2))]);
    await push(h, shop.id, SECRET, [
      refundEvent(e.channelOrderId, 'SUCCESS', t(3), { decidedBy: 'CHANNEL' }),
    ]);
    const after = await h.db.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', refund.request_id!)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({
      state: 'REFUNDED',
      decision_code: 'CHANNEL_OVERRODE',
      decided_role: 'channel',
    });
    const row = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('id', '=', refund.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ intervened: 1, overridden: 1, status: 'SUCCESS' });
    const trail = await h.db.db
      .selectFrom('audit_events')
      .select('action')
      .where('object_id', '=', refund.request_id!)
      .execute();
    expect(trail.map((x) => x.action)).toEqual(
      expect.arrayContaining(['refund.channel_intervened', 'refund.channel_overrode', 'refund.refunded']),
    );
    const [key] = await keysOf((await channelOrder(shop.id, e.channelOrderId))[0].order_id!);
    expect(key.state).toBe('VOIDED'); // revealed: never back to stock
  });

  it('a refund that arrives before its order is judged once the order is delivered; a cancelled one ends', async () => {
    const p = await stocked(h, 3, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    const now = h.ctx.clock.now();
    const e = orderEvent(item, 2, now);
    const r = refundEvent(e.channelOrderId, 'REQUESTED', new Date(now.getTime() + 1000));
    // The refund message alone first: recorded, nothing to judge yet.
    expect((await push(h, shop.id, SECRET, [r])).statusCode).toBe(200);
    expect(
      (
        await h.db.db
          .selectFrom('channel_refunds')
          .select('request_id')
          .where('channel_refund_id', '=', r.channelRefundId)
          .executeTakeFirstOrThrow()
      ).request_id,
    ).toBeNull();
    expect((await push(h, shop.id, SECRET, [e])).statusCode).toBe(200);
    await settleAfterCommit();
    const refund = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r.channelRefundId)
      .executeTakeFirstOrThrow();
    expect(refund.request_id).not.toBeNull();
    const delivered = await h.db.db
      .selectFrom('key_events')
      .innerJoin('units', 'units.id', 'key_events.unit_id')
      .select('key_events.key_id')
      .where('units.order_id', '=', (await channelOrder(shop.id, e.channelOrderId))[0].order_id!)
      .where('key_events.kind', '=', 'DELIVERED')
      .execute();
    expect(fake.answers.some((a) => a.channelRefundId === r.channelRefundId && a.agree)).toBe(true);
    await push(h, shop.id, SECRET, [
      { ...r, status: 'SUCCESS', decidedBy: 'SELLER', modifiedAt: new Date(now.getTime() + 2000) },
    ]);
    expect((await keyStates(delivered.map((k) => k.key_id))).sort()).toEqual(['AVAILABLE', 'SEALED']); // one of two refunded

    // A revealed unit's refund the buyer then cancels on the channel: the request is cancelled.
    const { token } = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${token}`);
    const sealed = view.body.units.find((u) => u.state === 'SEALED' && !u.inRefund)!;
    expect((await guest.post(`/api/lookup/${token}/reveal`, { unitId: sealed.unitId })).status).toBe(200);
    const r2 = refundEvent(e.channelOrderId, 'REQUESTED', new Date(now.getTime() + 3000), {
      channelRefundId: `R2-${e.channelOrderId}`,
    });
    await push(h, shop.id, SECRET, [r2]);
    const open = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r2.channelRefundId)
      .executeTakeFirstOrThrow();
    expect(
      (
        await h.db.db
          .selectFrom('refund_requests')
          .select('state')
          .where('id', '=', open.request_id!)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('PENDING_REVIEW');
    await push(h, shop.id, SECRET, [
      { ...r2, status: 'CLOSED', decidedBy: 'BUYER', modifiedAt: new Date(now.getTime() + 4000) },
    ]);
    expect(
      (
        await h.db.db
          .selectFrom('refund_requests')
          .select('state')
          .where('id', '=', open.request_id!)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('CANCELLED');
  });

  it('a channel that never confirms an agreed refund raises support’s delay alert, not a buyer notice', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const r = refundEvent(e.channelOrderId, 'REQUESTED', new Date(h.ctx.clock.now().getTime() + 1000));
    await push(h, shop.id, SECRET, [r]);
    const row = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r.channelRefundId)
      .executeTakeFirstOrThrow();
    expect(
      (
        await h.db.db
          .selectFrom('refund_requests')
          .select('state')
          .where('id', '=', row.request_id!)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('REFUNDING');
    await h.testClock.advance(10 * 24 * 3600_000, systemActor('test'));
    await h.app.kameng.sweep();
    const alerts = await h.db.db
      .selectFrom('alerts')
      .selectAll()
      .where('request_id', '=', row.request_id!)
      .execute();
    expect(alerts.map((a) => [a.kind, JSON.parse(a.data) as unknown])).toEqual([
      ['PAYOUT_DELAYED', { refundedBy: 'CHANNEL' }],
    ]);
    const buyerNotes = await h.db.db
      .selectFrom('notifications')
      .innerJoin('channel_shops', 'channel_shops.buyer_user_id', 'notifications.user_id')
      .select('notifications.kind')
      .where('channel_shops.id', '=', shop.id)
      .where('notifications.kind', '=', 'PAYOUT_DELAYED')
      .execute();
    expect(buyerNotes).toHaveLength(0);
  });

  it('agreed, then withdrawn on the channel before it paid: the request closes and the key is the buyer’s again', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const r = refundEvent(e.channelOrderId, 'REQUESTED', new Date(h.ctx.clock.now().getTime() + 1000));
    await push(h, shop.id, SECRET, [r]);
    const row = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r.channelRefundId)
      .executeTakeFirstOrThrow();
    const stateOf = async () =>
      (
        await h.db.db
          .selectFrom('refund_requests')
          .select('state')
          .where('id', '=', row.request_id!)
          .executeTakeFirstOrThrow()
      ).state;
    expect(await stateOf()).toBe('REFUNDING');
    await push(h, shop.id, SECRET, [
      {
        ...r,
        status: 'CLOSED',
        decidedBy: 'BUYER',
        modifiedAt: new Date(h.ctx.clock.now().getTime() + 2000),
      },
    ]);
    expect(await stateOf()).toBe('CLOSED');
    const [order] = await channelOrder(shop.id, e.channelOrderId);
    const units = await h.db.db
      .selectFrom('units')
      .select('refunded_at')
      .where('order_id', '=', order.order_id!)
      .execute();
    expect(units).toEqual([{ refunded_at: null }]);
    const { token } = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${token}`);
    expect(view.body.units).toMatchObject([{ state: 'SEALED', inRefund: false }]);
    expect(
      (await guest.post(`/api/lookup/${token}/reveal`, { unitId: view.body.units[0].unitId })).status,
    ).toBe(200);
  });

  it('a refusal made in the channel’s back office is the merchant’s; SUCCESS after it without the staff is not an override', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const { token } = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${token}`);
    expect(
      (await guest.post(`/api/lookup/${token}/reveal`, { unitId: view.body.units[0].unitId })).status,
    ).toBe(200);
    const t = (sec: number) => new Date(h.ctx.clock.now().getTime() + sec * 1000);
    const r = refundEvent(e.channelOrderId, 'REQUESTED', t(1));
    await push(h, shop.id, SECRET, [r]);
    await push(h, shop.id, SECRET, [{ ...r, status: 'REFUSED', decidedBy: 'SELLER', modifiedAt: t(2) }]);
    const row = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r.channelRefundId)
      .executeTakeFirstOrThrow();
    const rejected = await h.db.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', row.request_id!)
      .executeTakeFirstOrThrow();
    expect(rejected).toMatchObject({
      state: 'REJECTED',
      decision_code: 'CHANNEL_REFUSED',
      decided_role: 'channel',
    });
    // The seller then agrees on the channel after all (no intervention): refunded, not overridden.
    await push(h, shop.id, SECRET, [{ ...r, status: 'SUCCESS', decidedBy: 'SELLER', modifiedAt: t(3) }]);
    const after = await h.db.db
      .selectFrom('refund_requests')
      .select(['state', 'decision_code'])
      .where('id', '=', row.request_id!)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ state: 'REFUNDED', decision_code: 'CHANNEL_DECIDED' });
    expect(
      (
        await h.db.db
          .selectFrom('channel_refunds')
          .select('overridden')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).overridden,
    ).toBe(0);
  });

  it('support decides when the merchant is silent; the merchant cannot take a channel refund to arbitration; the channel buyer gets no inbox notices', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { m, shop, item, fake } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const { token } = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${token}`);
    expect(
      (await guest.post(`/api/lookup/${token}/reveal`, { unitId: view.body.units[0].unitId })).status,
    ).toBe(200);
    const r = refundEvent(e.channelOrderId, 'REQUESTED', new Date(h.ctx.clock.now().getTime() + 1000), {
      reason: '与描述不符',
    });
    await push(h, shop.id, SECRET, [r]);
    const row = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r.channelRefundId)
      .executeTakeFirstOrThrow();
    await h.testClock.advance(6 * 24 * 3600_000, systemActor('test'));
    await h.app.kameng.sweep();
    const support = await h.loggedIn({ role: 'support' });
    const queued = await support.get<{ state: string; version: number }>(`/api/refunds/${row.request_id}`);
    expect(queued.body.state).toBe('SUPPORT_REVIEW');
    const ok = await support.post(`/api/refunds/${row.request_id}/decision`, {
      action: 'APPROVE',
      version: queued.body.version,
      acknowledgeWarnings: true,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await settleAfterCommit();
    expect(fake.answers.filter((a) => a.channelRefundId === r.channelRefundId).map((a) => a.agree)).toEqual([
      true,
    ]);
    const seen = await m.get<{ actions: string[] }>(`/api/refunds/${row.request_id}`);
    expect(seen.body.actions).not.toContain('DISPUTE');
    const disputed = await m.post<{ code: string }>(`/api/refunds/${row.request_id}/dispute`, {
      note: '买家已查看卡密，不应退款',
    });
    expect(disputed.body.code).toBe('dispute.channel_order');
    const buyerNotes = await h.db.db
      .selectFrom('notifications')
      .innerJoin('channel_shops', 'channel_shops.buyer_user_id', 'notifications.user_id')
      .select('notifications.kind')
      .where('channel_shops.id', '=', shop.id)
      .execute();
    expect(buyerNotes).toEqual([]);
  });

  it('a newer message the channel refund’s lifecycle does not allow is refused, not applied', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const t = (sec: number) => new Date(h.ctx.clock.now().getTime() + sec * 1000);
    const r = refundEvent(e.channelOrderId, 'REQUESTED', t(1));
    await push(h, shop.id, SECRET, [r]);
    await push(h, shop.id, SECRET, [{ ...r, status: 'SUCCESS', decidedBy: 'SELLER', modifiedAt: t(2) }]);
    await push(h, shop.id, SECRET, [{ ...r, status: 'REQUESTED', modifiedAt: t(3) }]);
    const row = await h.db.db
      .selectFrom('channel_refunds')
      .selectAll()
      .where('channel_refund_id', '=', r.channelRefundId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('SUCCESS');
    const moves = await h.db.db
      .selectFrom('audit_events')
      .select('action')
      .where('object_id', '=', row.id)
      .orderBy('seq')
      .execute();
    expect(moves.map((m) => m.action)).toEqual([
      'channel_refund.received',
      'channel_refund.answered_agree',
      'channel_refund.success',
    ]);
    expect(
      (
        await h.db.db
          .selectFrom('refund_requests')
          .select('state')
          .where('id', '=', row.request_id!)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('REFUNDED');
  });

  it('asked again on the channel after a refusal: a new request for the merchant; a late copy of the first does not', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { m, shop, item, fake } = await connected(p);
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    const { token } = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${token}`);
    expect(
      (await guest.post(`/api/lookup/${token}/reveal`, { unitId: view.body.units[0].unitId })).status,
    ).toBe(200);
    const t = (sec: number) => new Date(h.ctx.clock.now().getTime() + sec * 1000);
    const r = refundEvent(e.channelOrderId, 'REQUESTED', t(1), { reason: '不想要了' });
    await push(h, shop.id, SECRET, [r]);
    const rowOf = () =>
      h.db.db
        .selectFrom('channel_refunds')
        .selectAll()
        .where('channel_refund_id', '=', r.channelRefundId)
        .executeTakeFirstOrThrow();
    const first = (await rowOf()).request_id!;
    const seen = await m.get<{ version: number }>(`/api/refunds/${first}`);
    const rej = await m.post(`/api/refunds/${first}/decision`, {
      action: 'REJECT',
      version: seen.body.version,
      code: 'NOT_MERCHANT_FAULT',
      note: '已查看',
      acknowledgeWarnings: true,
    });
    expect(rej.status, JSON.stringify(rej.body)).toBe(200);
    // A late copy of the first message, before the channel has the refusal: nothing reopens.
    await push(h, shop.id, SECRET, [r]);
    expect((await rowOf()).request_id).toBe(first);
    // The channel records the refusal; the buyer then asks again.
    await push(h, shop.id, SECRET, [{ ...r, status: 'REFUSED', decidedBy: 'SELLER', modifiedAt: t(2) }]);
    await push(h, shop.id, SECRET, [
      { ...r, status: 'REQUESTED', reason: '不想要了，请再看看', modifiedAt: t(3) },
    ]);
    const second = (await rowOf()).request_id!;
    expect(second).not.toBe(first);
    const states = await h.db.db
      .selectFrom('refund_requests')
      .select(['id', 'state'])
      .where('id', 'in', [first, second])
      .execute();
    expect(Object.fromEntries(states.map((x) => [x.id, x.state]))).toEqual({
      [first]: 'CLOSED',
      [second]: 'PENDING_REVIEW',
    });
    // A repeat of the second asking changes nothing more.
    await push(h, shop.id, SECRET, [
      { ...r, status: 'REQUESTED', reason: '不想要了，请再看看', modifiedAt: t(3) },
    ]);
    expect((await rowOf()).request_id).toBe(second);
    const again = await m.get<{ version: number; actions: string[] }>(`/api/refunds/${second}`);
    expect(again.body.actions).toEqual(['APPROVE', 'REJECT']);
    const ok = await m.post(`/api/refunds/${second}/decision`, {
      action: 'APPROVE',
      version: again.body.version,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    await settleAfterCommit();
    expect(fake.answers.filter((a) => a.channelRefundId === r.channelRefundId).map((a) => a.agree)).toEqual([
      false,
      true,
    ]);
  });

  it('a channel that stays down: the delivery confirmation is given up after 20 tries, with an audit event', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    fake.down = true;
    try {
      const e = orderEvent(item, 1, h.ctx.clock.now());
      await push(h, shop.id, SECRET, [e]);
      await settleAfterCommit();
      const [row] = await channelOrder(shop.id, e.channelOrderId);
      for (let i = 0; i < 25; i++) await resendDeliveries(h.app.kameng.channels, 500);
      const [after] = await channelOrder(shop.id, e.channelOrderId);
      expect(after).toMatchObject({
        delivery_state: 'GAVE_UP',
        delivery_attempts: 20,
        delivery_error: 'channel.unavailable',
      });
      const events = await h.db.db
        .selectFrom('audit_events')
        .select(['action', 'data'])
        .where('object_id', '=', row.id)
        .where('action', '=', 'channel_order.delivery_gave_up')
        .execute();
      expect(events).toHaveLength(1);
    } finally {
      fake.down = false;
    }
  });

  it('a lost message is recovered by reconciliation (TMC pull and polling)', async () => {
    const p = await stocked(h, 2, { policy: UNACTIVATED_REFUND });
    const { m, shop, item, fake } = await connected(p, 'TAOBAO');
    const pulled = orderEvent(item, 1, h.ctx.clock.now());
    const polled = orderEvent(item, 1, new Date(h.ctx.clock.now().getTime() - 1000));
    fake.queue.push({ id: `msg-${pulled.channelOrderId}`, event: pulled });
    fake.changed.push(polled);
    const res = await m.post<{ applied: number }>(`/api/merchant/channel-shops/${shop.id}/reconcile`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.applied).toBe(2);
    expect(fake.queue).toHaveLength(0); // confirmed once applied
    await settleAfterCommit();
    for (const e of [pulled, polled])
      expect((await channelOrder(shop.id, e.channelOrderId))[0].state).toBe('DELIVERED');
    // Asked again: nothing new, nothing twice.
    expect(
      (await m.post<{ applied: number }>(`/api/merchant/channel-shops/${shop.id}/reconcile`)).body.applied,
    ).toBe(0);
  });

  it('a channel that is down gets its delivery confirmation later from the sweeper', async () => {
    const p = await stocked(h, 1, { policy: UNACTIVATED_REFUND });
    const { shop, item, fake } = await connected(p);
    fake.down = true;
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shop.id, SECRET, [e]);
    await settleAfterCommit();
    expect((await channelOrder(shop.id, e.channelOrderId))[0]).toMatchObject({
      state: 'DELIVERED',
      delivery_state: 'PENDING',
      delivery_error: 'channel.unavailable',
    });
    fake.down = false;
    await h.app.kameng.sweep();
    expect((await channelOrder(shop.id, e.channelOrderId))[0].delivery_state).toBe('SENT');
  });
});

describe('the lookup without an account', () => {
  let fake: FakeChannel;
  let shopId: string;
  let item: string;
  beforeAll(async () => {
    const p = await stocked(h, 8, { policy: UNACTIVATED_REFUND });
    ({
      fake,
      item,
      shop: { id: shopId },
    } = await connected(p, 'XIANYU'));
  });

  it('reveals through the link are recorded with time, address and agent; another order’s unit is not reachable', async () => {
    const a = orderEvent(item, 1, h.ctx.clock.now());
    const b = orderEvent(item, 1, h.ctx.clock.now());
    const [sa, sb] = [await push(h, shopId, SECRET, [a]), await push(h, shopId, SECRET, [b])];
    expect([sa.statusCode, sb.statusCode]).toEqual([200, 200]);
    await settleAfterCommit();
    const la = lookupFrom(fake, a.channelOrderId);
    const lb = lookupFrom(fake, b.channelOrderId);
    const guest = h.client();
    const va = await guest.get<Lookup>(`/api/lookup/${la.token}`);
    const vb = await guest.get<Lookup>(`/api/lookup/${lb.token}`);
    expect(va.body.channel.refundUrl).toContain(a.channelOrderId);
    expect(
      (await guest.post(`/api/lookup/${la.token}/reveal`, { unitId: vb.body.units[0].unitId })).status,
    ).toBe(404);
    const shown = await guest.req<{ secret: string; firstReveal: boolean }>(
      'POST',
      `/api/lookup/${la.token}/reveal`,
      { unitId: va.body.units[0].unitId },
      { 'user-agent': 'MicroMessenger/8.0' },
    );
    expect(shown.status).toBe(200);
    expect(shown.body.firstReveal).toBe(true);
    const events = await h.db.db
      .selectFrom('key_events')
      .innerJoin('keys', 'keys.id', 'key_events.key_id')
      .select(['key_events.kind', 'key_events.ip', 'key_events.user_agent'])
      .where('keys.unit_id', '=', va.body.units[0].unitId)
      .where('key_events.kind', '=', 'REVEALED')
      .execute();
    expect(events).toEqual([{ kind: 'REVEALED', ip: guest.ip, user_agent: 'MicroMessenger/8.0' }]);
    // Order number + code finds the same order (case and spaces do not matter).
    const byCode = await h
      .client()
      .post<Lookup>('/api/lookup', { orderNo: la.orderNo, code: ` ${la.code.toLowerCase()} ` });
    expect(byCode.status).toBe(200);
    expect(byCode.body.token).toBe(la.token);
  });

  it('wrong and unknown answer the same; 200 guesses from one address are throttled and reveal nothing', async () => {
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shopId, SECRET, [e]);
    await settleAfterCommit();
    const real = lookupFrom(fake, e.channelOrderId);
    const attacker = h.client();
    const wrong = await attacker.post('/api/lookup', { orderNo: real.orderNo, code: 'AAAAAAAA' });
    const unknown = await attacker.post('/api/lookup', { orderNo: 'KM2601050000000000', code: 'AAAAAAAA' });
    expect(wrong.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(wrong.body).toEqual(unknown.body);
    const statuses = new Map<number, number>();
    const bodies = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = await attacker.post('/api/lookup', {
        orderNo: `KM26010500000${String(i).padStart(5, '0')}`,
        code: `G${i}XYZ23`,
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      bodies.add(JSON.stringify(r.body));
      expect(JSON.stringify(r.body)).not.toMatch(/secret|serial|P\d+x/);
    }
    expect(statuses.get(200)).toBeUndefined();
    expect(statuses.get(429)).toBeGreaterThanOrEqual(180);
    expect(bodies.size).toBe(2); // one "not found" answer, one "throttled" answer
    // Throttled means throttled: the right code from that address is refused too.
    expect((await attacker.post('/api/lookup', { orderNo: real.orderNo, code: real.code })).status).toBe(429);
    // The link is not a guess: a throttled address (a NAT shared with a guesser) still opens it.
    expect((await attacker.get(`/api/lookup/${real.token}`)).status).toBe(200);
    // The order number itself is locked after 5 wrong codes, whichever addresses send them.
    const target = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shopId, SECRET, [target]);
    await settleAfterCommit();
    const t = lookupFrom(fake, target.channelOrderId);
    for (let i = 0; i < 5; i++)
      expect((await h.client().post('/api/lookup', { orderNo: t.orderNo, code: `WRONG${i}A` })).status).toBe(
        404,
      );
    expect((await h.client().post('/api/lookup', { orderNo: t.orderNo, code: t.code })).status).toBe(429);
    // The link is not affected by the order-number lock.
    expect((await h.client().get(`/api/lookup/${t.token}`)).status).toBe(200);
  });

  it('concurrent guesses for one order number from many addresses get exactly five tries', async () => {
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shopId, SECRET, [e]);
    await settleAfterCommit();
    const t = lookupFrom(fake, e.channelOrderId);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        h.client().post('/api/lookup', { orderNo: t.orderNo, code: `GUESS${i}AB` }),
      ),
    );
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    expect([count(404), count(429)]).toEqual([5, 35]);
  });

  it('ended lookup windows are forgotten by the sweeper', async () => {
    expect((await h.db.db.selectFrom('lookup_throttle').select('key').execute()).length).toBeGreaterThan(0);
    await h.testClock.advance(3 * 3600_000, systemActor('test'));
    await h.app.kameng.sweep();
    expect(await h.db.db.selectFrom('lookup_throttle').select('key').execute()).toEqual([]);
  });

  it('lookup tokens never reach the logs', async () => {
    const e = orderEvent(item, 1, h.ctx.clock.now());
    await push(h, shopId, SECRET, [e]);
    await settleAfterCommit();
    const t = lookupFrom(fake, e.channelOrderId);
    const guest = h.client();
    const view = await guest.get<Lookup>(`/api/lookup/${t.token}`);
    expect(view.status).toBe(200);
    expect(
      (await guest.post(`/api/lookup/${t.token}/reveal`, { unitId: view.body.units[0].unitId })).status,
    ).toBe(200);
    const logs = h.logs.join('\n');
    expect(logs).toContain('/api/lookup/[REDACTED]');
    expect(logs).not.toContain(t.token);
    expect(logs).not.toContain(t.code);
  });
});
