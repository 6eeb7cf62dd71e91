/**
 * Stage 9 item 6: API token kinds are scoped to their purpose on every route. A channel or issuer
 * token bound to a shop never acts for the shop: 403 on every route that does not name its kind
 * (derived from the routes' declarations, not a hand-picked list), and no use case reads the
 * shop's back office for it. The issuer token still works on the activation registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/platform/actor.js';
import type { TokenScope } from '../../src/platform/db/schema.js';
import { routeDeclarations } from '../../src/platform/http/auth.js';
import { listMerchantProducts } from '../../src/modules/catalog/queries.js';
import { listBatches, myStock, timeline } from '../../src/modules/inventory/queries.js';
import { harness, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';
import { buy, fund, stocked } from '../helpers/orders.js';

let h: Harness;
let ids: { product: string; draft: string; key: string; unit: string; order: string; batch: string };
const tokens = new Map<TokenScope, { token: string; id: string }>();
let merchantId: string;

beforeAll(async () => {
  h = await harness();
  const admin = await h.loggedIn({ role: 'admin' });
  const p = await stocked(h, 2);
  merchantId = p.shop.merchantId;
  const owner = h.client();
  const username = (
    await h.db.db
      .selectFrom('users')
      .select('username')
      .where('id', '=', p.shop.userId)
      .executeTakeFirstOrThrow()
  ).username;
  await owner.login(username, 'correct-horse-1');
  const draft = (await owner.post<{ id: string }>('/api/merchant/products', productInput({ name: '草稿' })))
    .body.id;
  const b = await h.loggedIn({ role: 'buyer' });
  await fund(h, b.userId, 100_000);
  const order = (await buy(b, p, 1)).body as { id: string };
  const unit = (await b.get<{ units: { unitId: string }[] }>(`/api/orders/${order.id}`)).body.units[0].unitId;
  const key = await h.db.db
    .selectFrom('keys')
    .select(['id', 'batch_id'])
    .where('unit_id', '=', unit)
    .executeTakeFirstOrThrow();
  ids = { product: p.productId, draft, key: key.id, unit, order: order.id, batch: key.batch_id };
  for (const scope of ['channel', 'issuer'] as const) {
    const t = await admin.post<{ token: string; id: string }>('/api/admin/tokens', {
      name: `${scope} of the shop`,
      scope,
      merchantId,
    });
    expect(t.status).toBe(201);
    tokens.set(scope, t.body);
  }
});
afterAll(() => h.close());

/** A route's path with its parameters filled with the shop's own objects where the path names one. */
function pathOf(url: string): string {
  const id = /\/(merchant\/)?products\/:id/.test(url)
    ? ids.draft
    : /\/keys\/:id/.test(url)
      ? ids.key
      : /\/units\/:id/.test(url)
        ? ids.unit
        : /\/orders\/:id/.test(url)
          ? ids.order
          : /\/imports\/:id/.test(url)
            ? ids.batch
            : /\/merchants\/:id/.test(url)
              ? merchantId
              : '00000000-0000-4000-8000-000000000000';
  return url.replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? id : 'x'));
}

describe.each(['channel', 'issuer'] as const)('a shop-bound %s token', (scope) => {
  it('is refused (403) on every route that does not name its kind, the back office first of all', async () => {
    const api = h.client();
    api.bearer = tokens.get(scope)!.token;
    const gated = routeDeclarations(h.app).filter(
      (r) => r.auth !== 'public' && !r.auth.tokens?.includes(scope),
    );
    const backOffice = gated.filter(
      (r) => r.auth !== 'public' && (r.auth.users === 'any' || r.auth.users?.includes('merchant')),
    );
    expect(backOffice.length).toBeGreaterThan(40); // the merchant's routes are among them
    const answers: string[] = [];
    for (const r of gated) {
      const res = await api.req(
        r.method,
        pathOf(r.url),
        r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
      );
      if (res.status !== 403 || (res.body as { code?: string }).code !== 'auth.forbidden')
        answers.push(`${r.method} ${r.url} → ${res.status}`);
    }
    expect(answers).toEqual([]);
  });

  it('does not see the shop’s drafts on public routes either', async () => {
    const api = h.client();
    api.bearer = tokens.get(scope)!.token;
    expect((await api.get(`/api/products/${ids.draft}`)).status).toBe(404);
    expect((await api.get(`/api/products/${ids.product}`)).status).toBe(200);
  });

  it('is not the shop to any back-office use case (defence in depth behind the route gate)', async () => {
    const row = await h.db.db
      .selectFrom('api_tokens')
      .select('id')
      .where('id', '=', tokens.get(scope)!.id)
      .executeTakeFirstOrThrow();
    const actor: Actor = { kind: 'token', tokenId: row.id, scope, userId: null, merchantId };
    await expect(listMerchantProducts(h.ctx, actor)).rejects.toMatchObject({ code: 'catalog.not_merchant' });
    await expect(Promise.resolve().then(() => myStock(h.ctx, actor))).rejects.toMatchObject({
      code: 'catalog.not_merchant',
    });
    await expect(listBatches(h.ctx, actor, undefined)).rejects.toMatchObject({
      code: 'catalog.not_merchant',
    });
    await expect(timeline(h.ctx, actor, { keyId: ids.key })).rejects.toMatchObject({
      code: 'inventory.key_not_found',
    });
    await expect(timeline(h.ctx, actor, { unitId: ids.unit })).rejects.toMatchObject({
      code: 'inventory.unit_not_found',
    });
  });
});

it('the issuer token still works on its own routes (the activation registry)', async () => {
  const api = h.client();
  api.bearer = tokens.get('issuer')!.token;
  const own = routeDeclarations(h.app).filter(
    (r) => r.auth !== 'public' && r.auth.tokens?.includes('issuer'),
  );
  expect(own.map((r) => r.url).sort()).toEqual([
    '/api/registry/activate',
    '/api/registry/check',
    '/api/registry/report',
  ]);
  // the second key stocked() imported for the first product of this file (the first was sold)
  const res = await api.post('/api/registry/check', { cardNo: 'P1x00000001', password: 'pw-P1x-1-secret' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ productId: ids.product, state: 'AVAILABLE' });
  // no route names the channel kind yet: channel connectors call the signed notify routes
  expect(
    routeDeclarations(h.app).filter((r) => r.auth !== 'public' && r.auth.tokens?.includes('channel')),
  ).toEqual([]);
});
