import { describe, expect, it } from 'vitest';
import { reasonFromChannel } from '../../src/modules/aftersales/channel.js';

describe('a channel buyer’s refund words, read as a Kameng reason', () => {
  it.each([
    ['拍错了', 'MISTAKEN_PURCHASE'],
    ['买多了，退一个', 'MISTAKEN_PURCHASE'],
    ['重复购买', 'DUPLICATE_ORDER'],
    ['卡密无效，提示已被使用', 'DEFECTIVE'],
    ['一直没收到卡密', 'NOT_DELIVERED'],
    ['与描述不符', 'NOT_AS_DESCRIBED'],
    ['不想要了', 'NO_LONGER_NEEDED'],
    // Words that name no fault are a personal reason, never 其他 (a sealed key is then refunded at once).
    ['', 'NO_LONGER_NEEDED'],
    ['其他原因', 'NO_LONGER_NEEDED'],
  ])('%s → %s', (text, reason) => {
    expect(reasonFromChannel(text)).toBe(reason);
  });
});
