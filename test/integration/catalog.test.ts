import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';
import { patchRules } from '../helpers/rules.js';

let h: Harness;
let merchant: Client & { merchantId: string | null };
beforeAll(async () => {
  h = await harness();
  merchant = await h.loggedIn({ role: 'merchant', review24h: true });
});
afterAll(() => h.close());

interface Badge {
  code: string;
  zh: string;
}
interface Product {
  id: string;
  version: number;
  status: string;
  viewerPrice: { level: string; priceFen: number; maxQtyPerOrder: number };
  prices: { level: string; priceFen: number }[];
  badges: Badge[];
  policy: {
    id: string;
    version: number;
    textHash: string;
    rendered: { zh: { text: string; badges: Badge[] }; en: { text: string } };
  };
}

async function onSale(over = {}): Promise<Product> {
  const p = (await merchant.post<Product>('/api/merchant/products', productInput(over))).body;
  return (
    await merchant.post<Product>(`/api/merchant/products/${p.id}/status`, {
      version: p.version,
      status: 'ON_SALE',
    })
  ).body;
}

describe('products and prices per member level', () => {
  it('creates a draft with integer-fen prices; each viewer sees the price of their own level', async () => {
    const p = await onSale({ prices: { REGULAR: 10000, VIP: 9500, SUPER: 9000 } });
    expect(p.status).toBe('ON_SALE');
    const seen: Record<string, number> = {};
    for (const level of ['REGULAR', 'VIP', 'SUPER'] as const) {
      const buyer = await h.loggedIn({ role: 'buyer', memberLevel: level });
      const view = (await buyer.get<Product>(`/api/products/${p.id}`)).body;
      expect(view.viewerPrice.level).toBe(level);
      seen[level] = view.viewerPrice.priceFen;
    }
    expect(seen).toEqual({ REGULAR: 10000, VIP: 9500, SUPER: 9000 });
    expect((await h.client().get<Product>(`/api/products/${p.id}`)).body.viewerPrice.level).toBe('REGULAR');
  });

  it('per-order quantity limits come from the admin-configured levels', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const res = await admin.patch('/api/admin/member-levels/SUPER', { maxQtyPerOrder: 5000 });
    expect(res.status).toBe(200);
    const p = await onSale();
    const superBuyer = await h.loggedIn({ role: 'buyer', memberLevel: 'SUPER' });
    expect((await superBuyer.get<Product>(`/api/products/${p.id}`)).body.viewerPrice.maxQtyPerOrder).toBe(
      5000,
    );
    const bad = await admin.patch('/api/admin/member-levels/VIP', { maxQtyPerOrder: 6000 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'membership.limits_not_ascending' });
    expect((await merchant.patch('/api/admin/member-levels/VIP', { maxQtyPerOrder: 200 })).status).toBe(403);
  });

  it('refuses prices where a higher level pays more, and fractional fen', async () => {
    const res = await merchant.post(
      '/api/merchant/products',
      productInput({ prices: { REGULAR: 100, VIP: 200, SUPER: 50 } }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'catalog.price_order_invalid', field: 'prices' });
    const count = async () =>
      Number(
        (
          await h.db.db
            .selectFrom('products')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const frac = await merchant.post('/api/merchant/products', productInput({ faceValueFen: 12.5 }));
    expect(frac.status).toBe(400);
    expect(frac.body).toMatchObject({ field: 'faceValueFen', errors: [{ code: 'validation.not_integer' }] });
    expect(await count()).toBe(before);
  });
});

describe('refund policies are versioned and immutable', () => {
  it('a new policy makes a new version; the old one stays as it was; the product points at the new one', async () => {
    const p = await onSale();
    const v1 = p.policy;
    const terms = {
      unactivatedRefund: true,
      windowHours: 72,
      noReasonRefund: true,
      revealedRefund: true,
      nonRefundable: false,
      nonRefundableText: null,
    };
    const res = await merchant.post<Product>(`/api/merchant/products/${p.id}/policy`, {
      version: p.version,
      ...terms,
    });
    expect(res.status).toBe(200);
    expect(res.body.policy.version).toBe(2);
    // an editor still looking at the old product version is refused, and no version 3 appears
    const stale = await merchant.post(`/api/merchant/products/${p.id}/policy`, {
      version: p.version,
      ...terms,
      windowHours: 24,
    });
    expect(stale.status).toBe(409);
    expect(res.body.policy.id).not.toBe(v1.id);
    expect(res.body.policy.textHash).not.toBe(v1.textHash);
    const history = (
      await h
        .client()
        .get<{ items: { version: number; windowHours: number; textHash: string }[] }>(
          `/api/products/${p.id}/policies`,
        )
    ).body.items;
    expect(history.map((x) => x.version)).toEqual([2, 1]);
    expect(history[1]).toMatchObject({ windowHours: 24, textHash: v1.textHash });
  });

  it('badges and plain text in both languages, including the merchant 24-hour commitment', async () => {
    const p = await onSale();
    const zh = p.badges.map((b) => b.zh);
    expect(zh).toEqual(expect.arrayContaining(['未激活可退', '24小时处理']));
    expect(zh).not.toContain('不退不换');
    expect(p.policy.rendered.zh.text).toContain('24 小时内可申请退款');
    expect(p.policy.rendered.en.text).toContain('within 24 hours of delivery');
    const nr = await onSale({
      policy: {
        unactivatedRefund: false,
        windowHours: null,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: true,
        nonRefundableText: '虚拟商品售出不退',
      },
    });
    expect(nr.badges.map((b) => b.zh)).toContain('不退不换');
    expect(nr.policy.rendered.zh.text).toContain('虚拟商品售出不退');
  });

  it('contradictory policies are refused with a reason, and nothing is written', async () => {
    const before = await h.db.db
      .selectFrom('refund_policies')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const cases = [
      {
        unactivatedRefund: true,
        windowHours: null,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: false,
        nonRefundableText: null,
      },
      {
        unactivatedRefund: false,
        windowHours: null,
        noReasonRefund: true,
        revealedRefund: false,
        nonRefundable: false,
        nonRefundableText: null,
      },
      {
        unactivatedRefund: false,
        windowHours: null,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: true,
        nonRefundableText: null,
      },
    ];
    for (const policy of cases) {
      const res = await merchant.post('/api/merchant/products', productInput({ policy }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'catalog.policy_inconsistent', field: 'policy' });
    }
    const after = await h.db.db
      .selectFrom('refund_policies')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('the refund window must lie within the platform bounds, which admins configure', async () => {
    const policy = { ...productInput().policy, windowHours: 96 };
    const res = await merchant.post('/api/merchant/products', productInput({ policy }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'catalog.policy_window_out_of_bounds', field: 'windowHours' });
    expect((res.body as { messages: { 'zh-CN': string } }).messages['zh-CN']).toContain('24 到 72');
    const admin = await h.loggedIn({ role: 'admin' });
    expect((await patchRules(admin, { policyWindowMaxHours: 120 })).status).toBe(200);
    expect((await merchant.post('/api/merchant/products', productInput({ policy }))).status).toBe(201);
    await patchRules(admin, { policyWindowMaxHours: 72 });
  });
});

describe('version checks and status transitions', () => {
  it('two editors with the same version: exactly one wins, the other gets 409', async () => {
    const p = (await merchant.post<Product>('/api/merchant/products', productInput())).body;
    const results = await Promise.all(
      ['甲', '乙', '丙'].map((n) =>
        merchant.patch(`/api/merchant/products/${p.id}`, { version: p.version, name: `改名${n}` }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const conflict = results.find((r) => r.status === 409)!;
    expect(conflict.body).toMatchObject({ code: 'request.conflict', field: 'version' });
    const row = await h.db.db
      .selectFrom('products')
      .select('version')
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(row.version).toBe(p.version + 1);
  });

  it('only the edges in the transition table are allowed, each by its listed actor', async () => {
    const p = (await merchant.post<Product>('/api/merchant/products', productInput())).body;
    const skip = await merchant.post(`/api/merchant/products/${p.id}/status`, {
      version: p.version,
      status: 'OFF_SALE',
    });
    expect(skip.status).toBe(409);
    expect(skip.body).toMatchObject({ code: 'catalog.transition_not_allowed' });
    const live = (
      await merchant.post<Product>(`/api/merchant/products/${p.id}/status`, {
        version: p.version,
        status: 'ON_SALE',
      })
    ).body;
    const admin = await h.loggedIn({ role: 'admin' });
    const down = await admin.post<Product>(`/api/merchant/products/${p.id}/status`, {
      version: live.version,
      status: 'OFF_SALE',
    });
    expect(down.status).toBe(200);
    expect(down.body.status).toBe('OFF_SALE');
    // admins may take a product down but not put it up for the merchant
    const up = await admin.post(`/api/merchant/products/${p.id}/status`, {
      version: down.body.version,
      status: 'ON_SALE',
    });
    expect(up.status).toBe(403);
    const stale = await merchant.post(`/api/merchant/products/${p.id}/status`, {
      version: live.version,
      status: 'ON_SALE',
    });
    expect(stale.status).toBe(409);
  });

  it('every change left an audit event and the chain verifies', async () => {
    const actions = (await h.db.db.selectFrom('audit_events').select('action').distinct().execute()).map(
      (a) => a.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'product.created',
        'product.updated',
        'product.status_changed',
        'refund_policy.version_created',
        'member_level.updated',
        'platform.rules_changed',
      ]),
    );
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });
});

describe('listing', () => {
  it('lists only products on sale, filtered by type and name', async () => {
    await onSale({ type: 'LICENSE_KEY', name: 'Windows 专业版 序列号' });
    const all = (await h.client().get<{ items: Product[] }>('/api/products')).body.items;
    expect(all.every((p) => p.status === 'ON_SALE')).toBe(true);
    const lic = (
      await h
        .client()
        .get<{ items: { type: string; name: string }[] }>('/api/products?type=LICENSE_KEY&q=Windows')
    ).body.items;
    expect(lic).toHaveLength(1);
    expect(lic[0].name).toContain('Windows');
    const bad = await h.client().get('/api/products?type=BOGUS');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'type' });
  });
});

describe('what buyers were shown stays what they are shown', () => {
  it('a policy version keeps its stored text and hash after the platform rules change', async () => {
    const p = await onSale();
    const admin = await h.loggedIn({ role: 'admin' });
    expect((await patchRules(admin, { qualityClaimDays: 15 })).status).toBe(200);
    const again = (await h.client().get<Product>(`/api/products/${p.id}`)).body;
    expect(again.policy.textHash).toBe(p.policy.textHash);
    expect(again.policy.rendered.zh.text).toBe(p.policy.rendered.zh.text);
    expect(again.policy.rendered.zh.text).toContain('7 天内');
    // a new version picks up the new rule
    const next = await merchant.post<Product>(`/api/merchant/products/${p.id}/policy`, {
      version: again.version,
      ...productInput().policy,
    });
    expect(next.body.policy.rendered.zh.text).toContain('15 天内');
    await patchRules(admin, { qualityClaimDays: 7 });
  });
});

describe('search', () => {
  it('is case-insensitive and takes % and _ literally, the same on both engines', async () => {
    await onSale({ name: 'Steam 钱包卡 100%到账' });
    await onSale({ name: 'steam_key 批量' });
    const find = async (q: string) =>
      (
        await h.client().get<{ items: { name: string }[] }>(`/api/products?q=${encodeURIComponent(q)}`)
      ).body.items
        .map((p) => p.name)
        .sort();
    expect(await find('STEAM')).toEqual(['Steam 钱包卡 100%到账', 'steam_key 批量']);
    expect(await find('100%')).toEqual(['Steam 钱包卡 100%到账']);
    expect(await find('m_k')).toEqual(['steam_key 批量']);
    expect(await find('m%k')).toEqual([]);
  });
});

describe('merchant profile', () => {
  it('the owner sees its 保证金 deposit and credit score; the public profile does not show them', async () => {
    const m = await h.loggedIn({ role: 'merchant', depositFen: 500000 });
    const own = await m.get('/api/merchant/profile');
    expect(own.body).toMatchObject({ depositFen: 500000, creditScore: 100 });
    const pub = await h.client().get(`/api/merchants/${m.merchantId}`);
    expect(pub.status).toBe(200);
    expect(pub.body).not.toHaveProperty('depositFen');
    expect(pub.body).not.toHaveProperty('creditScore');
  });
});
