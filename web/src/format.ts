// The languages shown (as types.ts's Lang; kept here so this file has no imports and unit tests can load it)
type Lang = 'zh-CN' | 'en';

const GROUPING = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0, useGrouping: true });

/** Integer fen -> '¥1,234.56'. Integer arithmetic only; no float rounding involved. */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) return '¥—';
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const cents = abs % 100;
  const yuan = (abs - cents) / 100;
  return `${negative ? '-' : ''}¥${GROUPING.format(yuan)}.${String(cents).padStart(2, '0')}`;
}

/** Integer fen -> plain yuan string for form inputs ('1234.50'). */
export function fenToYuanString(fen: number): string {
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const cents = abs % 100;
  return `${negative ? '-' : ''}${(abs - cents) / 100}.${String(cents).padStart(2, '0')}`;
}

export type ParseYuanError = 'empty' | 'invalid' | 'decimals' | 'tooLarge';
export type ParseYuanResult = { ok: true; fen: number } | { ok: false; error: ParseYuanError };

/**
 * Yuan string -> integer fen with exact string math ('12.34' -> 1234, '5' -> 500, '0.5' -> 50).
 * Accepts optional thousands separators; rejects negatives, exponents and more than 2 decimals.
 */
export function parseYuanToFen(input: string): ParseYuanResult {
  const s = input.trim().replace(/[,，\s]/g, '');
  if (s === '') return { ok: false, error: 'empty' };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return { ok: false, error: 'invalid' };
  const intPart = m[1] ?? '';
  const fracPart = m[2] ?? '';
  if (intPart === '' && fracPart === '') return { ok: false, error: 'invalid' };
  if (fracPart.length > 2) return { ok: false, error: 'decimals' };
  const digits = (intPart.replace(/^0+(?=\d)/, '') || '0') + fracPart.padEnd(2, '0');
  if (digits.length > 15) return { ok: false, error: 'tooLarge' };
  const fen = Number.parseInt(digits, 10);
  if (!Number.isSafeInteger(fen)) return { ok: false, error: 'tooLarge' };
  return { ok: true, fen };
}

const timeFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * ISO-8601 UTC -> local display in Asia/Shanghai, e.g. '2025/01/02 13:04'
 * (with `seconds`, '2025/01/02 13:04:05' — for audit timelines).
 */
export function formatTime(iso: string | null | undefined, lang: Lang, seconds = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const key = `${lang}${seconds ? ':s' : ''}`;
  let f = timeFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hour12: false,
    });
    timeFormatters.set(key, f);
  }
  return `${f.format(d)}${lang === 'en' ? ' (UTC+8)' : ''}`;
}

const BYTE_UNITS = ['KB', 'MB', 'GB'] as const;

/** 1536 -> '1.5 KB'; bytes below 1 KB stay exact ('512 B'). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Number.isFinite(bytes) ? bytes : 0} B`;
  let value = bytes;
  let unit: (typeof BYTE_UNITS)[number] = 'KB';
  for (const u of BYTE_UNITS) {
    value /= 1024;
    unit = u;
    if (value < 1024) break;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

/** Share of done/total as a whole percent for <Progress>, 0 when total is unknown. */
export function percentOf(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** First characters of a hash for display. */
export function shortHash(hash: string, length = 12): string {
  return hash.length > length ? `${hash.slice(0, length)}…` : hash;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const shanghaiDay = (d: Date, lang: Lang): string => {
  let f = dayFormatters.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormatters.set(lang, f);
  }
  return f.format(d);
};
const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // UTC+8, no daylight saving
const DAY_MS = 86_400_000;

/**
 * A deadline, Asia/Shanghai. One convention everywhere: a deadline at exactly 00:00 is the end of
 * the day before — '2026/12/08 当天结束（24:00）', 'end of 2026/12/08 (24:00 UTC+8)' — never
 * '2026/12/09 00:00', which people read as "on the 9th". Any other instant reads as formatTime.
 */
export function formatDeadline(iso: string | null | undefined, lang: Lang, seconds = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if ((d.getTime() + SHANGHAI_OFFSET_MS) % DAY_MS !== 0) return formatTime(iso, lang, seconds);
  const day = shanghaiDay(new Date(d.getTime() - 1), lang);
  return lang === 'en' ? `end of ${day} (24:00 UTC+8)` : `${day} 当天结束（24:00）`;
}
