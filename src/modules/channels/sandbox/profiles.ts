/**
 * The sandbox channels' buyer behaviour profiles. A channel buyer picks one when placing an
 * order, and every message about that order (its payment, shipping, refunds) then behaves that
 * way — so each hazard the real channels produce (repeated messages, messages out of order, lost
 * ones, late ones) can be produced on demand in a demo or a test, like the payment sandbox's
 * test payers.
 */
import type { Messages } from '../../../platform/errors.js';

export type BuyerProfileId = 'normal' | 'duplicate' | 'reorder' | 'lost' | 'slow';
export const BUYER_PROFILE_IDS: readonly BuyerProfileId[] = [
  'normal',
  'duplicate',
  'reorder',
  'lost',
  'slow',
];

export interface BuyerProfile {
  id: BuyerProfileId;
  name: Messages;
  notes: Messages;
  /** How many copies of each message go out (the extra ones 30 s and 5 min after the first). */
  copies: number;
  /** The order's first message is held back this long, so later messages overtake it. */
  holdFirstSeconds: number;
  /** Added before every message's first delivery. */
  delaySeconds: number;
  /** Messages are dropped: only polling (listChanged) finds what happened. */
  lost: boolean;
}

/** When the extra copies of a duplicated message become due, after the first one. */
export const COPY_OFFSETS_SECONDS: readonly number[] = [30, 300];

export const BUYER_PROFILES: readonly BuyerProfile[] = Object.freeze([
  {
    id: 'normal',
    name: { 'zh-CN': '普通买家', en: 'Normal buyer' },
    notes: {
      'zh-CN': '每条消息按时发送一次（未应答时按渠道的重试间隔重发）。',
      en: 'Each message goes out once, on time (retried on the channel’s schedule until acknowledged).',
    },
    copies: 1,
    holdFirstSeconds: 0,
    delaySeconds: 0,
    lost: false,
  },
  {
    id: 'duplicate',
    name: { 'zh-CN': '重复消息', en: 'Duplicate messages' },
    notes: {
      'zh-CN':
        '该买家订单的每条消息都发送 3 次（首条后 30 秒、5 分钟各一次），淘宝 TMC 也会出现 3 条内容相同的消息。',
      en: 'Every message about this buyer’s orders goes out 3 times (again 30 s and 5 min after the first); on Taobao TMC, three messages with the same content.',
    },
    copies: 3,
    holdFirstSeconds: 0,
    delaySeconds: 0,
    lost: false,
  },
  {
    id: 'reorder',
    name: { 'zh-CN': '消息乱序', en: 'Out-of-order messages' },
    notes: {
      'zh-CN': '订单的第一条消息（付款）被压后 2 分钟发送，之后的消息（如退款申请）会先到达。',
      en: 'The order’s first message (paid) is held back 2 minutes, so later ones (a refund request) arrive first.',
    },
    copies: 1,
    holdFirstSeconds: 120,
    delaySeconds: 0,
    lost: false,
  },
  {
    id: 'lost',
    name: { 'zh-CN': '消息丢失', en: 'Lost messages' },
    notes: {
      'zh-CN': '该买家订单的消息全部丢失，只能通过增量查询（对账）发现订单和退款。',
      en: 'Every message about this buyer’s orders is lost: only incremental polling (reconciliation) finds them.',
    },
    copies: 1,
    holdFirstSeconds: 0,
    delaySeconds: 0,
    lost: true,
  },
  {
    id: 'slow',
    name: { 'zh-CN': '消息延迟', en: 'Slow messages' },
    notes: {
      'zh-CN': '每条消息晚 10 分钟才发出，增量查询往往先发现变化。',
      en: 'Every message goes out 10 minutes late; polling usually sees the change first.',
    },
    copies: 1,
    holdFirstSeconds: 0,
    delaySeconds: 600,
    lost: false,
  },
]);

export function findProfile(id: string): BuyerProfile | undefined {
  return BUYER_PROFILES.find((p) => p.id === id);
}

export const profileOf = (id: string): BuyerProfile => findProfile(id) ?? BUYER_PROFILES[0];
