/** Midnight deadlines read as the end of the day before, in both languages (web/src/format.ts). */
import { describe, expect, it } from 'vitest';
import { formatDeadline, formatTime } from '../../web/src/format.js';

describe('formatDeadline', () => {
  it('a deadline at 00:00 Asia/Shanghai is the end of the previous day', () => {
    // 2026-12-09 00:00 in Shanghai is 2026-12-08 16:00 UTC
    expect(formatDeadline('2026-12-08T16:00:00.000Z', 'zh-CN')).toBe('2026/12/08 当天结束（24:00）');
    expect(formatDeadline('2026-12-08T16:00:00.000Z', 'en')).toBe('end of 12/08/2026 (24:00 UTC+8)');
    // across a month and a year
    expect(formatDeadline('2026-12-31T16:00:00Z', 'zh-CN')).toBe('2026/12/31 当天结束（24:00）');
    expect(formatDeadline('2027-02-28T16:00:00Z', 'zh-CN')).toBe('2027/02/28 当天结束（24:00）');
  });

  it('midnight UTC is not midnight in Shanghai: any other instant reads as a time', () => {
    expect(formatDeadline('2026-12-09T00:00:00Z', 'zh-CN')).toBe(formatTime('2026-12-09T00:00:00Z', 'zh-CN'));
    expect(formatDeadline('2026-12-09T00:00:00Z', 'zh-CN')).toBe('2026/12/09 08:00');
    // one second after midnight is on the new day, to the second when asked
    expect(formatDeadline('2026-12-08T16:00:01Z', 'zh-CN', true)).toBe('2026/12/09 00:00:01');
    expect(formatDeadline('2026-12-08T15:59:59Z', 'en', true)).toBe(
      formatTime('2026-12-08T15:59:59Z', 'en', true),
    );
  });

  it('no deadline, or an unreadable one', () => {
    expect(formatDeadline(null, 'zh-CN')).toBe('—');
    expect(formatDeadline('soon', 'en')).toBe('soon');
  });
});
