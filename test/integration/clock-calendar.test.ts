import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, T0, type Harness } from '../helpers/app.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('test clock', () => {
  it('an admin moves time forward; the offset is stored so other instances pick it up', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const before = await admin.get<{ now: string; testClock: boolean }>('/api/admin/clock');
    expect(before.body).toMatchObject({ now: T0.toISOString(), testClock: true });
    const res = await admin.post<{ now: string; offsetMs: number }>('/api/admin/clock/advance', {
      days: 1,
      hours: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body.now).toBe(new Date(T0.getTime() + 26 * 3600_000).toISOString());
    const { TestClock } = await import('../../src/platform/clock.js');
    const otherInstance = new TestClock(h.db.db, h.base);
    await otherInstance.refresh();
    expect(otherInstance.now().toISOString()).toBe(res.body.now);
    expect((await h.client().get<{ time: string }>('/api/health')).body.time).toBe(res.body.now);
  });

  it('two admins advancing at once both count, each with its audit event', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const before = (await admin.get<{ offsetMs: number }>('/api/admin/clock')).body.offsetMs;
    const results = await Promise.all([
      admin.post('/api/admin/clock/advance', { hours: 1 }),
      admin.post('/api/admin/clock/advance', { hours: 2 }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await h.testClock.refresh();
    expect(h.testClock.offset - before).toBe(3 * 3600_000);
    const events = await h.db.db
      .selectFrom('audit_events')
      .select('data')
      .where('action', '=', 'clock.advanced')
      .execute();
    expect(events.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses zero or negative moves, and non-admins', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    expect((await admin.post('/api/admin/clock/advance', {})).status).toBe(400);
    expect((await admin.post('/api/admin/clock/advance', { hours: -3 })).status).toBe(400);
    const support = await h.loggedIn({ role: 'support' });
    expect((await support.post('/api/admin/clock/advance', { hours: 1 })).status).toBe(403);
  });

  it('is unavailable in production', async () => {
    const prod = await harness({
      NODE_ENV: 'production',
      KAMENG_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
    });
    try {
      const admin = await prod.loggedIn({ role: 'admin' });
      const res = await admin.post('/api/admin/clock/advance', { hours: 1 });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'clock.test_clock_disabled' });
    } finally {
      await prod.close();
    }
  });
});

describe('working-day deadlines and holiday import', () => {
  it('National Day 2025: a deadline set on 30 Sep jumps the holiday to the 调休 Saturday', async () => {
    const res = await h
      .client()
      .get<{ dueAt: string; warnings: unknown[] }>('/api/calendar/deadline?from=2025-09-30T02:00:00Z&days=3');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: '2025-09-30T02:00:00.000Z',
      dueAt: '2025-10-11T02:00:00.000Z',
      warnings: [],
    });
  });

  it('refuses a start the calendar cannot count from (year 0, or so late the deadline passes 9999) with 400, not 500', async () => {
    for (const from of ['0000-01-01T00:00:00Z', '9999-12-31T12:00:00Z']) {
      const r = await h.client().get<{ code: string }>(`/api/calendar/deadline?from=${from}&days=5`);
      expect(r.status, from).toBe(400);
      expect(r.body.code).toBe('request.invalid');
    }
    const ok = await h
      .client()
      .get<{ dueAt: string }>('/api/calendar/deadline?from=9998-06-01T02:00:00Z&days=5');
    expect(ok.status).toBe(200);
  });

  it('beyond the bundled data it warns and counts Mon–Fri, until an admin imports the year', async () => {
    // Wed 2030-01-02 10:00 Shanghai + 1 working day
    const url = '/api/calendar/deadline?from=2030-01-02T02:00:00Z&days=1';
    const before = await h.client().get<{ dueAt: string; warnings: { code: string; year: number }[] }>(url);
    expect(before.body.dueAt).toBe('2030-01-03T02:00:00.000Z');
    expect(before.body.warnings).toMatchObject([{ code: 'calendar.beyond_known_data', year: 2030 }]);
    const admin = await h.loggedIn({ role: 'admin' });
    const file = {
      year: 2030,
      source: '测试用安排',
      holidays: [{ date: '2030-01-03', name: '测试假日' }],
      workdays: [{ date: '2030-01-05', name: '测试调休' }],
    };
    const imported = await admin.post('/api/admin/calendar/import', file);
    expect(imported.body).toEqual({ year: 2030, holidays: 1, workdays: 1 });
    const after = await h.client().get<{ dueAt: string; warnings: unknown[] }>(url);
    expect(after.body).toMatchObject({ dueAt: '2030-01-04T02:00:00.000Z', warnings: [] });
    // re-importing a year replaces it
    await admin.post('/api/admin/calendar/import', {
      ...file,
      holidays: [{ date: '2030-01-04', name: '改期' }],
    });
    const rows = await h.db.db
      .selectFrom('calendar_days')
      .select('date')
      .where('year', '=', 2030)
      .orderBy('date')
      .execute();
    expect(rows.map((r) => r.date)).toEqual(['2030-01-04', '2030-01-05']);
  });

  it('a bad import file is refused whole with the field at fault', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const res = await admin.post('/api/admin/calendar/import', {
      year: 2031,
      source: 'x',
      holidays: [{ date: '2031-02-30', name: 'bad' }],
      workdays: [],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'calendar.import_invalid', field: 'holidays.0.date' });
    const rows = await h.db.db.selectFrom('calendar_days').select('date').where('year', '=', 2031).execute();
    expect(rows).toEqual([]);
    expect(
      (await (await h.loggedIn({ role: 'merchant' })).post('/api/admin/calendar/import', {})).status,
    ).toBe(403);
  });
});
