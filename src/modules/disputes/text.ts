import { shanghaiDateTime } from '../../platform/calendar.js';

/** An exact time for a party's notice: "2026-12-09 18:00（北京时间）" / "18:00 on 2026-12-09 (Beijing time)". */
export function shanghaiTime(t: Date): { zh: string; en: string } {
  const [day = '', time = ''] = shanghaiDateTime(t).split(' ');
  const hm = time.slice(0, 5);
  return { zh: `${day} ${hm}（北京时间）`, en: `${hm} on ${day} (Beijing time)` };
}
