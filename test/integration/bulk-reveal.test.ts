/**
 * Bulk reveal (批量查看) and the per-user reveal budget, over HTTP on a real database (SQLite, and
 * PostgreSQL when configured): every key recorded as a reveal with its audit event, first reveals
 * unsealing (and changing refund eligibility), only the buyer's own units of that order, refusals,
 * the budget counted in keys per user (not per address) with 429 and its reset time, and
 * concurrent bulk reveals of one order not double-counting first reveals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { putSetting } from '../../src/platform/settings.js';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { UNACTIVATED_REFUND } from '../helpers/disputes.js';
import { buy, fund, idem, stocked } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

type Order = { id: string; units: { unitId: string; keyState: string }[] };
type Bulk = {
  orderId: string;
  items: { unitId: string; serial: string | null; secret: string; firstReveal: boolean }[];
  skipped: { unitId: string; reason: string }[];
  firstReveals: number;
  budget: { limit: number; spent: number; resetAt: string } | null;
};
type Problem = { code: string; messages: { 'zh-CN': string; en: string }; data?: Record<string, unknown> };

async function buyer(level: 'REGULAR' | 'VIP' | 'SUPER' = 'VIP', c?: { ip: string }) {
  const b = await h.loggedIn({ role: 'buyer', memberLevel: level });
  if (c) b.ip = c.ip;
  await fund(h, b.userId, 100_000_000);
  return b;
}

async function order(b: Client, keys: number, qty = keys, policy = UNACTIVATED_REFUND): Promise<Order> {
  const p = await stocked(h, keys, { policy });
  const res = await buy(b, p, qty, 'BALANCE', idem());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (await b.get<Order>(`/api/orders/${(res.body as { id: string }).id}`)).body;
}

const bulk = (b: Client, orderId: string, body: unknown) =>
  b.post<Bulk & Problem>(`/api/orders/${orderId}/reveal`, body);

async function setBudget(keys: number, minutes = 60) {
  const rules = await h.db.db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'platform_rules')
    .executeTakeFirst();
  const current = rules ? (JSON.parse(rules.value) as Record<string, unknown>) : {};
  await putSetting(
    h.db.db,
    'platform_rules',
    { ...current, revealBudgetKeys: keys, revealBudgetWindowMinutes: minutes },
    h.ctx.clock.now(),
  );
}

describe('bulk reveal', () => {
  it('reveals all units of an order, each recorded per key (拆封, history with IP and user agent, audit event)', async () => {
    const b = await buyer();
    const o = await order(b, 5);
    const res = await b.req<Bulk>(
      'POST',
      `/api/orders/${o.id}/reveal`,
      { all: true },
      { 'user-agent': 'BulkTest/1.0' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.items).toHaveLength(5);
    expect(res.body.firstReveals).toBe(5);
    expect(res.body.skipped).toEqual([]);
    expect(new Set(res.body.items.map((i) => i.secret)).size).toBe(5);
    expect(res.body.items.every((i) => i.firstReveal)).toBe(true);
    const unitIds = o.units.map((u) => u.unitId);
    const keys = await h.db.db.selectFrom('keys').selectAll().where('unit_id', 'in', unitIds).execute();
    expect(keys.map((k) => k.state)).toEqual(Array(5).fill('REVEALED'));
    expect(keys.every((k) => k.first_revealed_at !== null)).toBe(true);
    const events = await h.db.db
      .selectFrom('key_events')
      .selectAll()
      .where('unit_id', 'in', unitIds)
      .where('kind', '=', 'REVEALED')
      .execute();
    expect(events).toHaveLength(5);
    expect(
      events.every((e) => e.ip === b.ip && e.user_agent === 'BulkTest/1.0' && e.actor_id === b.userId),
    ).toBe(true);
    const audits = await h.db.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'key.revealed')
      .where(
        'object_id',
        'in',
        keys.map((k) => k.id),
      )
      .execute();
    expect(audits).toHaveLength(5);

    // again: the same keys re-shown, recorded as later reveals, no state change
    const again = await bulk(b, o.id, { unitIds: unitIds.slice(0, 2) });
    expect(again.status).toBe(200);
    expect(again.body.firstReveals).toBe(0);
    expect(again.body.items.map((i) => i.unitId)).toEqual(unitIds.slice(0, 2));
    expect(again.body.items.map((i) => i.secret)).toEqual(
      res.body.items.filter((i) => unitIds.slice(0, 2).includes(i.unitId)).map((i) => i.secret),
    );
    const after = await h.db.db
      .selectFrom('key_events')
      .select('id')
      .where('unit_id', 'in', unitIds)
      .where('kind', '=', 'REVEALED')
      .execute();
    expect(after).toHaveLength(7);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('first reveal unseals: a sealed unit refundable for a personal reason is no longer after a bulk reveal', async () => {
    const b = await buyer();
    const o = await order(b, 3);
    const [first, second] = o.units.map((u) => u.unitId);
    const precheck = async () =>
      (
        await b.post<{ units: { unitId: string; eligible: boolean; codes: string[] }[] }>(
          `/api/orders/${o.id}/refund-precheck`,
          { reason: 'MISTAKEN_PURCHASE' },
        )
      ).body.units;
    const before = await precheck();
    expect(before.find((u) => u.unitId === first)?.eligible).toBe(true);
    expect((await bulk(b, o.id, { unitIds: [first] })).status).toBe(200);
    const after = await precheck();
    expect(after.find((u) => u.unitId === first)?.eligible).toBe(false);
    expect(after.find((u) => u.unitId === second)?.eligible).toBe(true);
  });

  it('refuses units that are not the buyer’s or not of this order, and another buyer’s order', async () => {
    const b = await buyer();
    const other = await buyer();
    const mine = await order(b, 2);
    const mine2 = await order(b, 1);
    const theirs = await order(other, 1);
    const foreign = await bulk(b, mine.id, { unitIds: [mine.units[0].unitId, theirs.units[0].unitId] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('inventory.reveal_units_not_in_order');
    expect(foreign.body.messages['zh-CN']).toContain('1 件');
    const otherOrder = await bulk(b, mine.id, { unitIds: [mine2.units[0].unitId] });
    expect(otherOrder.body.code).toBe('inventory.reveal_units_not_in_order');
    const notMine = await bulk(b, theirs.id, { all: true });
    expect(notMine.status).toBe(404);
    expect(notMine.body.code).toBe('order.not_found');
    // nothing was revealed by the refusals
    const states = await h.db.db
      .selectFrom('keys')
      .select('state')
      .where(
        'unit_id',
        'in',
        [...mine.units, ...theirs.units].map((u) => u.unitId),
      )
      .execute();
    expect(states.every((k) => k.state === 'SEALED')).toBe(true);
    const bad = await bulk(b, mine.id, { unitIds: [] });
    expect(bad.status).toBe(400);
    const both = await bulk(b, mine.id, { all: true, unitIds: [mine.units[0].unitId] });
    expect(both.status).toBe(400);
  });

  it('refuses chosen units whose key cannot be revealed (refunded, voided), and skips them under all', async () => {
    const b = await buyer();
    const o = await order(b, 3);
    const [refunded, voided, ok] = o.units.map((u) => u.unitId);
    await h.db.db
      .updateTable('keys')
      .set({ state: 'AVAILABLE', unit_id: null, buyer_id: null })
      .where('unit_id', '=', refunded)
      .execute();
    await h.db.db
      .updateTable('units')
      .set({ refunded_at: h.ctx.clock.now().toISOString() })
      .where('id', '=', refunded)
      .execute();
    await h.db.db.updateTable('keys').set({ state: 'VOIDED' }).where('unit_id', '=', voided).execute();
    const refused = await bulk(b, o.id, { unitIds: [refunded, voided, ok] });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('inventory.reveal_units_not_revealable');
    expect(refused.body.messages.en).toContain('2 chosen units');
    expect(refused.body.data?.units).toEqual([
      { unitId: refunded, reason: 'REFUNDED', state: null },
      { unitId: voided, reason: 'NOT_REVEALABLE', state: 'VOIDED' },
    ]);
    const all = await bulk(b, o.id, { all: true });
    expect(all.status).toBe(200);
    expect(all.body.items.map((i) => i.unitId)).toEqual([ok]);
    expect(all.body.skipped.map((s) => [s.unitId, s.reason]).sort()).toEqual(
      [
        [refunded, 'REFUNDED'],
        [voided, 'NOT_REVEALABLE'],
      ].sort(),
    );
    await h.db.db.updateTable('keys').set({ state: 'VOIDED' }).where('unit_id', '=', ok).execute();
    const none = await bulk(b, o.id, { all: true });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('inventory.reveal_nothing');
  });

  it('concurrent bulk reveals of one order each get every secret and unseal each key once', async () => {
    const b = await buyer();
    const o = await order(b, 20);
    const results = await Promise.all([1, 2, 3].map(() => bulk(b, o.id, { all: true })));
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(results.reduce((n, r) => n + r.body.firstReveals, 0)).toBe(20);
    const secrets = results.map((r) =>
      r.body.items
        .map((i) => i.secret)
        .sort()
        .join(),
    );
    expect(new Set(secrets).size).toBe(1);
    const unitIds = o.units.map((u) => u.unitId);
    const keys = await h.db.db
      .selectFrom('keys')
      .select(['id', 'state', 'version'])
      .where('unit_id', 'in', unitIds)
      .execute();
    expect(keys.every((k) => k.state === 'REVEALED')).toBe(true);
    const events = await h.db.db
      .selectFrom('key_events')
      .select('id')
      .where('unit_id', 'in', unitIds)
      .where('kind', '=', 'REVEALED')
      .execute();
    expect(events).toHaveLength(60);
    const firsts = await h.db.db
      .selectFrom('audit_events')
      .select('data')
      .where('action', '=', 'key.revealed')
      .where(
        'object_id',
        'in',
        keys.map((k) => k.id),
      )
      .execute();
    expect(firsts).toHaveLength(60);
    const data = firsts.map(
      (a) => (typeof a.data === 'string' ? JSON.parse(a.data) : a.data) as { first: boolean },
    );
    expect(data.filter((d) => d.first)).toHaveLength(20);
  });
});

describe('the reveal budget: keys per user, not requests per address', () => {
  it('N keys spend N; over budget is 429 naming the limit and the reset; users behind one address are independent; the window resets', async () => {
    await setBudget(12, 60);
    try {
      const a = await buyer('VIP');
      const b = await buyer('VIP', { ip: a.ip }); // the same NAT address
      const oa = await order(a, 12);
      const ob = await order(b, 12);
      const first = await bulk(a, oa.id, { unitIds: oa.units.slice(0, 10).map((u) => u.unitId) });
      expect(first.status).toBe(200);
      expect(first.body.budget).toMatchObject({ limit: 12, spent: 10 });
      // 10 spent: one single reveal (spends 1) fits, then 2 more keys do not
      expect((await a.post(`/api/units/${oa.units[10].unitId}/reveal`)).status).toBe(200);
      const over = await bulk(a, oa.id, { unitIds: oa.units.slice(0, 2).map((u) => u.unitId) });
      expect(over.status).toBe(429);
      expect(over.headers['content-type']).toMatch(/problem\+json/);
      expect(over.body.code).toBe('inventory.reveal_budget_exceeded');
      const resetAt = new Date(h.ctx.clock.now().getTime() + 60 * 60_000).toISOString();
      expect(over.body.data).toMatchObject({
        limit: 12,
        windowMinutes: 60,
        wanted: 2,
        remaining: 1,
        resetAt,
      });
      expect(over.body.messages['zh-CN']).toContain('每 60 分钟最多查看 12 个');
      expect(over.body.messages.en).toContain('Beijing time');
      expect(Number(over.headers['retry-after'])).toBe(3600);
      // the refused request spent nothing: 1 still left for a single reveal, then none
      expect((await a.post(`/api/units/${oa.units[11].unitId}/reveal`)).status).toBe(200);
      const single = await a.post<Problem>(`/api/units/${oa.units[0].unitId}/reveal`);
      expect(single.status).toBe(429);
      expect(single.body.code).toBe('inventory.reveal_budget_exceeded');
      // the other user behind the same address has a budget of their own
      const other = await bulk(b, ob.id, { all: true });
      expect(other.status).toBe(200);
      expect(other.body.items).toHaveLength(12);
      // an hour later the window has reset
      h.base.advance(60 * 60_000);
      const later = await bulk(a, oa.id, { all: true });
      expect(later.status, JSON.stringify(later.body)).toBe(200);
      expect(later.body.budget).toMatchObject({ spent: 12 });
    } finally {
      await setBudget(2_000, 60);
    }
  });
});

describe('a 超会 order of 1,000 keys', () => {
  it('is revealed in one request, every key recorded', async () => {
    const b = await buyer('SUPER');
    const o = await order(b, 1000);
    const started = performance.now();
    const res = await bulk(b, o.id, { all: true });
    const ms = Math.round(performance.now() - started);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body.items).toHaveLength(1000);
    expect(res.body.firstReveals).toBe(1000);
    const events = await h.db.db
      .selectFrom('key_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(
        'unit_id',
        'in',
        o.units.map((u) => u.unitId),
      )
      .where('kind', '=', 'REVEALED')
      .executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(1000);
    // a measurement for the README, not an assertion (no timed tests)
    console.info(`bulk reveal of 1,000 keys on ${h.db.engine}: ${ms} ms`);
  }, 120_000);
});
