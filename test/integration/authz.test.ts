/** Object-level access: nobody reads or changes what is not theirs, and hidden things are 404. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';
import { buy, fund, stocked } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

type Product = { id: string; version: number; status: string };

describe('buyers', () => {
  it('a buyer reads their own profile but gets 404 for another buyer (existence not leaked)', async () => {
    const a = await h.loggedIn({ role: 'buyer' });
    const b = await h.loggedIn({ role: 'buyer' });
    expect((await a.get(`/api/users/${a.userId}`)).status).toBe(200);
    const other = await a.get(`/api/users/${b.userId}`);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: 'catalog.user_not_found' });
    // the same answer as for an id that does not exist at all
    const missing = await a.get('/api/users/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'catalog.user_not_found' });
  });

  it('support can read any profile; anonymous callers must log in', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    const s = await h.loggedIn({ role: 'support' });
    expect((await s.get(`/api/users/${b.userId}`)).status).toBe(200);
    expect((await h.client().get(`/api/users/${b.userId}`)).status).toBe(401);
  });

  it('a buyer cannot create products or see merchant pages', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    const res = await b.post('/api/merchant/products', productInput());
    expect(res.status).toBe(403);
    // merchant routes declare merchants (and merchant tokens) only: refused before the use case
    expect(res.body).toMatchObject({ code: 'auth.forbidden' });
  });
});

describe('merchants', () => {
  it("a merchant cannot see or touch another merchant's draft: 404 everywhere", async () => {
    const owner = await h.loggedIn({ role: 'merchant' });
    const rival = await h.loggedIn({ role: 'merchant' });
    const created = await owner.post<Product>('/api/merchant/products', productInput());
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const res of [
      await rival.get(`/api/products/${id}`),
      await rival.get(`/api/products/${id}/policies`),
      await rival.patch(`/api/merchant/products/${id}`, { version: 1, name: 'hijacked' }),
      await rival.post(`/api/merchant/products/${id}/policy`, { version: 1, ...productInput().policy }),
      await rival.post(`/api/merchant/products/${id}/status`, { version: 1, status: 'ON_SALE' }),
      await h.client().get(`/api/products/${id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'catalog.product_not_found' });
    }
    const row = await h.db.db
      .selectFrom('products')
      .select(['name', 'status', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ name: productInput().name, status: 'DRAFT', version: 1 });
    expect((await rival.get('/api/merchant/products')).body).toEqual({ items: [] });
  });

  it('a published product is public, but another merchant still cannot change it (403)', async () => {
    const owner = await h.loggedIn({ role: 'merchant' });
    const rival = await h.loggedIn({ role: 'merchant' });
    const p = (await owner.post<Product>('/api/merchant/products', productInput())).body;
    const live = await owner.post<Product>(`/api/merchant/products/${p.id}/status`, {
      version: p.version,
      status: 'ON_SALE',
    });
    expect(live.status).toBe(200);
    expect((await rival.get(`/api/products/${p.id}`)).status).toBe(200);
    const res = await rival.patch(`/api/merchant/products/${p.id}`, {
      version: live.body.version,
      name: 'hijacked',
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'auth.forbidden' });
  });

  it("a merchant's API token acts only for its own shop", async () => {
    const owner = await h.loggedIn({ role: 'merchant' });
    const rival = await h.loggedIn({ role: 'merchant' });
    const p = (await owner.post<Product>('/api/merchant/products', productInput())).body;
    const token = (await rival.post<{ token: string }>('/api/merchant/tokens', { name: 'rival' })).body.token;
    const api = h.client();
    api.bearer = token;
    expect((await api.patch(`/api/merchant/products/${p.id}`, { version: 1, name: 'x' })).status).toBe(404);
    expect((await api.post('/api/merchant/products', productInput({ name: 'via token' }))).status).toBe(201);
  });

  it("a merchant's API token reads its own shop's order records, as it did before routes declared their callers", async () => {
    const p = await stocked(h, 1);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const order = (await buy(b, p, 1)).body as { id: string };
    const detail = (await b.get<{ units: { unitId: string }[] }>(`/api/orders/${order.id}`)).body;
    const owner = h.client();
    const username = (
      await h.db.db
        .selectFrom('users')
        .select('username')
        .where('id', '=', p.shop.userId)
        .executeTakeFirstOrThrow()
    ).username;
    expect((await owner.login(username, 'correct-horse-1')).status).toBe(200);
    const token = (await owner.post<{ token: string }>('/api/merchant/tokens', { name: 'reader' })).body
      .token;
    const api = h.client();
    api.bearer = token;
    // read: the unit's key timeline (masked) and the order's conversation
    expect((await api.get(`/api/units/${detail.units[0].unitId}/timeline`)).status).toBe(200);
    expect((await api.get(`/api/orders/${order.id}/messages`)).status).toBe(200);
    // the shop's money and sales stay for the logged-in merchant, not for tokens
    expect((await api.get('/api/merchant/finance')).status).toBe(403);
    expect((await api.get('/api/merchant/orders')).status).toBe(403);
    expect((await owner.get('/api/merchant/finance')).status).toBe(200);
    // and a rival shop's token sees none of it
    const rival = await h.loggedIn({ role: 'merchant' });
    const other = h.client();
    other.bearer = (
      await rival.post<{ token: string }>('/api/merchant/tokens', { name: 'rival' })
    ).body.token;
    expect((await other.get(`/api/units/${detail.units[0].unitId}/timeline`)).status).toBe(404);
    expect((await other.get(`/api/orders/${order.id}/messages`)).status).toBe(404);
  });

  it('issuer tokens are made by admins only and cannot act as a merchant', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const merchant = await h.loggedIn({ role: 'merchant' });
    expect((await merchant.post('/api/admin/tokens', { name: 'x', scope: 'issuer' })).status).toBe(403);
    const t = await admin.post<{ token: string }>('/api/admin/tokens', {
      name: '某游戏运营商',
      scope: 'issuer',
    });
    expect(t.status).toBe(201);
    const api = h.client();
    api.bearer = t.body.token;
    expect((await api.post('/api/merchant/products', productInput())).status).toBe(403);
    expect((await api.get('/api/products')).status).toBe(200);
  });

  it('token mistakes are 4xx answers naming the field, not crashes', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const unknown = await admin.post('/api/admin/tokens', {
      name: 'x',
      scope: 'channel',
      merchantId: 'no-such-shop',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'catalog.merchant_not_found', field: 'merchantId' });
    const m = await h.loggedIn({ role: 'merchant' });
    expect((await m.post('/api/merchant/tokens', { name: 'erp' })).status).toBe(201);
    const dup = await m.post('/api/merchant/tokens', { name: 'erp' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'auth.token_name_taken', field: 'name' });
  });

  it("a suspended shop's tokens stop working", async () => {
    const m = await h.loggedIn({ role: 'merchant' });
    const token = (await m.post<{ token: string }>('/api/merchant/tokens', { name: 'sync' })).body.token;
    const api = h.client();
    api.bearer = token;
    expect((await api.get('/api/merchant/profile')).status).toBe(200);
    await h.db.db
      .updateTable('merchants')
      .set({ status: 'SUSPENDED' })
      .where('id', '=', m.merchantId!)
      .execute();
    expect((await api.get('/api/merchant/profile')).status).toBe(401);
  });
});
