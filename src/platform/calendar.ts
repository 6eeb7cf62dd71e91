/**
 * China working-day calendar (Asia/Shanghai) for statutory deadlines: refund review, supplements,
 * arbitration … are counted in working days, honouring statutory holidays and 调休 make-up workdays.
 *
 * Data sources, in precedence order per date:
 *   1. admin-imported overrides (official 国务院办公厅 notices for years past the bundled data);
 *   2. the `chinese-days` bundled arrangement data;
 *   3. the plain Mon–Fri rule (with a `calendar.beyond_known_data` warning when the year is unknown).
 *
 * We read chinese-days' JSON data directly instead of calling its API: its API parses 'YYYY-MM-DD'
 * as UTC midnight and then takes the *host-local* day, so on a server west of UTC it answers for the
 * previous day; it also gives no way to tell which years its data covers.
 */
import { z } from 'zod';
import bundledJson from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

export type DayKind = 'HOLIDAY' | 'WORKDAY';
export interface CalendarOverride {
  /** YYYY-MM-DD, Shanghai local date */
  date: string;
  kind: DayKind;
  name: string;
}
export interface CalendarWarning {
  code: 'calendar.beyond_known_data';
  year: number;
  messages: { 'zh-CN': string; en: string };
}
export interface WorkingDayResult {
  dueAt: Date;
  warnings: CalendarWarning[];
}
export interface DayInfo {
  date: string;
  working: boolean;
  kind: 'WORKDAY' | 'HOLIDAY' | 'WEEKEND' | 'MAKEUP_WORKDAY';
  name: string | null;
  source: 'override' | 'bundled' | 'weekday-rule';
}

export const CALENDAR_TZ = 'Asia/Shanghai';

// China has used a single UTC+8 offset with no DST since 1992 (DST ran only 1986–1991), and every
// date this platform handles is later, so fixed +8h arithmetic is exact. It also keeps results
// independent of the host's TZ variable and ICU/tzdata build.
const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Shanghai-local day number (days since 1970-01-01 in UTC+8) of an instant. */
function dayNumberOf(instant: Date): number {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new RangeError('Invalid Date');
  return Math.floor((t + OFFSET_MS) / DAY_MS);
}
const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const isWeekend = (day: number): boolean => {
  const wd = new Date(day * DAY_MS).getUTCDay();
  return wd === 0 || wd === 6;
};

/** Parses a strict 'YYYY-MM-DD' real calendar date to its day number; RangeError otherwise. */
function dayNumberOfIso(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // The round trip rejects overflowing dates such as 2027-02-30, which Date.UTC silently rolls over.
  if (Number.isNaN(ms) || isoOf(ms / DAY_MS) !== date) throw new RangeError(`Invalid date: ${date}`);
  return ms / DAY_MS;
}

/** 'YYYY-MM-DD' of the instant in Shanghai. */
export function shanghaiDate(instant: Date): string {
  return isoOf(dayNumberOf(instant));
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // UTC+8, no DST since 1991

/** 'YYYY-MM-DD HH:mm:ss' of the instant in Shanghai (records, exports, notices). */
export function shanghaiDateTime(instant: Date): string {
  return `${shanghaiDate(instant)} ${new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(11, 19)}`;
}

// ---- bundled data ---------------------------------------------------------------------------------

// Validated at load so a chinese-days upgrade that changes the data shape fails loudly, not silently.
const bundled = z
  .object({ holidays: z.record(z.string(), z.string()), workdays: z.record(z.string(), z.string()) })
  .parse(bundledJson);
// Maps, not the raw objects, so lookups can never hit Object.prototype keys.
const BUNDLED_HOLIDAYS = new Map(Object.entries(bundled.holidays));
const BUNDLED_WORKDAYS = new Map(Object.entries(bundled.workdays));

// Values look like "National Day,国庆节,3" (English, Chinese, festival id); we expose the Chinese name.
const bundledName = (raw: string): string => raw.split(',')[1]?.trim() || raw;

// The data is keyed by date, so one year's arrangement can spill into a neighbouring year
// (e.g. 元旦 2019 made 2018-12-29..31 special). Such stray dates must not make that year "known":
// a year counts only with a real arrangement (every year since 2004 has >= 20 holiday dates).
const MIN_HOLIDAY_DATES_FOR_FULL_YEAR = 10;
const BUNDLED_RANGE = ((): { from: number; to: number } => {
  const perYear = new Map<number, number>();
  for (const date of BUNDLED_HOLIDAYS.keys()) {
    const y = Number(date.slice(0, 4));
    perYear.set(y, (perYear.get(y) ?? 0) + 1);
  }
  const full = [...perYear].filter(([, c]) => c >= MIN_HOLIDAY_DATES_FOR_FULL_YEAR).map(([y]) => y);
  if (full.length === 0) throw new Error('chinese-days bundled holiday data is empty');
  return { from: Math.min(...full), to: Math.max(...full) };
})();

/** Per year of the bundled data's full range: how many holiday dates and 调休 make-up workdays it lists. */
export function bundledYears(): { year: number; holidays: number; workdays: number }[] {
  const years = new Map<number, { year: number; holidays: number; workdays: number }>();
  for (let y = BUNDLED_RANGE.from; y <= BUNDLED_RANGE.to; y++)
    years.set(y, { year: y, holidays: 0, workdays: 0 });
  for (const date of BUNDLED_HOLIDAYS.keys()) {
    const entry = years.get(Number(date.slice(0, 4)));
    if (entry && !BUNDLED_WORKDAYS.has(date)) entry.holidays++;
  }
  for (const date of BUNDLED_WORKDAYS.keys()) {
    const entry = years.get(Number(date.slice(0, 4)));
    if (entry) entry.workdays++;
  }
  return [...years.values()];
}

export function beyondKnownData(year: number): CalendarWarning {
  return {
    code: 'calendar.beyond_known_data',
    year,
    messages: {
      'zh-CN': `尚未加载 ${year} 年的国务院节假日安排，已暂按周一至周五为工作日计算，期限可能不准确；请管理员导入该年度的官方安排。`,
      en: `Official public-holiday arrangements for ${year} are not loaded; Monday–Friday is assumed to be working days, so this deadline may be inaccurate. An administrator should import that year's official arrangement.`,
    },
  };
}

// ---- calendar -------------------------------------------------------------------------------------

export class WorkingDayCalendar {
  readonly #overrides = new Map<string, Readonly<CalendarOverride>>();
  readonly #importedYears = new Set<number>();

  /** Overrides win over bundled data per date and make their years "known". Later duplicates win. */
  constructor(overrides: readonly CalendarOverride[] = []) {
    for (const { date, kind, name } of overrides) {
      dayNumberOfIso(date); // reject malformed dates early rather than silently never matching
      this.#overrides.set(date, Object.freeze({ date, kind, name }));
      this.#importedYears.add(Number(date.slice(0, 4)));
    }
  }

  isWorkingDay(date: string): boolean {
    return this.dayInfo(date).working;
  }

  dayInfo(date: string): DayInfo {
    const weekend = isWeekend(dayNumberOfIso(date));
    const info = (working: boolean, name: string | null, source: DayInfo['source']): DayInfo => ({
      date,
      working,
      // Only the weekday rule yields unnamed non-working days; a working weekend day is a 调休 make-up.
      kind: !working ? (name === null ? 'WEEKEND' : 'HOLIDAY') : weekend ? 'MAKEUP_WORKDAY' : 'WORKDAY',
      name,
      source,
    });
    const o = this.#overrides.get(date);
    if (o) return info(o.kind === 'WORKDAY', o.name, 'override');
    // Workdays first, as chinese-days itself does: a make-up day is never also a holiday.
    const w = BUNDLED_WORKDAYS.get(date);
    if (w !== undefined) return info(true, bundledName(w), 'bundled');
    const h = BUNDLED_HOLIDAYS.get(date);
    if (h !== undefined) return info(false, bundledName(h), 'bundled');
    return info(!weekend, null, 'weekday-rule');
  }

  isKnownYear(year: number): boolean {
    return (year >= BUNDLED_RANGE.from && year <= BUNDLED_RANGE.to) || this.#importedYears.has(year);
  }

  knownYears(): { bundledFrom: number; bundledTo: number; imported: number[] } {
    const imported = [...this.#importedYears].sort((a, b) => a - b);
    return { bundledFrom: BUNDLED_RANGE.from, bundledTo: BUNDLED_RANGE.to, imported };
  }

  /**
   * Deadline `n` China working days after `from` (n: integer >= 0, else RangeError).
   *
   * - `from` on a working day (its Shanghai local date): the deadline is the same Shanghai time of
   *   day on the n-th following working day; n = 0 returns `from` itself.
   * - `from` on a non-working day: the clock starts at 00:00 of the next working day, so the
   *   deadline is 00:00 Shanghai after n full working days — e.g. Saturday 10:00 + 1 = Tuesday 00:00
   *   (the end of Monday) when Monday is a working day; n = 0 gives 00:00 of the next working day.
   *
   * Every day examined whose year is not known adds one `calendar.beyond_known_data` warning per year
   * (Mon–Fri is then assumed). Scanning is capped at n*10+400 days so that pathological overrides
   * (e.g. a whole year of holidays) raise an Error instead of looping forever.
   */
  addWorkingDays(from: Date, n: number): WorkingDayResult {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer >= 0, got ${n}`);
    const startDay = dayNumberOf(from);
    const warnings = new Map<number, CalendarWarning>();
    const maxScan = n * 10 + 400;
    let scanned = 0;
    const isWorking = (day: number): boolean => {
      if (++scanned > maxScan) {
        throw new Error(`addWorkingDays: no result within ${maxScan} days; check calendar overrides`);
      }
      const iso = isoOf(day);
      const year = Number(iso.slice(0, 4));
      if (!this.isKnownYear(year) && !warnings.has(year)) warnings.set(year, beyondKnownData(year));
      return this.dayInfo(iso).working;
    };
    /** The n-th working day strictly after `day`. */
    const advance = (day: number, count: number): number => {
      let d = day;
      for (let left = count; left > 0;) if (isWorking(++d)) left--;
      return d;
    };

    let dueMs: number;
    if (isWorking(startDay)) {
      const timeOfDay = from.getTime() + OFFSET_MS - startDay * DAY_MS;
      dueMs = advance(startDay, n) * DAY_MS + timeOfDay - OFFSET_MS;
    } else {
      const firstWorking = advance(startDay, 1);
      // n = 0: 00:00 of the first working day; otherwise 00:00 after the n-th one (first counts as 1).
      const dueDay = n === 0 ? firstWorking : advance(firstWorking, n - 1) + 1;
      dueMs = dueDay * DAY_MS - OFFSET_MS;
    }
    return { dueAt: new Date(dueMs), warnings: [...warnings.values()] };
  }
}

// ---- admin import ---------------------------------------------------------------------------------

const importEntry = z.strictObject({
  date: z.iso.date(), // YYYY-MM-DD and a real calendar date (rejects 2027-02-30, non-leap 02-29)
  name: z.string().trim().min(1).max(100),
});

/** Import file: one year's official arrangement (国务院办公厅通知), e.g. for years past the bundled data. */
export const calendarImportSchema = z
  .strictObject({
    year: z.number().int().min(2000).max(2199),
    source: z.string().trim().min(1).max(500),
    // A year always has statutory holidays; an empty list would mark nothing and is surely a mistake.
    holidays: z.array(importEntry).min(1).max(366),
    workdays: z.array(importEntry).max(366),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const list of ['holidays', 'workdays'] as const) {
      file[list].forEach(({ date }, i) => {
        const path = [list, i, 'date'];
        if (!date.startsWith(`${file.year}-`)) {
          ctx.addIssue({ code: 'custom', path, message: `${date} is not in year ${file.year}` });
        }
        if (seen.has(date)) ctx.addIssue({ code: 'custom', path, message: `${date} is listed twice` });
        seen.add(date);
      });
    }
  });
export type CalendarImport = z.infer<typeof calendarImportSchema>;

/** Validates an import file (throws ZodError) and flattens it into constructor overrides. */
export function parseCalendarImport(json: unknown): CalendarOverride[] {
  const file = calendarImportSchema.parse(json);
  return [
    ...file.holidays.map(({ date, name }) => ({ date, kind: 'HOLIDAY' as const, name })),
    ...file.workdays.map(({ date, name }) => ({ date, kind: 'WORKDAY' as const, name })),
  ];
}
