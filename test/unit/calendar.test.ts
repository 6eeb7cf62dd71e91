import { inert } from '../../src/platform/spreadsheet.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ZodError } from 'zod';
import {
  CALENDAR_TZ,
  WorkingDayCalendar,
  parseCalendarImport,
  shanghaiDate,
  shanghaiDateTime,
  type CalendarOverride,
} from '../../src/platform/calendar.js';

const cal = new WorkingDayCalendar();
const due = (c: WorkingDayCalendar, from: string, n: number): string =>
  c.addWorkingDays(new Date(from), n).dueAt.toISOString();

// Independent oracle: chinese-days' own API. It builds its lookup tables at import time with host-local
// date math, which shifts every entry back one day on hosts west of UTC (e.g. TZ=America/Los_Angeles
// reports the 调休 Saturday 2025-10-11 as non-working). So load it under Shanghai time, then restore TZ;
// a *local* noon Date then keeps its per-call lookups host-TZ-proof too.
const hostTz = process.env.TZ;
process.env.TZ = 'Asia/Shanghai';
const { default: cd } = await import('chinese-days');
if (hostTz === undefined) delete process.env.TZ;
else process.env.TZ = hostTz;

const libWorkday = (iso: string): boolean => {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return cd.isWorkday(new Date(y, m - 1, d, 12));
};
const DAY = 86_400_000;
const nextIso = (iso: string): string =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + DAY).toISOString().slice(0, 10);

describe('shanghaiDate', () => {
  it('uses UTC+8 regardless of the host TZ', () => {
    expect(CALENDAR_TZ).toBe('Asia/Shanghai');
    expect(shanghaiDate(new Date('2025-09-30T15:59:59.999Z'))).toBe('2025-09-30');
    expect(shanghaiDate(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01');
    expect(() => shanghaiDate(new Date('nope'))).toThrow(RangeError);
  });

  it('with the time of day: the same instant on the Shanghai wall clock', () => {
    expect(shanghaiDateTime(new Date('2025-09-30T15:59:59.999Z'))).toBe('2025-09-30 23:59:59');
    expect(shanghaiDateTime(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01 00:00:00');
  });
});

describe('spreadsheet text', () => {
  it('text that starts like a formula is made inert; anything else is left alone', () => {
    for (const f of ['=1+1', '+86 138', '-2', '@SUM(A1)', '\t=cmd', '\r=cmd']) expect(inert(f)).toBe(`'${f}`);
    for (const t of ['卡密 1043', '1-2', 'a=b', '']) expect(inert(t)).toBe(t);
  });
});

describe('bundled data (chinese-days)', () => {
  it('2025 National Day + Mid-Autumn: Oct 1–8 off, Sun 09-28 and Sat 10-11 are 调休 workdays', () => {
    for (let d = 1; d <= 8; d++) {
      const info = cal.dayInfo(`2025-10-0${d}`);
      expect(info).toMatchObject({ working: false, kind: 'HOLIDAY', source: 'bundled' });
      expect(info.name).toBe(d === 6 ? '中秋' : '国庆节'); // the data labels 10-06 (the real 中秋) separately
    }
    expect(cal.dayInfo('2025-09-28')).toEqual({
      date: '2025-09-28',
      working: true,
      kind: 'MAKEUP_WORKDAY',
      name: '国庆节',
      source: 'bundled',
    });
    expect(cal.dayInfo('2025-10-11')).toMatchObject({ working: true, kind: 'MAKEUP_WORKDAY' });
    expect(cal.dayInfo('2025-10-09')).toMatchObject({
      working: true,
      kind: 'WORKDAY',
      source: 'weekday-rule',
    });
    expect(cal.dayInfo('2025-10-12')).toMatchObject({ working: false, kind: 'WEEKEND', name: null });
  });

  it('2026 Spring Festival: Feb 15–23 off, Sat 02-14 and Sat 02-28 are make-up workdays', () => {
    for (let d = 15; d <= 23; d++) expect(cal.isWorkingDay(`2026-02-${d}`)).toBe(false);
    expect(cal.dayInfo('2026-02-14')).toMatchObject({ kind: 'MAKEUP_WORKDAY', name: '春节' });
    expect(cal.dayInfo('2026-02-28')).toMatchObject({ kind: 'MAKEUP_WORKDAY', name: '春节' });
    expect(cal.isWorkingDay('2026-02-24')).toBe(true);
  });

  it('agrees with the chinese-days API on every day of the bundled range', () => {
    const { bundledFrom, bundledTo } = cal.knownYears();
    expect(bundledFrom).toBe(2004);
    expect(bundledTo).toBeGreaterThanOrEqual(2026);
    for (let iso = `${bundledFrom}-01-01`; iso < `${bundledTo + 1}-01-01`; iso = nextIso(iso)) {
      if (cal.isWorkingDay(iso) !== libWorkday(iso)) expect.fail(`mismatch on ${iso}`);
    }
  });

  it('rejects malformed dates', () => {
    for (const bad of ['2025-02-29', '2025-1-1', '2025-13-01', '20250101', '']) {
      expect(() => cal.dayInfo(bad)).toThrow(RangeError);
    }
  });
});

describe('addWorkingDays', () => {
  it('jumps over the 2025 National Day holiday and counts the 调休 Saturday', () => {
    // Tue 2025-09-30 10:00 Shanghai
    expect(due(cal, '2025-09-30T02:00:00Z', 0)).toBe('2025-09-30T02:00:00.000Z');
    expect(due(cal, '2025-09-30T02:00:00Z', 1)).toBe('2025-10-09T02:00:00.000Z');
    expect(due(cal, '2025-09-30T02:00:00Z', 3)).toBe('2025-10-11T02:00:00.000Z'); // Sat 10-11 is a workday
    expect(due(cal, '2025-09-30T02:00:00Z', 4)).toBe('2025-10-13T02:00:00.000Z');
    // Fri 2025-09-26 10:00 + 1 = the 调休 Sunday 09-28
    expect(due(cal, '2025-09-26T02:00:00Z', 1)).toBe('2025-09-28T02:00:00.000Z');
  });

  it('jumps over the 2026 Spring Festival', () => {
    // Fri 2026-02-13 09:00 Shanghai
    expect(due(cal, '2026-02-13T01:00:00Z', 1)).toBe('2026-02-14T01:00:00.000Z'); // make-up Saturday
    expect(due(cal, '2026-02-13T01:00:00Z', 2)).toBe('2026-02-24T01:00:00.000Z'); // after Feb 15–23
    expect(due(cal, '2026-02-13T01:00:00Z', 6)).toBe('2026-02-28T01:00:00.000Z'); // make-up Saturday
  });

  it('starting on a non-working day: clock starts at 00:00 of the next working day', () => {
    // Sat 2025-09-20 10:00 + 1 → Tue 09-23 00:00 Shanghai (= end of Monday)
    expect(due(cal, '2025-09-20T02:00:00Z', 1)).toBe('2025-09-22T16:00:00.000Z');
    expect(due(cal, '2025-09-20T02:00:00Z', 0)).toBe('2025-09-21T16:00:00.000Z'); // Mon 00:00
    // Sat 09-27: the next working day is the 调休 Sunday 09-28
    expect(due(cal, '2025-09-27T02:00:00Z', 0)).toBe('2025-09-27T16:00:00.000Z');
    expect(due(cal, '2025-09-27T02:00:00Z', 1)).toBe('2025-09-28T16:00:00.000Z');
    // Holiday 10-03 + 1 → first working day 10-09, deadline 10-10 00:00
    expect(due(cal, '2025-10-03T02:00:00Z', 1)).toBe('2025-10-09T16:00:00.000Z');
  });

  it('decides the start day by Shanghai date, not UTC date', () => {
    expect(due(cal, '2025-09-30T15:59:00Z', 1)).toBe('2025-10-09T15:59:00.000Z'); // 09-30 23:59, working
    expect(due(cal, '2025-09-30T16:30:00Z', 1)).toBe('2025-10-09T16:00:00.000Z'); // 10-01 00:30, holiday
  });

  it('rejects bad n and bad dates', () => {
    for (const n of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => cal.addWorkingDays(new Date('2025-09-30T02:00:00Z'), n)).toThrow(RangeError);
    }
    expect(() => cal.addWorkingDays(new Date('nope'), 1)).toThrow(RangeError);
  });

  it('throws instead of looping forever when overrides leave no working day', () => {
    const allOff: CalendarOverride[] = [];
    for (let iso = '2031-01-01'; iso < '2033-01-01'; iso = nextIso(iso))
      allOff.push({ date: iso, kind: 'HOLIDAY', name: 'x' });
    expect(() => new WorkingDayCalendar(allOff).addWorkingDays(new Date('2031-01-01T02:00:00Z'), 1)).toThrow(
      /410 days/,
    );
  });
});

describe('beyond known data and admin overrides', () => {
  const from = '2030-04-30T02:00:00Z'; // Tue 2030-04-30 10:00 Shanghai; 05-01 is a Wednesday

  it('warns once per unknown year and counts Mon–Fri', () => {
    expect(cal.knownYears().bundledTo).toBeLessThan(2030); // otherwise pick a later year for this test
    expect(cal.isKnownYear(2030)).toBe(false);
    const r = cal.addWorkingDays(new Date(from), 1);
    expect(r.dueAt.toISOString()).toBe('2030-05-01T02:00:00.000Z');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'calendar.beyond_known_data', year: 2030 });
    expect(r.warnings[0]?.messages['zh-CN']).toContain('2030');
    expect(r.warnings[0]?.messages.en).toContain('Monday–Friday');
    expect(cal.addWorkingDays(new Date(from), 30).warnings).toHaveLength(1);
    // No warning within known data
    expect(cal.addWorkingDays(new Date('2025-09-30T02:00:00Z'), 5).warnings).toEqual([]);
  });

  it('warns for the next year when a deadline crosses past the bundled data', () => {
    const last = cal.knownYears().bundledTo;
    const r = cal.addWorkingDays(new Date(`${last}-12-20T02:00:00Z`), 15);
    expect(r.warnings.map((w) => w.year)).toEqual([last + 1]);
  });

  it('imported overrides make the year known and skip the holiday', () => {
    const overrides = parseCalendarImport({
      year: 2030,
      source: 'made-up test notice',
      holidays: [{ date: '2030-05-01', name: '劳动节' }],
      workdays: [{ date: '2030-05-04', name: '劳动节调休' }],
    });
    const c = new WorkingDayCalendar(overrides);
    expect(c.isKnownYear(2030)).toBe(true);
    expect(c.knownYears().imported).toEqual([2030]);
    expect(c.dayInfo('2030-05-01')).toMatchObject({
      working: false,
      kind: 'HOLIDAY',
      name: '劳动节',
      source: 'override',
    });
    expect(c.dayInfo('2030-05-04')).toMatchObject({
      working: true,
      kind: 'MAKEUP_WORKDAY',
      source: 'override',
    });
    const r = c.addWorkingDays(new Date(from), 1);
    expect(r.dueAt.toISOString()).toBe('2030-05-02T02:00:00.000Z');
    expect(r.warnings).toEqual([]);
    expect(c.addWorkingDays(new Date(from), 4).dueAt.toISOString()).toBe('2030-05-06T02:00:00.000Z'); // Thu, Fri, Sat(make-up), Mon
  });

  it('overrides win over bundled data', () => {
    const c = new WorkingDayCalendar([{ date: '2025-10-08', kind: 'WORKDAY', name: 'correction' }]);
    expect(c.dayInfo('2025-10-08')).toMatchObject({ working: true, kind: 'WORKDAY', source: 'override' });
    expect(() => new WorkingDayCalendar([{ date: '2030-02-30', kind: 'HOLIDAY', name: 'x' }])).toThrow(
      RangeError,
    );
  });
});

describe('parseCalendarImport', () => {
  const example = {
    year: 2027,
    source: '国务院办公厅关于2027年部分节假日安排的通知',
    holidays: [{ date: '2027-01-01', name: '元旦' }],
    workdays: [{ date: '2027-02-06', name: '春节调休' }],
  };

  it('accepts the example', () => {
    expect(parseCalendarImport(example)).toEqual([
      { date: '2027-01-01', kind: 'HOLIDAY', name: '元旦' },
      { date: '2027-02-06', kind: 'WORKDAY', name: '春节调休' },
    ]);
  });

  it.each([
    ['an unknown top-level key', { ...example, extra: 1 }],
    ['an unknown entry key', { ...example, holidays: [{ date: '2027-01-01', name: '元旦', off: true }] }],
    ['an invalid date', { ...example, holidays: [{ date: '2027-02-30', name: '春节' }] }],
    ['a date of another year', { ...example, workdays: [{ date: '2026-12-31', name: '调休' }] }],
    ['a duplicate date', { ...example, workdays: [{ date: '2027-01-01', name: '调休' }] }],
    ['a missing source', { year: 2027, holidays: example.holidays, workdays: [] }],
    ['a non-object', '2027'],
  ])('rejects %s', (_label, input) => {
    expect(() => parseCalendarImport(input)).toThrow(ZodError);
  });
});

describe('property: addWorkingDays over real 2024–2026 data', () => {
  it('lands on/after a working day with exactly n working days in between', () => {
    const min = new Date('2024-01-01T00:00:00+08:00');
    const max = new Date('2026-12-31T23:59:59.999+08:00');
    fc.assert(
      fc.property(fc.date({ min, max, noInvalidDate: true }), fc.integer({ min: 0, max: 15 }), (from, n) => {
        const { dueAt } = cal.addWorkingDays(from, n);
        expect(dueAt.getTime()).toBeGreaterThanOrEqual(from.getTime());
        const fromDay = shanghaiDate(from);
        const dueDay = shanghaiDate(dueAt);
        let between = 0;
        if (libWorkday(fromDay)) {
          // Same time of day on a working day; working days in (fromDay, dueDay] = n.
          expect((dueAt.getTime() - from.getTime()) % DAY).toBe(0);
          expect(libWorkday(dueDay)).toBe(true);
          for (let d = nextIso(fromDay); d <= dueDay; d = nextIso(d)) if (libWorkday(d)) between++;
        } else {
          // 00:00 Shanghai; working days in [fromDay, dueDay) = n, and it sits right after one (or on one if n = 0).
          expect(dueAt.getTime() % DAY).toBe(16 * 3_600_000);
          const prev = shanghaiDate(new Date(dueAt.getTime() - 1));
          expect(n === 0 ? libWorkday(dueDay) : libWorkday(prev)).toBe(true);
          for (let d = fromDay; d < dueDay; d = nextIso(d)) if (libWorkday(d)) between++;
        }
        expect(between).toBe(n);
      }),
      { numRuns: 500 },
    );
  });
});
