/**
 * The operator console's API (Stage 8): platform rules with optimistic concurrency, the loaded
 * holiday years, commissions, integration tokens; and the merchant's home page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { merchantOf, UNACTIVATED_REFUND } from '../helpers/disputes.js';
import { refs } from '../helpers/evidence.js';
import { buy, fund, idem, stocked, type Stocked } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

type Rules = Record<string, number> & { version: number };
type Problem = {
  code: string;
  messages: { 'zh-CN': string; en: string };
  data?: { currentVersion?: number };
};

describe('platform rules: optimistic concurrency', () => {
  it('GET gives the version; PATCH without it is refused', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const rules = await admin.get<Rules>('/api/admin/rules');
    expect(rules.status).toBe(200);
    expect(typeof rules.body.version).toBe('number');
    expect((await admin.patch('/api/admin/rules', { maxResubmissions: 3 })).status).toBe(400);
  });

  it('two admins saving the same version at once: one 200, one 409, exactly one change stored', async () => {
    const a = await h.loggedIn({ role: 'admin' });
    const b = await h.loggedIn({ role: 'admin' });
    const read = (await a.get<Rules>('/api/admin/rules')).body;
    const before = await h.db.db
      .selectFrom('audit_events')
      .select('seq')
      .where('action', '=', 'platform.rules_changed')
      .execute();
    const [ra, rb] = await Promise.all([
      a.patch<Rules>('/api/admin/rules', { maxResubmissions: 4, expectedVersion: read.version }),
      b.patch<Rules>('/api/admin/rules', { escalationDays: 9, expectedVersion: read.version }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const lost = (ra.status === 409 ? ra : rb).body as unknown as Problem;
    expect(lost.code).toBe('rules.version_conflict');
    expect(lost.messages['zh-CN']).toContain('其他管理员');
    expect(lost.messages.en).toContain('Another admin');
    expect(lost.data?.currentVersion).toBe(read.version + 1);

    const now = (await a.get<Rules>('/api/admin/rules')).body;
    expect(now.version).toBe(read.version + 1);
    const aWon = ra.status === 200;
    expect(now.maxResubmissions).toBe(aWon ? 4 : read.maxResubmissions);
    expect(now.escalationDays).toBe(aWon ? read.escalationDays : 9);

    const events = await h.db.db
      .selectFrom('audit_events')
      .select(['data'])
      .where('action', '=', 'platform.rules_changed')
      .orderBy('seq')
      .execute();
    expect(events.length).toBe(before.length + 1);
    const data = JSON.parse(String(events.at(-1)?.data ?? '{}')) as {
      before: Rules;
      after: Rules;
      changed: string[];
    };
    expect(data.changed).toEqual([aWon ? 'maxResubmissions' : 'escalationDays']);
    expect(data.before.maxResubmissions).toBe(read.maxResubmissions);
    expect(data.after).toMatchObject(aWon ? { maxResubmissions: 4 } : { escalationDays: 9 });

    // the loser reloads and saves again against the new version
    const retry = await (aWon ? b : a).patch<Rules>('/api/admin/rules', {
      ...(aWon ? { escalationDays: 9 } : { maxResubmissions: 4 }),
      expectedVersion: now.version,
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ maxResubmissions: 4, escalationDays: 9, version: now.version + 1 });
    // a stale version is refused even with nothing else going on
    const stale = await a.patch('/api/admin/rules', { escalationDays: 7, expectedVersion: read.version });
    expect(stale.status).toBe(409);
    await a.patch('/api/admin/rules', {
      maxResubmissions: read.maxResubmissions,
      escalationDays: read.escalationDays,
      expectedVersion: now.version + 1,
    });
  });

  it('support reads the rules but may not change them', async () => {
    const support = await h.loggedIn({ role: 'support' });
    const rules = await support.get<Rules>('/api/admin/rules');
    expect(rules.status).toBe(200);
    const res = await support.patch('/api/admin/rules', {
      escalationDays: 8,
      expectedVersion: rules.body.version,
    });
    expect(res.status).toBe(403);
  });
});

type Years = {
  currentYear: number;
  bundledFrom: number;
  bundledTo: number;
  items: { year: number; source: string; notice: string | null; holidays: number; workdays: number }[];
  warnings: { code: string; year: number }[];
};

describe('holiday calendar: loaded years', () => {
  it('lists the bundled years, warns for next year until it is imported, then lists the import', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const before = await admin.get<Years>('/api/admin/calendar/years');
    expect(before.status).toBe(200);
    expect(before.body.currentYear).toBe(2026); // T0 is 2026-01-05
    const y2025 = before.body.items.find((i) => i.year === 2025);
    expect(y2025).toMatchObject({ source: 'bundled', notice: null });
    // 2025: 元旦 1, 春节 8, 清明 3, 劳动节 5, 端午 3, 国庆中秋 8 = 28 days off; 调休 on 1-26, 2-8, 4-27, 9-28, 10-11
    expect(y2025?.holidays).toBe(28);
    expect(y2025?.workdays).toBe(5);
    expect(before.body.items.some((i) => i.year === 2027)).toBe(false);
    expect(before.body.warnings.map((w) => w.year)).toEqual([2027]);

    const imported = await admin.post('/api/admin/calendar/import', {
      year: 2027,
      source: '国务院办公厅关于2027年部分节假日安排的通知（测试）',
      holidays: [
        { date: '2027-01-01', name: '元旦' },
        { date: '2027-02-06', name: '春节' },
        { date: '2027-02-07', name: '春节' },
      ],
      workdays: [{ date: '2027-02-14', name: '春节调休' }],
    });
    expect(imported.status).toBe(200);
    const after = (await admin.get<Years>('/api/admin/calendar/years')).body;
    expect(after.items[0]).toMatchObject({
      year: 2027,
      source: 'imported',
      notice: '国务院办公厅关于2027年部分节假日安排的通知（测试）',
      holidays: 3,
      workdays: 1,
    });
    expect(after.warnings).toEqual([]);
  });

  it('support may read the list; buyers and merchants may not', async () => {
    expect((await (await h.loggedIn({ role: 'support' })).get('/api/admin/calendar/years')).status).toBe(200);
    expect((await (await h.loggedIn({ role: 'buyer' })).get('/api/admin/calendar/years')).status).toBe(403);
    expect((await (await h.loggedIn({ role: 'merchant' })).get('/api/admin/calendar/years')).status).toBe(
      403,
    );
  });
});

describe('commissions and integration tokens', () => {
  it('lists every merchant with its commission rate, reflecting a change', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const m = await h.account({ role: 'merchant' });
    const set = await admin.req('PUT', `/api/admin/merchants/${m.merchantId}/commission`, {
      commissionBp: 250,
    });
    expect(set.status).toBe(200);
    const list = await admin.get<{ items: { id: string; commissionBp: number; status: string }[] }>(
      '/api/admin/commissions',
    );
    expect(list.body.items.find((i) => i.id === m.merchantId)).toMatchObject({
      commissionBp: 250,
      status: 'ACTIVE',
    });
    expect((await (await h.loggedIn({ role: 'merchant' })).get('/api/admin/commissions')).status).toBe(403);
  });

  it('lists integration tokens without their secret; a revoked one shows when', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const created = await admin.post<{ id: string; token: string; prefix: string }>('/api/admin/tokens', {
      name: '发卡方对接',
      scope: 'issuer',
    });
    expect(created.status).toBe(201);
    const list = await admin.get<{ items: Record<string, unknown>[] }>('/api/admin/tokens');
    const row = list.body.items.find((i) => i.id === created.body.id);
    expect(row).toMatchObject({
      name: '发卡方对接',
      scope: 'issuer',
      prefix: created.body.prefix,
      revokedAt: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await admin.req('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(204);
    const again = await admin.get<{ items: { id: string; revokedAt: string | null }[] }>('/api/admin/tokens');
    expect(again.body.items.find((i) => i.id === created.body.id)?.revokedAt).not.toBeNull();
    // a merchant's own tokens are not integration tokens
    const merchant = await h.loggedIn({ role: 'merchant' });
    const own = await merchant.post<{ id: string }>('/api/merchant/tokens', { name: '自家系统' });
    expect(again.body.items.some((i) => i.id === own.body.id)).toBe(false);
    expect((await merchant.get('/api/admin/tokens')).status).toBe(403);
  });
});

type Home = {
  day: string;
  sales: {
    direct: { orders: number; units: number; amountFen: number };
    channel: { orders: number; units: number; amountFen: number };
  };
  pendingReviews: { total: number; items: { id: string; reviewDueAt: string | null; orderId: string }[] };
  lowStock: { defaultThreshold: number; items: { productId: string; available: number }[] };
};

async function paidOrder(b: Client, p: Stocked, units: number): Promise<{ id: string; totalFen: number }> {
  const res = await buy(b, p, units);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; totalFen: number };
}

async function applyRefund(b: Client, orderId: string): Promise<{ id: string }> {
  const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：卡密提示无效\n') }]);
  const res = await b.req<{ id: string; state: string }>(
    'POST',
    `/api/orders/${orderId}/refunds`,
    { reason: 'NOT_AS_DESCRIBED', description: '卡密提示无效', files: [file] },
    { 'idempotency-key': idem() },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.state).toBe('PENDING_REVIEW');
  return res.body;
}

describe('merchant home', () => {
  it("today's sales, pending reviews and low stock of the merchant's own shop only, amounts exact", async () => {
    const a = await stocked(h, 6, { policy: UNACTIVATED_REFUND });
    const a2 = await stocked(h, 30, {}, a.shop); // plenty: not low
    const other = await stocked(h, 6, { policy: UNACTIVATED_REFUND });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const o1 = await paidOrder(b, a, 2);
    const o2 = await paidOrder(b, a, 1);
    const o3 = await paidOrder(b, a2, 3);
    const x = await paidOrder(b, other, 4);
    const r1 = await applyRefund(b, o1.id);
    const rx = await applyRefund(b, x.id);

    const m = await merchantOf(h, a);
    const home = await m.get<Home>('/api/merchant/home');
    expect(home.status, JSON.stringify(home.body)).toBe(200);
    expect(home.body.day).toBe('2026-01-05');
    expect(home.body.sales.direct).toEqual({
      orders: 3,
      units: 6,
      amountFen: o1.totalFen + o2.totalFen + o3.totalFen,
    });
    expect(home.body.sales.channel).toEqual({ orders: 0, units: 0, amountFen: 0 });
    expect(home.body.pendingReviews.total).toBe(1);
    expect(home.body.pendingReviews.items.map((i) => i.id)).toEqual([r1.id]);
    expect(home.body.pendingReviews.items[0]?.reviewDueAt).not.toBeNull();
    expect(JSON.stringify(home.body)).not.toContain(rx.id);
    // a: 6 keys, 3 sold → 3 available (< 10, no threshold of its own); a2: 27 left
    expect(home.body.lowStock.items).toEqual([
      expect.objectContaining({ productId: a.productId, available: 3, lowStockThreshold: null }),
    ]);

    const mo = await merchantOf(h, other);
    const otherHome = (await mo.get<Home>('/api/merchant/home')).body;
    expect(otherHome.sales.direct).toEqual({ orders: 1, units: 4, amountFen: x.totalFen });
    expect(otherHome.pendingReviews.items.map((i) => i.id)).toEqual([rx.id]);
  });

  it('pending reviews come soonest deadline first; the next Shanghai day starts from zero sales', async () => {
    const p = await stocked(h, 10, { policy: UNACTIVATED_REFUND });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const first = await paidOrder(b, p, 1);
    const second = await paidOrder(b, p, 1);
    const admin = await h.loggedIn({ role: 'admin' });
    const r1 = await applyRefund(b, first.id);
    await admin.post('/api/admin/clock/advance', { hours: 3 });
    const r2 = await applyRefund(b, second.id);
    const m = await merchantOf(h, p);
    const home = (await m.get<Home>('/api/merchant/home')).body;
    expect(home.pendingReviews.items.map((i) => i.id)).toEqual([r1.id, r2.id]);
    // 16:00 UTC is midnight in Shanghai: move past it
    const now = new Date((await admin.get<{ now: string }>('/api/admin/clock')).body.now);
    const toMidnight = Math.ceil(
      (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 16) - now.getTime()) / 60_000,
    );
    await admin.post('/api/admin/clock/advance', { minutes: toMidnight > 0 ? toMidnight + 1 : 24 * 60 });
    const next = (await m.get<Home>('/api/merchant/home')).body;
    expect(next.day).not.toBe(home.day);
    expect(next.sales.direct).toEqual({ orders: 0, units: 0, amountFen: 0 });
    expect(next.pendingReviews.total).toBe(2);
  });

  it('is for merchants only', async () => {
    expect((await (await h.loggedIn({ role: 'buyer' })).get('/api/merchant/home')).status).toBe(403);
    expect((await h.client().get('/api/merchant/home')).status).toBe(401);
  });
});
