import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Harness } from '../helpers/app.js';
import { buy, buyMembership, fund, idem, stocked, walletBalance } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  // Sessions outlive the weeks this file moves the clock through.
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
});
afterAll(() => h.close());

const DAY = 86_400_000;
/** The balance of one account, or of all of a kind (escrow is sharded) when no owner is given. */
const balanceOf = async (kind: 'ESCROW' | 'MERCHANT_PAYABLE' | 'PLATFORM_REVENUE', owner?: string) => {
  let q = h.db.db.selectFrom('ledger_accounts').select('balance_fen').where('kind', '=', kind);
  if (owner) q = q.where('owner_id', '=', owner);
  return (await q.execute()).reduce((s, r) => s + Number(r.balance_fen), 0);
};

describe('escrow and settlement', () => {
  it('holds order money until the window and quality-claim period pass, then settles less commission', async () => {
    const p = await stocked(h, 3);
    const admin = await h.loggedIn({ role: 'admin' });
    const set = await admin.req('PUT', `/api/admin/merchants/${p.shop.merchantId}/commission`, {
      commissionBp: 250,
    });
    expect(set.status).toBe(200);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const o = (await buy(b, p, 3)).body as {
      id: string;
      totalFen: number;
      settleAfter: string;
      deliveredAt: string;
    };
    // a later rate change does not reach orders already paid
    expect(
      (await admin.req('PUT', `/api/admin/merchants/${p.shop.merchantId}/commission`, { commissionBp: 1000 }))
        .status,
    ).toBe(200);
    // 24 h policy window, 7-day quality-claim period: the longer one wins
    expect(new Date(o.settleAfter).getTime() - new Date(o.deliveredAt).getTime()).toBe(7 * DAY);
    const escrowBefore = await balanceOf('ESCROW');
    h.base.advance(6 * DAY);
    await h.app.kameng.sweep();
    expect(await balanceOf('MERCHANT_PAYABLE', p.shop.merchantId)).toBe(0);
    h.base.advance(DAY + 1000);
    expect((await h.app.kameng.sweep()).fired).toBeGreaterThanOrEqual(1);
    expect((await h.app.kameng.sweep()).fired).toBe(0); // a deadline fires once
    const commission = Math.floor((o.totalFen * 250) / 10_000);
    expect(await balanceOf('MERCHANT_PAYABLE', p.shop.merchantId)).toBe(o.totalFen - commission);
    expect(await balanceOf('ESCROW')).toBe(escrowBefore - o.totalFen);
    const detail = (await b.get<{ settledAt: string | null; commissionFen: number }>(`/api/orders/${o.id}`))
      .body;
    expect(detail.settledAt).not.toBeNull();
    expect(detail.commissionFen).toBe(commission);
    const settlements = await h.db.db
      .selectFrom('ledger_transactions')
      .select('id')
      .where('kind', '=', 'SETTLEMENT')
      .where('reference_id', '=', o.id)
      .execute();
    expect(settlements).toHaveLength(1);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
  });
});

describe('membership (超会)', () => {
  it('is bought with balance, prices later orders at SUPER, is refundable only until the first member-price order, and expires', async () => {
    const p = await stocked(h, 5);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const offers = (
      await b.get<{ items: { level: string; priceFen: number; termDays: number }[] }>(
        '/api/membership/offers',
      )
    ).body.items;
    const sup = offers.find((o) => o.level === 'SUPER')!;
    const levels = (
      await b.get<{ items: { level: string; maxQtyPerOrder: number }[] }>('/api/membership/levels')
    ).body.items;
    expect(levels.map((l) => [l.level, l.maxQtyPerOrder])).toEqual([
      ['REGULAR', 10],
      ['VIP', 100],
      ['SUPER', 1000],
    ]);
    const bought = await buyMembership(b, 'SUPER');
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(await walletBalance(h, b.userId)).toBe(100_000 - sup.priceFen);
    type M = { items: { refundable: boolean; state: string; endsAt: string }[] };
    expect((await b.get<M>('/api/me/memberships')).body.items[0].refundable).toBe(true);
    const o = (await buy(b, p, 2)).body as { unitPriceFen: number; memberPrice: boolean };
    expect(o).toMatchObject({ unitPriceFen: p.prices.SUPER, memberPrice: true });
    expect((await b.get<M>('/api/me/memberships')).body.items[0].refundable).toBe(false);
    // a lower level cannot be bought while SUPER runs
    const lower = await buyMembership(b, 'VIP');
    expect((lower.body as { code: string }).code).toBe('membership.lower_than_current');
    h.base.advance(sup.termDays * DAY + 1000);
    await h.app.kameng.sweep();
    const items = (await b.get<M>('/api/me/memberships')).body.items;
    expect(items[0].state).toBe('EXPIRED');
    const after = (await buy(b, p, 1)).body as { unitPriceFen: number; buyerLevel: string };
    expect(after).toMatchObject({ unitPriceFen: p.prices.REGULAR, buyerLevel: 'REGULAR' });
  });

  it('two purchases at the same moment both succeed, one after the other (no deadlock)', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const results = await Promise.all(
      ['VIP', 'SUPER', 'SUPER'].map((level) => buyMembership(b, level as 'VIP' | 'SUPER')),
    );
    // VIP may be refused if a SUPER committed first; nothing else may fail
    for (const r of results) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(2);
    const user = await h.db.db
      .selectFrom('users')
      .select('member_level')
      .where('id', '=', b.userId)
      .executeTakeFirstOrThrow();
    expect(user.member_level).toBe('SUPER');
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
  });

  it('a level the admin took off sale cannot be bought; offers must name each level once', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const dup = await admin.req('PUT', '/api/admin/membership/offers', {
      items: [
        { level: 'VIP', priceFen: 100, termDays: 30 },
        { level: 'VIP', priceFen: 200, termDays: 30 },
      ],
    });
    expect(dup.status).toBe(400);
    const onlyVip = await admin.req('PUT', '/api/admin/membership/offers', {
      items: [{ level: 'VIP', priceFen: 2_900, termDays: 30 }],
    });
    expect(onlyVip.status).toBe(200);
    try {
      const res = await buyMembership(b, 'SUPER');
      expect(res.status).toBe(404);
      expect((res.body as { code: string }).code).toBe('membership.offer_not_found');
      expect(await walletBalance(h, b.userId)).toBe(100_000);
    } finally {
      await admin.req('PUT', '/api/admin/membership/offers', {
        items: [
          { level: 'VIP', priceFen: 2_900, termDays: 30 },
          { level: 'SUPER', priceFen: 9_900, termDays: 30 },
        ],
      });
    }
  });

  it('a membership price changed by an admin meanwhile is refused with the new offer; nothing is charged', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    const admin = await h.loggedIn({ role: 'admin' });
    await fund(h, b.userId, 100_000);
    const stale = { priceFen: 9_900, termDays: 30 };
    const changed = await admin.req('PUT', '/api/admin/membership/offers', {
      items: [
        { level: 'VIP', priceFen: 2_900, termDays: 30 },
        { level: 'SUPER', priceFen: 12_800, termDays: 30 },
      ],
    });
    expect(changed.status).toBe(200);
    try {
      const res = await buyMembership(b, 'SUPER', idem(), stale);
      expect(res.status).toBe(409);
      const body = res.body as { code: string; data: { priceFen: number; termDays: number }; detail: string };
      expect(body.code).toBe('membership.price_changed');
      expect(body.data).toEqual({ priceFen: 12_800, termDays: 30 });
      expect(body.detail).toContain('¥128.00');
      expect(await walletBalance(h, b.userId)).toBe(100_000);
      const shorter = await buyMembership(b, 'SUPER', idem(), { priceFen: 12_800, termDays: 31 });
      expect((shorter.body as { code: string }).code).toBe('membership.price_changed');
      const ok = await buyMembership(b, 'SUPER');
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(await walletBalance(h, b.userId)).toBe(100_000 - 12_800);
    } finally {
      await admin.req('PUT', '/api/admin/membership/offers', {
        items: [
          { level: 'VIP', priceFen: 2_900, termDays: 30 },
          { level: 'SUPER', priceFen: 9_900, termDays: 30 },
        ],
      });
    }
  });

  it('buying the same level again extends it from its current end', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    for (let i = 0; i < 2; i++) expect((await buyMembership(b, 'VIP')).status).toBe(201);
    const user = await h.db.db
      .selectFrom('users')
      .select(['member_level', 'level_expires_at'])
      .where('id', '=', b.userId)
      .executeTakeFirstOrThrow();
    expect(user.member_level).toBe('VIP');
    expect(new Date(user.level_expires_at!).getTime() - h.ctx.clock.now().getTime()).toBe(60 * DAY);
  });
});

describe('records export', () => {
  it('XLSX and CSV hold the buyer’s orders, payments and key timelines, and never a secret', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const created = (await buy(b, p, 2)).body as { id: string };
    type Detail = { id: string; orderNo: string; units: { unitId: string }[] };
    const o = (await b.get<Detail>(`/api/orders/${created.id}`)).body;
    const reveal = await b.post<{ secret: string }>(`/api/units/${o.units[0].unitId}/reveal`, {});
    expect(reveal.status).toBe(200);
    const secret = reveal.body.secret;
    expect(secret).toMatch(/secret/);
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/me/records?format=xlsx',
      headers: { cookie: b.cookie! },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="kameng-records-.*\.xlsx"/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['订单', '支付与退款', '卡密记录', '售后']);
    const cells: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(c.text))));
    expect(cells).toContain(o.orderNo);
    expect(cells).toContain('发货（未拆封）'); // words, not codes (records-export.test.ts has the rest)
    const all = cells.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain('secret'); // no other imported password (pw-…-secret) either
    expect(all).not.toMatch(/pw-P\d+x-\d/);
    for (const dataset of ['orders', 'payments', 'keys', 'refunds']) {
      const csv = await h.app.inject({
        method: 'GET',
        url: `/api/me/records?format=csv&dataset=${dataset}`,
        headers: { cookie: b.cookie! },
      });
      expect(csv.statusCode).toBe(200);
      expect(csv.body.charCodeAt(0)).toBe(0xfeff);
      // This buyer has no refund request: that dataset is its header row alone.
      if (dataset !== 'refunds') expect(csv.body).toContain(o.orderNo);
      else expect(csv.body.trim().split('\n')).toHaveLength(1);
      expect(csv.body).not.toContain('secret');
    }
  });
});
