/** GET /metrics: the figures move with the platform, the route is closed by default, labels carry no URLs. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers/app.js';
import { disputed } from '../helpers/disputes.js';
import { buy, fund, idem, stocked } from '../helpers/orders.js';
import { LATE_AFTER_SECONDS, Metrics } from '../../src/platform/metrics.js';
import { openSqlite } from '../../src/platform/db/dialect.js';
import { FixedClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

/** A scrape as Prometheus on this machine makes it (inject's default address is 127.0.0.1). */
async function scrape(target: Harness = h, headers: Record<string, string> = {}): Promise<string> {
  const res = await target.app.inject({ method: 'GET', url: '/metrics', headers });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.body;
}

/** The value of one series (0 when absent), labels matched exactly. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '')
      .split(/,(?=\w+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (got === want) return Number(m[3]);
  }
  return 0;
}

describe('metrics', () => {
  it('serves the default process metrics and the database figures', async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(value(text, 'kameng_metrics_db_up')).toBe(1);
    if (h.db.engine === 'postgres') expect(value(text, 'kameng_db_pool_max')).toBeGreaterThan(0);
    else expect(text).toMatch(/^kameng_sqlite_write_queue 0$/m);
  });

  it('counts checkouts by outcome and times the route by its pattern', async () => {
    const p = await stocked(h, 5);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const before = await scrape();
    const route = { method: 'POST', route: '/api/orders', status_class: '2xx' };
    const key = idem();
    expect((await buy(b, p, 1, 'BALANCE', key)).status).toBe(201);
    expect((await buy(b, p, 1, 'BALANCE', key)).status).toBe(201); // replayed
    const refused = await buy(b, p, 1, 'BALANCE', idem(), { unitPriceFen: 1 });
    expect(refused.status).toBe(409);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>): number =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('kameng_checkouts_total', { outcome: 'created', code_class: 'none' })).toBe(1);
    expect(delta('kameng_checkouts_total', { outcome: 'replayed', code_class: 'none' })).toBe(1);
    expect(delta('kameng_checkouts_total', { outcome: 'refused', code_class: 'order' })).toBe(1);
    expect(delta('kameng_http_request_duration_seconds_count', route)).toBe(2);
    expect(delta('kameng_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(2);
    expect(delta('kameng_http_request_duration_seconds_sum', route)).toBeGreaterThan(0);
  });

  it('never labels with a raw URL: ids and lookup tokens stay out', async () => {
    const b = await h.loggedIn({ role: 'buyer' });
    const id = `ord${'9'.repeat(20)}`;
    const token = 'LookupTokenSecretQwErTyUiOpAs';
    await b.get(`/api/orders/${id}`);
    await b.get(`/api/lookup/${token}`);
    await b.get('/api/no-such-thing-7f3a');
    const text = await scrape();
    expect(text).not.toContain(id);
    expect(text).not.toContain(token);
    expect(text).not.toContain('no-such-thing-7f3a');
    expect(
      value(text, 'kameng_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/orders/:id',
        status_class: '4xx',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('route="/api/lookup/:token"');
    expect(text).toContain('route="(unmatched)"');
  });

  it('reports refund requests by state as the database holds them', async () => {
    await disputed(h);
    const rows = await h.db.db
      .selectFrom('refund_requests')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const text = await scrape();
    expect(Number(rows.find((r) => r.state === 'DISPUTED')?.n)).toBeGreaterThanOrEqual(1);
    for (const state of ['PENDING_REVIEW', 'DISPUTED', 'REFUNDED', 'CLOSED'])
      expect(value(text, 'kameng_refund_requests', { state }), state).toBe(
        Number(rows.find((r) => r.state === state)?.n ?? 0),
      );
  });

  it('shows deadlines due, then counts them fired and late once the sweeper runs', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    expect((await buy(b, p, 1, 'WECHAT')).status).toBe(201); // waits for payment until it expires
    h.base.advance(24 * 3600_000);
    const due = await h.db.db
      .selectFrom('deadlines')
      .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'OPEN')
      .where('due_at', '<=', h.testClock.now().toISOString())
      .groupBy('kind')
      .execute();
    expect(due.length).toBeGreaterThan(0);
    const before = await scrape();
    for (const d of due)
      expect(value(before, 'kameng_deadlines_due', { kind: d.kind }), d.kind).toBe(Number(d.n));
    const report = await h.app.kameng.sweep();
    expect(report.fired).toBeGreaterThan(0);
    const after = await scrape();
    const sum = (text: string, name: string): number =>
      due.reduce((s, d) => s + value(text, name, { kind: d.kind }), 0);
    // a day after they fell due: every one fired, and every one more than LATE_AFTER_SECONDS late
    expect(24 * 3600).toBeGreaterThan(LATE_AFTER_SECONDS);
    expect(sum(after, 'kameng_deadlines_fired_total') - sum(before, 'kameng_deadlines_fired_total')).toBe(
      report.fired,
    );
    expect(sum(after, 'kameng_deadlines_late_total') - sum(before, 'kameng_deadlines_late_total')).toBe(
      report.fired,
    );
    expect(sum(after, 'kameng_deadlines_due')).toBeLessThan(sum(before, 'kameng_deadlines_due'));
  });

  it('answers a scrape while the database does not, and says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-metrics-'));
    const gone = openSqlite(path.join(dir, 'gone.db'));
    await gone.close(); // every query now fails
    const warned: string[] = [];
    const m = new Metrics({
      ...gone,
      clock: new FixedClock(new Date()),
      log: { error: () => undefined, warn: (_o, msg) => void warned.push(msg) },
    });
    try {
      const text = await m.scrape();
      expect(value(text, 'kameng_metrics_db_up')).toBe(0);
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(warned).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports payouts not finished, by state', async () => {
    const rows = await h.db.db
      .selectFrom('payouts')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const text = await scrape();
    for (const state of ['PENDING', 'PROCESSING', 'ABNORMAL'])
      expect(value(text, 'kameng_payouts_pending', { state })).toBe(
        Number(rows.find((r) => r.state === state)?.n ?? 0),
      );
  });
});

describe('who may scrape', () => {
  it('without a token: this machine only — others and proxied requests get 404', async () => {
    const far = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '198.18.7.7' });
    expect(far.statusCode).toBe(404);
    expect(far.body).not.toContain('kameng_');
    const proxied = await h.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(proxied.statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' })).statusCode).toBe(
      200,
    );
  });

  it('is not part of the API contract', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });

  it('with KAMENG_METRICS_TOKEN: the bearer token from any address, nobody without it', async () => {
    const token = 'metrics-token-0123456789abcdef';
    // too short, or with a space: refused at start, the value never echoed
    for (const bad of ['short-token', 'metrics token 0123456789'])
      expect(() => loadConfig({ KAMENG_METRICS_TOKEN: bad })).toThrow(
        /KAMENG_METRICS_TOKEN=\(value hidden\)/,
      );
    const t = await harness({ KAMENG_METRICS_TOKEN: token });
    try {
      const far = { method: 'GET' as const, url: '/metrics', remoteAddress: '198.18.9.9' };
      const ok = await t.app.inject({ ...far, headers: { authorization: `Bearer ${token}` } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('kameng_checkouts_total');
      for (const authorization of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, token]) {
        const res = await t.app.inject({ ...far, headers: authorization ? { authorization } : {} });
        expect(res.statusCode, String(authorization)).toBe(401);
        expect(res.body).not.toContain('kameng_');
      }
      // loopback without the token is refused too once a token is set
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect(t.logs.join('\n')).not.toContain(token);
    } finally {
      await t.close();
    }
  });
});
