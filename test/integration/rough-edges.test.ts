/**
 * Stage 8 rough edges, server side: buyers see a coarse stock level (never the count); checkout can
 * offer a buyer's unpaid order of the same product instead of a second one holding keys, which the
 * buyer may cancel (releasing its keys); a refund window outside the platform's bounds is refused
 * at its field with the bounds, never clamped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';
import { buy, fund, stocked } from '../helpers/orders.js';

const MIN = 60_000;
let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

type ProductBody = { stockLevel: string } & Record<string, unknown>;
const stockLevel = async (productId: string): Promise<string> => {
  const res = await h.client().get<ProductBody>(`/api/products/${productId}`);
  expect(res.status).toBe(200);
  return res.body.stockLevel;
};

describe('stock level for buyers', () => {
  it('is SOLD_OUT, LOW (< 10) or IN_STOCK, follows sales, and never carries the count', async () => {
    const empty = await stocked(h, 0);
    const few = await stocked(h, 3);
    const many = await stocked(h, 10);
    expect(await stockLevel(empty.productId)).toBe('SOLD_OUT');
    expect(await stockLevel(few.productId)).toBe('LOW');
    expect(await stockLevel(many.productId)).toBe('IN_STOCK');

    const list = await h.client().get<{ items: ProductBody[] }>('/api/products');
    const inList = list.body.items.find((p) => p.id === many.productId);
    expect(inList?.stockLevel).toBe('IN_STOCK');
    expect(JSON.stringify(inList)).not.toMatch(/"available"|"stock"\s*:\s*\d/);

    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    expect((await buy(b, many, 1)).status).toBe(201);
    expect(await stockLevel(many.productId)).toBe('LOW');
    expect((await buy(b, few, 3)).status).toBe(201);
    expect(await stockLevel(few.productId)).toBe('SOLD_OUT');
  });
});

type Summary = { id: string; state: string; productId: string; quantity: number };
describe('pending unpaid orders at checkout', () => {
  it('lists the buyer’s own unpaid order of the product; cancelling it releases its keys', async () => {
    const p = await stocked(h, 10);
    const other = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    const stranger = await h.loggedIn({ role: 'buyer' });
    const pendingOf = async (c: typeof b, productId: string) => {
      const res = await c.get<{ items: Summary[] }>(
        `/api/orders/pending?productId=${encodeURIComponent(productId)}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items;
    };
    expect(await pendingOf(b, p.productId)).toEqual([]);

    const created = await buy(b, p, 2, 'WECHAT');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const orderId = (created.body as { id: string }).id;
    expect(await stockLevel(p.productId)).toBe('LOW'); // 8 left: the order holds 2
    expect((await pendingOf(b, p.productId)).map((o) => [o.id, o.state, o.quantity])).toEqual([
      [orderId, 'PENDING_PAYMENT', 2],
    ]);
    expect(await pendingOf(b, other.productId)).toEqual([]);
    expect(await pendingOf(stranger, p.productId)).toEqual([]);
    // merchants have no pending purchases
    const merchant = await h.loggedIn({ role: 'merchant' });
    expect(
      (await merchant.get(`/api/orders/pending?productId=${encodeURIComponent(p.productId)}`)).status,
    ).toBe(403);

    // someone else cannot cancel it; the buyer can, through the order machine
    expect((await stranger.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(404);
    const cancelled = await b.post<{ state: string }>(`/api/orders/${orderId}/cancel`, {});
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.state).toBe('CANCELLED');
    expect(await pendingOf(b, p.productId)).toEqual([]);
    expect(await stockLevel(p.productId)).toBe('IN_STOCK'); // the 2 keys are back
    const audit = await h.db.db
      .selectFrom('audit_events')
      .select('action')
      .where('object_id', '=', orderId)
      .execute();
    expect(audit.map((a) => a.action)).toContain('order.cancelled');
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
    // a second cancel is refused
    expect((await b.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(409);
  });

  it('does not offer an order past its expiry, even before the sweeper expired it', async () => {
    const p = await stocked(h, 3);
    const b = await h.loggedIn({ role: 'buyer' });
    const created = await buy(b, p, 1, 'ALIPAY');
    expect(created.status).toBe(201);
    const url = `/api/orders/pending?productId=${encodeURIComponent(p.productId)}`;
    expect((await b.get<{ items: Summary[] }>(url)).body.items).toHaveLength(1);
    h.base.advance(16 * MIN);
    expect((await b.get<{ items: Summary[] }>(url)).body.items).toEqual([]);
  });
});

describe('refund window bounds', () => {
  it('are published to merchants, and a window outside them is refused at its field, not clamped', async () => {
    const m = await h.loggedIn({ role: 'merchant' });
    const bounds = await m.get<{ windowMinHours: number; windowMaxHours: number }>(
      '/api/merchant/policy-bounds',
    );
    expect(bounds.status).toBe(200);
    expect(bounds.body).toEqual({ windowMinHours: 24, windowMaxHours: 72 });
    expect((await h.client().get('/api/merchant/policy-bounds')).status).toBe(401);

    const input = productInput({ name: '窗口测试' });
    const res = await m.post<{
      code: string;
      errors: { field: string; code: string; messages: { 'zh-CN': string; en: string } }[];
    }>('/api/merchant/products', { ...input, policy: { ...input.policy, windowHours: 100 } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('catalog.policy_window_out_of_bounds');
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].field).toBe('policy.windowHours');
    expect(res.body.errors[0].messages['zh-CN']).toContain('72');
    expect(res.body.errors[0].messages.en).toContain('between 24 and 72');
    const list = await m.get<{ items: { name: string }[] }>('/api/merchant/products');
    expect(list.body.items.map((p) => p.name)).not.toContain('窗口测试');

    // the same on a new policy version
    const ok = await m.post<{ id: string; version: number }>('/api/merchant/products', input);
    expect(ok.status).toBe(201);
    const again = await m.post<{ code: string; errors: { field: string }[] }>(
      `/api/merchant/products/${ok.body.id}/policy`,
      { ...input.policy, windowHours: 100, version: ok.body.version },
    );
    expect(again.status).toBe(400);
    expect(again.body.errors.map((e) => e.field)).toEqual(['policy.windowHours']);
    const after = await m.get<{ items: { id: string; policy: { version: number; windowHours: number } }[] }>(
      '/api/merchant/products',
    );
    expect(after.body.items.find((p) => p.id === ok.body.id)?.policy).toMatchObject({
      version: 1,
      windowHours: 24,
    });
  });
});
