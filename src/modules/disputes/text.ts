import { shanghaiDate } from '../../platform/calendar.js';

const OFFSET_MS = 8 * 3_600_000; // UTC+8, no DST (platform/calendar.ts)

/** An exact time for a party's notice: "2026-12-09 18:00（北京时间）" / "18:00 on 2026-12-09 (Beijing time)". */
export function shanghaiTime(t: Date): { zh: string; en: string } {
  const hm = new Date(t.getTime() + OFFSET_MS).toISOString().slice(11, 16);
  const day = shanghaiDate(t);
  return { zh: `${day} ${hm}（北京时间）`, en: `${hm} on ${day} (Beijing time)` };
}
