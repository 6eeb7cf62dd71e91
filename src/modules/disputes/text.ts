import { shanghaiDateTime } from '../../platform/calendar.js';

/** An exact time for a party's notice: "2026-12-09 18:00（北京时间）" / "18:00 on 2026-12-09 (Beijing time)". */
export function shanghaiTime(t: Date): { zh: string; en: string } {
  const [day = '', time = ''] = shanghaiDateTime(t).split(' ');
  const hm = time.slice(0, 5);
  if (time === '00:00:00') {
    // A deadline at midnight is the end of the day before (the web client's formatDeadline).
    const [prev = ''] = shanghaiDateTime(new Date(t.getTime() - 1000)).split(' ');
    return {
      zh: `${prev} 当天结束（24:00，北京时间）`,
      en: `the end of ${prev} (24:00 Beijing time)`,
    };
  }
  return { zh: `${day} ${hm}（北京时间）`, en: `${hm} on ${day} (Beijing time)` };
}
