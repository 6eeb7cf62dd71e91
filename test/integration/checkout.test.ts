import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Harness } from '../helpers/app.js';
import { buy, fund, idem, stocked, walletBalance } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('checkout with balance', () => {
  it('pays, delivers sealed keys and holds the money in escrow, in one step', async () => {
    const p = await stocked(h, 5);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const res = await buy(b, p, 3);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.location).toBe(`/api/orders/${(res.body as { id: string }).id}`);
    const o = (await b.get(String(res.headers.location))).body as {
      state: string;
      totalFen: number;
      units: { keyState: string }[];
      orderNo: string;
      snapshot: { policyVersion: number };
    };
    expect(o.state).toBe('DELIVERED');
    expect(o.totalFen).toBe(3 * p.prices.REGULAR);
    expect(o.orderNo).toMatch(/^KM\d{16}$/);
    expect(o.units.map((u) => u.keyState)).toEqual(['SEALED', 'SEALED', 'SEALED']);
    expect(o.snapshot.policyVersion).toBe(1);
    expect(await walletBalance(h, b.userId)).toBe(100_000 - 3 * p.prices.REGULAR);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('replays the first result for the same Idempotency-Key, and refuses a different body (422)', async () => {
    const p = await stocked(h, 5);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const key = idem();
    const [a, c] = await Promise.all([buy(b, p, 1, 'BALANCE', key), buy(b, p, 1, 'BALANCE', key)]);
    expect([a.status, c.status]).toEqual([201, 201]);
    expect((a.body as { id: string }).id).toBe((c.body as { id: string }).id);
    expect(await walletBalance(h, b.userId)).toBe(100_000 - p.prices.REGULAR);
    const other = await buy(b, p, 2, 'BALANCE', key);
    expect(other.status).toBe(422);
    expect((other.body as { code: string }).code).toBe('order.idempotency_mismatch');
  });
});

describe('checkout rules', () => {
  it('refuses a stale policy version with the new policy to confirm, and reserves nothing', async () => {
    const p = await stocked(h, 3);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const { newPolicyVersion } = await import('../../src/modules/catalog/products.js');
    await newPolicyVersion(h.ctx, p.shop.actor, p.productId, {
      version: 2,
      unactivatedRefund: false,
      windowHours: null,
      noReasonRefund: false,
      revealedRefund: false,
      nonRefundable: true,
      nonRefundableText: '点卡类商品一经售出不退不换',
    });
    const res = await buy(b, p, 1);
    expect(res.status).toBe(409);
    const body = res.body as {
      code: string;
      data: { policy: { version: number; nonRefundable: boolean; rendered: { zh: { text: string } } } };
    };
    expect(body.code).toBe('order.policy_changed');
    expect(body.data.policy.version).toBe(2);
    expect(body.data.policy.nonRefundable).toBe(true);
    expect(body.data.policy.rendered.zh.text).toContain('不退不换');
    expect(await walletBalance(h, b.userId)).toBe(100_000);
    const again = await buy(b, { ...p, policyVersion: 2 }, 1);
    expect(again.status).toBe(201);
    const o = (await b.get(String(again.headers.location))).body as {
      snapshot: { policyVersion: number; policyTextHash: string };
    };
    expect(o.snapshot.policyVersion).toBe(2);
  });

  it('charges only the price the buyer confirmed: a price raised meanwhile is refused with the new price, nothing charged or reserved', async () => {
    const p = await stocked(h, 3);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const seen = (await b.get<{ viewerPrice: { priceFen: number } }>(`/api/products/${p.productId}`)).body
      .viewerPrice.priceFen;
    expect(seen).toBe(p.prices.REGULAR);
    // The merchant raises every price while the buyer reads the checkout page.
    const { updateProduct } = await import('../../src/modules/catalog/products.js');
    const raised = { REGULAR: 19_900, VIP: 19_000, SUPER: 18_000 };
    await updateProduct(h.ctx, p.shop.actor, p.productId, { version: 2, prices: raised });
    const stale = await buy(b, p, 2, 'BALANCE', idem(), { unitPriceFen: seen });
    expect(stale.status).toBe(409);
    const body = stale.body as {
      code: string;
      field: string;
      messages: { 'zh-CN': string; en: string };
      data: { unitPriceFen: number; totalFen: number };
    };
    expect(body.code).toBe('order.price_changed');
    expect(body.field).toBe('unitPriceFen');
    expect(body.data).toMatchObject({ unitPriceFen: 19_900, totalFen: 39_800 });
    expect(body.messages['zh-CN']).toContain('¥199.00');
    expect(body.messages.en).toContain('¥199.00');
    // nothing charged, nothing reserved, no order
    expect(await walletBalance(h, b.userId)).toBe(100_000);
    const orders = await h.db.db.selectFrom('orders').select('id').where('buyer_id', '=', b.userId).execute();
    expect(orders).toHaveLength(0);
    const free = await h.db.db
      .selectFrom('keys')
      .select('id')
      .where('product_id', '=', p.productId)
      .where('state', '=', 'AVAILABLE')
      .execute();
    expect(free).toHaveLength(3);
    // the buyer confirms the new price and is charged exactly that
    const again = await buy(b, p, 2, 'BALANCE', idem(), { unitPriceFen: 19_900 });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await walletBalance(h, b.userId)).toBe(100_000 - 39_800);
    // a price lowered meanwhile is refused too: the buyer confirms what they pay
    const lower = await buy(b, p, 1, 'BALANCE', idem(), { unitPriceFen: 20_000 });
    expect((lower.body as { code: string }).code).toBe('order.price_changed');
  });

  it('a gateway order confirms the price too: a stale one is refused before any payment is created', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    const res = await buy(b, p, 1, 'WECHAT', idem(), { unitPriceFen: p.prices.REGULAR + 1 });
    expect(res.status).toBe(409);
    expect((res.body as { code: string }).code).toBe('order.price_changed');
    const payments = await h.db.db
      .selectFrom('payments')
      .select('id')
      .where('buyer_id', '=', b.userId)
      .execute();
    expect(payments).toHaveLength(0);
  });

  it('requires the confirmation, the current face value and validity, and an Idempotency-Key', async () => {
    const p = await stocked(h, 3);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    expect((await buy(b, p, 1, 'BALANCE', idem(), { policyConfirmed: false })).body).toMatchObject({
      code: 'order.policy_not_confirmed',
    });
    expect((await buy(b, p, 1, 'BALANCE', idem(), { faceValueFen: 1 })).body).toMatchObject({
      code: 'order.terms_changed',
    });
    const noKey = await b.req('POST', '/api/orders', { productId: p.productId });
    expect(noKey.status).toBe(400);
    const missing = await buy(b, p, 1, 'BALANCE', 'short');
    expect((missing.body as { code: string }).code).toBe('order.idempotency_key_required');
  });

  it('prices at the buyer’s level and enforces the level’s quantity limit', async () => {
    const p = await stocked(h, 30);
    const regular = await h.loggedIn({ role: 'buyer' });
    const sup = await h.loggedIn({ role: 'buyer', memberLevel: 'SUPER' });
    await fund(h, regular.userId, 1_000_000);
    await fund(h, sup.userId, 1_000_000);
    const over = await buy(regular, p, 11);
    expect(over.status).toBe(400);
    expect((over.body as { code: string; detail: string }).code).toBe('order.quantity_over_limit');
    const r = (await buy(regular, p, 2)).body as { unitPriceFen: number; memberPrice: boolean };
    const s = (await buy(sup, p, 11)).body as {
      unitPriceFen: number;
      memberPrice: boolean;
      buyerLevel: string;
    };
    expect(r).toMatchObject({ unitPriceFen: p.prices.REGULAR, memberPrice: false });
    expect(s).toMatchObject({ unitPriceFen: p.prices.SUPER, memberPrice: true, buyerLevel: 'SUPER' });
  });

  it('insufficient balance or stock: a clear 409 and nothing half-done', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, p.prices.REGULAR); // enough for one
    const poor = await buy(b, p, 2);
    expect(poor.status).toBe(409);
    expect((poor.body as { code: string }).code).toBe('ledger.insufficient_funds');
    const sold = await buy(b, p, 3);
    expect((sold.body as { code: string }).code).toBe('inventory.out_of_stock');
    const orders = await h.db.db.selectFrom('orders').select('id').where('buyer_id', '=', b.userId).execute();
    expect(orders).toHaveLength(0);
    const available = await h.db.db
      .selectFrom('keys')
      .select('id')
      .where('product_id', '=', p.productId)
      .where('state', '=', 'AVAILABLE')
      .execute();
    expect(available).toHaveLength(2);
    expect(await walletBalance(h, b.userId)).toBe(p.prices.REGULAR);
  });

  it('merchants and staff cannot buy; a product off sale cannot be bought', async () => {
    const p = await stocked(h, 2);
    const m = await h.loggedIn({ role: 'merchant' });
    expect((await buy(m, p, 1)).status).toBe(403);
    const { changeStatus } = await import('../../src/modules/catalog/products.js');
    await changeStatus(h.ctx, p.shop.actor, p.productId, { version: 2, status: 'OFF_SALE' });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    expect(((await buy(b, p, 1)).body as { code: string }).code).toBe('order.product_not_on_sale');
  });
});

describe('under concurrency', () => {
  it('40 buyers racing for 25 keys: 25 orders, no key twice, no wallet below zero', async () => {
    const p = await stocked(h, 25);
    const buyers = await Promise.all(Array.from({ length: 40 }, () => h.loggedIn({ role: 'buyer' })));
    for (const b of buyers) await fund(h, b.userId, p.prices.REGULAR);
    const results = await Promise.all(buyers.map((b) => buy(b, p, 1)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(25);
    expect(
      results
        .filter((r) => r.status !== 201)
        .every((r) => (r.body as { code: string }).code === 'inventory.out_of_stock'),
    ).toBe(true);
    const sealed = await h.db.db
      .selectFrom('keys')
      .select(['id', 'unit_id'])
      .where('product_id', '=', p.productId)
      .where('state', '=', 'SEALED')
      .execute();
    expect(sealed).toHaveLength(25);
    expect(new Set(sealed.map((k) => k.unit_id)).size).toBe(25);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
    const negative = await h.db.db
      .selectFrom('ledger_accounts')
      .select('id')
      .where('kind', '=', 'WALLET')
      .where('balance_fen', '<', 0)
      .execute();
    expect(negative).toHaveLength(0);
  });

  it('one buyer spending the same balance in 10 parallel checkouts: only what the wallet covers', async () => {
    const p = await stocked(h, 20);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 3 * p.prices.REGULAR);
    const results = await Promise.all(Array.from({ length: 10 }, () => buy(b, p, 1)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(await walletBalance(h, b.userId)).toBe(0);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
  });
});
