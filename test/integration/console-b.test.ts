/**
 * The operator console, part B (Stage 8): accounts disabled and reinstated through the user
 * machine (sessions and tokens stop at once; not oneself, not the last admin; channel buyers
 * stay disabled), merchants suspended and reinstated, the audit log searched by object, actor,
 * action and time with a cursor (no secrets in it), break-glass reveals listed, and the dashboard's
 * figures over data built through the real use cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserStatus } from '../../src/modules/accounts/admin-users.js';
import { harness, PASSWORD, type Client, type Harness } from '../helpers/app.js';
import { disputed, merchantOf, submitBoth } from '../helpers/disputes.js';
import { refs } from '../helpers/evidence.js';
import { buy, fund, idem, stocked, type Stocked } from '../helpers/orders.js';

const HOUR = 3_600_000;

type AdminUser = {
  id: string;
  username: string;
  role: string;
  status: string;
  version: number;
  disabledReason: string | null;
  channelBuyer: boolean;
  merchant: { id: string; status: string; version: number; suspendedReason: string | null } | null;
};
type AuditItem = {
  seq: number;
  actorId: string | null;
  actorName: string | null;
  action: string;
  objectType: string;
  objectId: string;
  at: string;
  data: Record<string, unknown>;
};
type AuditPage = { items: AuditItem[]; nextCursor: string | null };

describe('accounts and merchants in the console', () => {
  let h: Harness;
  let admin: Client & { userId: string };
  beforeAll(async () => {
    h = await harness();
    admin = await h.loggedIn({ role: 'admin' });
  });
  afterAll(() => h.close());

  const find = async (q: string) =>
    (await admin.get<{ items: AdminUser[] }>(`/api/admin/users?q=${encodeURIComponent(q)}`)).body.items;

  it('searches by username, id and role', async () => {
    const b = await h.account({ role: 'buyer', username: 'zhangsan_findme' });
    expect((await find('FINDME')).map((u) => u.id)).toEqual([b.id]);
    expect((await find(b.id)).map((u) => u.username)).toEqual(['zhangsan_findme']);
    const merchants = await admin.get<{ items: AdminUser[] }>('/api/admin/users?role=merchant');
    expect(merchants.body.items.every((u) => u.role === 'merchant' && u.merchant !== null)).toBe(true);
    // support may search; buyers may not
    const support = await h.loggedIn({ role: 'support' });
    expect((await support.get('/api/admin/users')).status).toBe(200);
    const buyer = await h.loggedIn({ role: 'buyer' });
    expect((await buyer.get('/api/admin/users')).status).toBe(403);
  });

  it('disabling a buyer ends their session at once and refuses their login; reinstating is audited', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    const [u] = await find(b.userId);
    expect((await b.get('/api/auth/me')).status).toBe(200);
    // a reason is required
    const noReason = await admin.post(`/api/admin/users/${u.id}/status`, {
      status: 'DISABLED',
      version: u.version,
      reason: '',
    });
    expect(noReason.status).toBe(400);
    const off = await admin.post<{ status: string; version: number }>(`/api/admin/users/${u.id}/status`, {
      status: 'DISABLED',
      version: u.version,
      reason: '盗刷嫌疑，冻结核查',
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.status).toBe('DISABLED');
    expect((await b.get('/api/auth/me')).status).toBe(401);
    const login = await h.client().login(u.username, PASSWORD);
    const refused = login.body as { code?: string };
    expect(login.status).toBe(403);
    expect(refused.code).toBe('auth.account_disabled');
    const [after] = await find(u.id);
    expect(after).toMatchObject({ status: 'DISABLED', disabledReason: '盗刷嫌疑，冻结核查' });
    // a stale version is refused
    const stale = await admin.post(`/api/admin/users/${u.id}/status`, {
      status: 'ACTIVE',
      version: u.version,
      reason: '核查完毕',
    });
    expect(stale.status).toBe(409);
    const on = await admin.post<{ status: string }>(`/api/admin/users/${u.id}/status`, {
      status: 'ACTIVE',
      version: off.body.version,
      reason: '核查完毕，恢复使用',
    });
    expect(on.body.status).toBe('ACTIVE');
    expect((await h.client().login(u.username, PASSWORD)).status).toBe(200);
    const trail = await admin.get<AuditPage>(
      `/api/admin/audit?objectType=user&objectId=${u.id}&action=user.`,
    );
    expect(trail.body.items.map((e) => [e.action, e.actorId, e.data.reason])).toEqual([
      ['user.active', admin.userId, '核查完毕，恢复使用'],
      ['user.disabled', admin.userId, '盗刷嫌疑，冻结核查'],
      ['user.created', null, undefined],
    ]);
  });

  it('a disabled merchant user’s API token stops working at once', async () => {
    const m = await h.loggedIn({ role: 'merchant' });
    const token = (await m.post<{ token: string }>('/api/merchant/tokens', { name: 'erp' })).body.token;
    const api = h.client();
    api.bearer = token;
    expect((await api.get('/api/merchant/profile')).status).toBe(200);
    const [u] = await find(m.userId);
    expect(
      (
        await admin.post(`/api/admin/users/${u.id}/status`, {
          status: 'DISABLED',
          version: u.version,
          reason: '店主账户被盗',
        })
      ).status,
    ).toBe(200);
    expect((await api.get('/api/merchant/profile')).status).toBe(401);
  });

  it('an admin cannot disable themselves, nor the last active admin; only admins may act', async () => {
    const [me] = await find(admin.userId);
    const self = await admin.post(`/api/admin/users/${me.id}/status`, {
      status: 'DISABLED',
      version: me.version,
      reason: '测试自我停用',
    });
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('admin.cannot_disable_self');
    const support = await h.loggedIn({ role: 'support' });
    const target = await h.account({ role: 'buyer' });
    expect(
      (
        await support.post(`/api/admin/users/${target.id}/status`, {
          status: 'DISABLED',
          version: 1,
          reason: '客服越权',
        })
      ).status,
    ).toBe(403);
    // Another admin may disable this one; this one, now disabled, can no longer act.
    const other = await h.loggedIn({ role: 'admin' });
    const [o] = await find(other.userId);
    expect(
      (
        await admin.post(`/api/admin/users/${o.id}/status`, {
          status: 'DISABLED',
          version: o.version,
          reason: '离职',
        })
      ).status,
    ).toBe(200);
    expect((await other.get('/api/admin/users')).status).toBe(401);
    // A stale actor (an admin disabled since the request began) is refused inside the transaction,
    // and the last active admin cannot be disabled by anyone.
    const ghost = {
      kind: 'user',
      id: o.id,
      role: 'admin',
      memberLevel: 'REGULAR',
      merchantId: null,
    } as const;
    const admins = await h.db.db
      .selectFrom('users')
      .select(['id', 'version'])
      .where('role', '=', 'admin')
      .where('status', '=', 'ACTIVE')
      .execute();
    expect(admins.map((a) => a.id)).toEqual([admin.userId]);
    await expect(
      setUserStatus(h.ctx, ghost, admin.userId, {
        status: 'DISABLED',
        version: admins[0].version,
        reason: '最后一个',
      }),
    ).rejects.toMatchObject({ code: 'admin.last_admin' });
    const victim = await h.account({ role: 'buyer' });
    await expect(
      setUserStatus(h.ctx, ghost, victim.id, { status: 'DISABLED', version: 1, reason: '已停用的管理员' }),
    ).rejects.toMatchObject({ code: 'auth.forbidden' });
  });

  it('a channel buyer is shown as such and cannot be reinstated', async () => {
    const b = await h.account({ role: 'buyer' });
    await h.db.db
      .updateTable('users')
      .set({ status: 'DISABLED', channel_shop_id: 'shop-x' })
      .where('id', '=', b.id)
      .execute();
    const [u] = await find(b.id);
    expect(u).toMatchObject({ channelBuyer: true, status: 'DISABLED' });
    const res = await admin.post(`/api/admin/users/${u.id}/status`, {
      status: 'ACTIVE',
      version: u.version,
      reason: '尝试恢复',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('admin.channel_buyer');
  });

  it('suspends a merchant with a reason and reinstates it (the sanctions use case), both audited', async () => {
    const m = await h.account({ role: 'merchant' });
    const [u] = await find(m.id);
    const merchant = u.merchant!;
    const off = await admin.post<{ status: string; version: number }>(
      `/api/admin/merchants/${merchant.id}/status`,
      { status: 'SUSPENDED', version: merchant.version, reason: '售假投诉核查中' },
    );
    expect(off.body.status).toBe('SUSPENDED');
    expect((await find(m.id))[0].merchant).toMatchObject({
      status: 'SUSPENDED',
      suspendedReason: '售假投诉核查中',
    });
    await admin.post(`/api/admin/merchants/${merchant.id}/status`, {
      status: 'ACTIVE',
      version: off.body.version,
      reason: '核查完毕',
    });
    const trail = await admin.get<AuditPage>(`/api/admin/audit?objectType=merchant&objectId=${merchant.id}`);
    expect(trail.body.items.map((e) => [e.action, e.actorName, e.data.reason])).toEqual([
      ['merchant.active', expect.any(String), '核查完毕'],
      ['merchant.suspended', expect.any(String), '售假投诉核查中'],
      ['merchant.created', null, undefined],
    ]);
  });
});

describe('the audit log', () => {
  let h: Harness;
  let admin: Client & { userId: string };
  beforeAll(async () => {
    h = await harness();
    admin = await h.loggedIn({ role: 'admin' });
  });
  afterAll(() => h.close());

  it('pages newest first with a cursor; filters by actor, action prefix and time', async () => {
    for (let i = 0; i < 5; i++) await h.account({ role: 'buyer' });
    const first = await admin.get<AuditPage>('/api/admin/audit?action=user.created&limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await admin.get<AuditPage>(
      `/api/admin/audit?action=user.created&limit=2&cursor=${first.body.nextCursor}`,
    );
    const seqs = [...first.body.items, ...second.body.items].map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(4);
    const all: AuditItem[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: AuditPage = (
        await admin.get<AuditPage>(
          `/api/admin/audit?action=user.created&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        )
      ).body;
      all.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(all.filter((e) => e.action === 'user.created')).toHaveLength(6); // the admin and five buyers
    // by actor: the admin's own login
    const mine = await admin.get<AuditPage>(`/api/admin/audit?actorId=${admin.userId}`);
    expect(mine.body.items.map((e) => e.action)).toContain('session.created');
    // a prefix: everything under session.
    const sessions = await admin.get<AuditPage>('/api/admin/audit?action=session.');
    expect(sessions.body.items.length).toBeGreaterThan(0);
    expect(sessions.body.items.every((e) => e.action.startsWith('session.'))).toBe(true);
    // time: nothing before the clock's start, everything in the hour after
    const t = h.ctx.clock.now();
    const before = await admin.get<AuditPage>(
      `/api/admin/audit?to=${new Date(t.getTime() - HOUR).toISOString()}`,
    );
    expect(before.body.items).toEqual([]);
    h.base.advance(2 * HOUR);
    await h.account({ role: 'buyer' });
    const later = await admin.get<AuditPage>(
      `/api/admin/audit?from=${new Date(t.getTime() + HOUR).toISOString()}&action=user.created`,
    );
    expect(later.body.items).toHaveLength(1);
    // a bad cursor, a limit over 200, a non-admin
    expect((await admin.get('/api/admin/audit?cursor=abc')).body.code).toBe('admin.audit_cursor_invalid');
    expect((await admin.get('/api/admin/audit?limit=201')).status).toBe(400);
    expect((await (await h.loggedIn({ role: 'support' })).get('/api/admin/audit')).status).toBe(403);
  });

  it('verifies the chain, lists break-glass reveals, and never shows a secret', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    expect((await buy(b, p, 1)).status).toBe(201);
    const key = await h.db.db
      .selectFrom('keys')
      .select(['id', 'unit_id', 'serial_masked'])
      .where('product_id', '=', p.productId)
      .where('unit_id', 'is not', null)
      .executeTakeFirstOrThrow();
    const revealed = await admin.post<{ secret: string }>(`/api/admin/keys/${key.id}/reveal`, {
      reason: '买家投诉卡密无效，核对原始卡密',
    });
    expect(revealed.status).toBe(200);
    const m = await h.loggedIn({ role: 'merchant' });
    const token = (await m.post<{ token: string }>('/api/merchant/tokens', { name: 'k' })).body.token;

    const reveals = await admin.get<{ items: Record<string, unknown>[] }>('/api/admin/audit/reveals');
    expect(reveals.body.items).toEqual([
      expect.objectContaining({
        actorId: admin.userId,
        keyId: key.id,
        unitId: key.unit_id,
        serialMasked: key.serial_masked,
        productId: p.productId,
        reason: '买家投诉卡密无效，核对原始卡密',
      }),
    ]);
    const verify = await admin.get<{ ok: boolean; count: number }>('/api/admin/audit/verify');
    expect(verify.body.ok).toBe(true);
    // every event, read through the console: no secret, password, token or cookie anywhere
    let text = '';
    let cursor: string | null = '';
    while (cursor !== null) {
      const res: { body: AuditPage } = await admin.get<AuditPage>(
        `/api/admin/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      text += JSON.stringify(res.body.items);
      cursor = res.body.nextCursor;
    }
    expect(text).toContain('key.break_glass_revealed');
    for (const secret of [revealed.body.secret, PASSWORD, token, admin.csrf!, admin.cookie!.split('=')[1]])
      expect(text).not.toContain(secret);
  });
});

describe('the dashboard', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
  });
  afterAll(() => h.close());

  const POLICY = {
    unactivatedRefund: true,
    windowHours: 72,
    noReasonRefund: true,
    revealedRefund: true,
    nonRefundable: false,
    nonRefundableText: null,
  };
  async function order(b: Client, p: Stocked, qty: number) {
    const res = await buy(b, p, qty);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; totalFen: number };
  }
  async function apply(b: Client, orderId: string, reason: string) {
    const files =
      reason === 'NOT_AS_DESCRIBED'
        ? await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：卡密提示无效\n客服：请稍等\n') }])
        : [];
    const res = await b.req<{ id: string; state: string; version: number; amountFen: number }>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason, description: '订单有问题，申请退款', files },
      { 'idempotency-key': idem() },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }
  async function buyer() {
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    return b;
  }
  const sweep = async () => {
    for (let i = 0; i < 50 && (await h.app.kameng.sweep()).fired > 0; i++);
  };

  it('counts orders, refunds, decisions, deadlines, disputes and the merchant ranking exactly', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    // Day 1 (Mon 2026-01-05, 10:00 Shanghai): shop A sells 2 units; the buyer's mistaken purchase
    // is refunded at once (decided in 0 h).
    const pA = await stocked(h, 4, { policy: POLICY, prices: { REGULAR: 9000, VIP: 8900, SUPER: 8800 } });
    const b1 = await buyer();
    const a1 = await order(b1, pA, 2);
    const r1 = await apply(b1, a1.id, 'MISTAKEN_PURCHASE');
    expect(r1.state).toBe('REFUNDED');

    // Day 2 (Tue 10:00): shop B sells 1 + 1 units; the first is refunded by the merchant 3 h later.
    h.base.advance(24 * HOUR);
    const pB = await stocked(h, 4, { policy: POLICY });
    const b2 = await buyer();
    const b3 = await buyer();
    const o1 = await order(b2, pB, 1);
    const o2 = await order(b3, pB, 1);
    const r2 = await apply(b2, o1.id, 'NOT_AS_DESCRIBED');
    expect(r2.state).toBe('PENDING_REVIEW');
    h.base.advance(3 * HOUR);
    const mB = await merchantOf(h, pB);
    const ok = await mB.post<{ state: string }>(`/api/refunds/${r2.id}/decision`, {
      action: 'APPROVE',
      version: r2.version,
    });
    expect(ok.body.state).toBe('REFUNDED');

    // Day 2 (13:00): shop C's 2-unit order is rejected at once (0 h), disputed, and decided for the
    // buyer 2 h later: the request's decision is the arbitration's (2 h).
    const pC = await stocked(h, 4, { policy: POLICY, prices: { REGULAR: 12000, VIP: 11900, SUPER: 11800 } });
    const c = await disputed(h, { p: pC });
    await submitBoth(c);
    h.base.advance(2 * HOUR);
    const arbitrator = await h.loggedIn({ role: 'arbitrator' });
    const d = (await arbitrator.get<{ version: number }>(`/api/disputes/${c.id}`)).body;
    const decided = await arbitrator.post(`/api/disputes/${c.id}/decision`, {
      version: d.version,
      outcome: 'BUYER',
      rationale: '记录显示卡密未激活，拒绝理由不成立，支持买家。',
      confirmFinal: true,
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await sweep();

    // Shop B's second order: a request needing judgement the merchant lets time out → support.
    const r3 = await apply(b3, o2.id, 'NOT_AS_DESCRIBED');
    h.base.advance(5 * 24 * HOUR);
    await sweep();
    expect((await b3.get<{ state: string }>(`/api/refunds/${r3.id}`)).body.state).toBe('SUPPORT_REVIEW');

    const totals = await h.db.db
      .selectFrom('orders')
      .select(['id', 'total_fen', 'merchant_id'])
      .where('kind', '=', 'GOODS')
      .execute();
    const fen = (id: string) => totals.find((o) => o.id === id)!.total_fen;
    const cFen = fen(c.orderId);
    const cRequest = await h.db.db
      .selectFrom('refund_requests')
      .select('amount_fen')
      .where('id', '=', c.requestId)
      .executeTakeFirstOrThrow();

    const res = await admin.get<Record<string, unknown>>('/api/admin/dashboard?days=30');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const dash = res.body as {
      byDay: { day: string; orders: number; salesFen: number; refundRequests: number; refundedFen: number }[];
      totals: Record<string, unknown>;
      deadlines: Record<string, number>;
      disputes: Record<string, number>;
      payouts: Record<string, number>;
      merchants: {
        merchantId: string;
        salesFen: number;
        refundRateBp: number | null;
        disputesLost: number;
      }[];
    };
    expect(dash.byDay).toHaveLength(30);
    // Now is Sun 2026-01-11 15:00 Shanghai: the window's last day.
    expect(dash.byDay.at(-1)!.day).toBe('2026-01-11');
    const day = (d: string) => dash.byDay.find((x) => x.day === d);
    expect(day('2026-01-05')).toEqual({
      day: '2026-01-05',
      orders: 1,
      salesFen: a1.totalFen,
      refundRequests: 1,
      refundedFen: a1.totalFen,
    });
    expect(day('2026-01-06')).toEqual({
      day: '2026-01-06',
      orders: 3,
      salesFen: o1.totalFen + o2.totalFen + cFen,
      refundRequests: 3,
      refundedFen: o1.totalFen + cRequest.amount_fen,
    });
    expect(
      dash.byDay.filter((x) => x.day !== '2026-01-05' && x.day !== '2026-01-06').every((x) => x.orders === 0),
    ).toBe(true);
    expect(dash.totals).toEqual({
      orders: 4,
      salesFen: a1.totalFen + o1.totalFen + o2.totalFen + cFen,
      refundRequests: 4,
      refundedFen: a1.totalFen + o1.totalFen + cRequest.amount_fen,
      unitsDelivered: 6,
      unitsRefunded: 5,
      refundRateBp: 8333,
      decisions: 3, // 0 h, 3 h and 2 h (the rejection was replaced by the arbitration's decision)
      medianDecisionHours: 2,
    });
    expect(dash.deadlines).toEqual({ autoApproved: 0, toSupport: 1, supportOverdue: 0 });
    expect(dash.disputes).toEqual({ buyer: 1, merchant: 0, split: 0, open: 0 });
    expect(dash.payouts).toEqual({ delayedAlerts: 0, delayedOpen: 0, processingOverdue: 0, abnormal: 0 });
    const rank = dash.merchants.map((m) => [m.merchantId, m.salesFen, m.refundRateBp, m.disputesLost]);
    // by sales: C (2 × ¥120.00), B (2 × ¥98.50), A (2 × ¥90.00)
    expect([a1.totalFen, o1.totalFen + o2.totalFen, cFen]).toEqual([18_000, 19_700, 24_000]);
    expect(rank).toEqual([
      [pC.shop.merchantId, 24_000, 10_000, 1],
      [pB.shop.merchantId, 19_700, 5_000, 0],
      [pA.shop.merchantId, 18_000, 10_000, 0],
    ]);
    // a shorter window leaves the first days out; buyers may not read it
    const week = (await admin.get<{ totals: { orders: number } }>('/api/admin/dashboard?days=3')).body;
    expect(week.totals.orders).toBe(0);
    expect((await b1.get('/api/admin/dashboard')).status).toBe(403);
  });
});
