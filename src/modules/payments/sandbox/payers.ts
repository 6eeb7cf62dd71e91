/**
 * The sandbox's fixed test payers. Picking one on the pay page decides where the money "came
 * from" and how a later refund of it behaves, so each refund outcome the real services produce
 * (SUCCESS in minutes or days, ABNORMAL, CLOSED, very late) and each notification hazard
 * (duplicates, lost notifications, a payment that lands after the order was closed) can be
 * produced on demand in a demo or a test.
 */
import { createHash } from 'node:crypto';
import type { Messages } from '../../../platform/errors.js';
import type { WorkingDayCalendar } from '../../../platform/calendar.js';
import type { Provider } from '../gateway.js';

export type RefundOutcome = 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

/** When a refund leaves PROCESSING, counted from its creation. */
export type RefundTiming =
  { unit: 'minutes'; n: number } | { unit: 'workingDays'; n: number } | { unit: 'days'; n: number };

export interface TestPayer {
  id: string;
  provider: Provider;
  name: Messages;
  /** Where a refund goes back to, as the buyer's app would say it. */
  destination: string;
  /** Balance (零钱/余额) refunds arrive in minutes; card refunds take working days. */
  destinationKind: 'BALANCE' | 'CARD';
  refundOutcome: RefundOutcome;
  refundAfter: RefundTiming;
  /** How many times each notification is sent (1 normally). */
  copies: number;
  /** Extra seconds before the first copy goes out, so the query API knows first. */
  firstDelaySeconds: number;
  /** Notifications are never sent at all (Kameng must reconcile through the query API). */
  lost: boolean;
  /**
   * The payment is confirmed but the money lands only after the trade's expiry (LATE_ARRIVAL_MS
   * past it): until then queries answer NOTPAY and Kameng may close it; then it turns SUCCESS
   * anyway — closed or not — and its notification goes out, as real gateways' late payments do.
   */
  arrivesLate: boolean;
  /** The payer's opaque id: an openid (WeChat) or a 2088… buyer_id (Alipay). Never a secret. */
  payerRef: string;
  notes: Messages;
}

type PayerSpec = Omit<
  TestPayer,
  'provider' | 'payerRef' | 'copies' | 'firstDelaySeconds' | 'lost' | 'arrivesLate'
> &
  Partial<Pick<TestPayer, 'copies' | 'firstDelaySeconds' | 'lost' | 'arrivesLate'>>;

/** How long after the trade's expiry a late payer's money lands. */
export const LATE_ARRIVAL_MS = 2 * 60_000;

const digest = (id: string): Buffer => createHash('sha256').update(`sandbox-payer:${id}`).digest();
/** A stable openid-looking reference: "o" + 27 URL-safe characters. */
const openid = (id: string): string => `o${digest(id).toString('base64url').slice(0, 27)}`;
/** A stable Alipay buyer_id: "2088" + 12 digits. */
const buyerId = (id: string): string =>
  `2088${digest(id).readBigUInt64BE().toString().padStart(12, '0').slice(-12)}`;

const minutes = (n: number): RefundTiming => ({ unit: 'minutes', n });
const workingDays = (n: number): RefundTiming => ({ unit: 'workingDays', n });
const days = (n: number): RefundTiming => ({ unit: 'days', n });

/** The same nine behaviours for both providers; only names and destinations differ. */
function family(
  provider: Provider,
  prefix: 'wx' | 'ali',
  wallet: { id: string; zh: string; en: string; text: string },
): TestPayer[] {
  const w = wallet;
  const specs: PayerSpec[] = [
    {
      id: `${prefix}-${w.id}`,
      name: { 'zh-CN': `${w.zh}付款`, en: `Pays from ${w.en}` },
      destination: w.text,
      destinationKind: 'BALANCE',
      refundOutcome: 'SUCCESS',
      refundAfter: minutes(1),
      notes: {
        'zh-CN': `退款原路退回${w.text}，约 1 分钟后退款成功（预计 5 分钟内到账）。`,
        en: `Refunds go back to ${w.en} and succeed after about a minute (expected within 5 minutes).`,
      },
    },
    {
      id: `${prefix}-card`,
      name: { 'zh-CN': '招商银行储蓄卡付款', en: 'Pays by debit card' },
      destination: '招商银行储蓄卡(尾号1234)',
      destinationKind: 'CARD',
      refundOutcome: 'SUCCESS',
      refundAfter: workingDays(2),
      notes: {
        'zh-CN': '退款退回银行卡，处理中，2 个工作日后成功（预计第 3 个工作日结束前到账）。',
        en: 'Refunds go back to the bank card: PROCESSING, then SUCCESS after 2 working days (expected by the end of the 3rd).',
      },
    },
    {
      id: `${prefix}-frozen`,
      name: { 'zh-CN': `${w.zh}已冻结`, en: `${w.en} frozen` },
      destination: w.text,
      destinationKind: 'BALANCE',
      refundOutcome: 'ABNORMAL',
      refundAfter: minutes(1),
      notes: {
        'zh-CN': `付款正常；但${w.zh}账户已被冻结，约 1 分钟后退款异常（ABNORMAL），需要换一种方式退款。`,
        en: `Pays normally, but ${w.en} is frozen: about a minute later the refund turns ABNORMAL and needs another destination.`,
      },
    },
    {
      id: `${prefix}-card-closed`,
      name: { 'zh-CN': '已注销的银行卡付款', en: 'Pays by a card since closed' },
      destination: '工商银行储蓄卡(尾号8866)',
      destinationKind: 'CARD',
      refundOutcome: 'ABNORMAL',
      refundAfter: workingDays(1),
      notes: {
        'zh-CN': '付款后该银行卡已注销：退款 1 个工作日后被银行退回，状态为异常（ABNORMAL）。',
        en: 'The card was closed after paying: the bank bounces the refund after 1 working day (ABNORMAL).',
      },
    },
    {
      id: `${prefix}-slow-bank`,
      name: { 'zh-CN': '到账很慢的银行卡', en: 'Card at a slow bank' },
      destination: '农业银行储蓄卡(尾号4321)',
      destinationKind: 'CARD',
      refundOutcome: 'SUCCESS',
      refundAfter: days(8),
      notes: {
        'zh-CN': '退款在“处理中”停留 8 天后才成功，超过 5 个工作日，用于演示到账延迟提醒。',
        en: 'The refund stays PROCESSING for 8 days before SUCCESS — past 5 working days, to show the late-arrival alert.',
      },
    },
    {
      id: `${prefix}-refund-closed`,
      name: { 'zh-CN': '退款会被关闭', en: 'Refund gets closed' },
      destination: w.text,
      destinationKind: 'BALANCE',
      refundOutcome: 'CLOSED',
      refundAfter: minutes(2),
      notes: {
        'zh-CN': '退款约 2 分钟后被支付渠道关闭（CLOSED），钱没有退出，需要用新的退款单号重新发起。',
        en: 'About 2 minutes later the provider closes the refund (CLOSED): nothing was paid out; retry under a new refund number.',
      },
    },
    {
      id: `${prefix}-dup-notify`,
      name: { 'zh-CN': '重复通知', en: 'Duplicate notifications' },
      destination: w.text,
      destinationKind: 'BALANCE',
      refundOutcome: 'SUCCESS',
      refundAfter: minutes(1),
      copies: 3,
      firstDelaySeconds: 30,
      notes: {
        'zh-CN':
          '每条通知都发送 3 次（成功应答后 30 秒、5 分钟各再发一次）；首次通知晚 30 秒，查询接口会先看到结果，旧通知也可能晚于后来的退款通知到达。',
        en: 'Every notification is sent 3 times (again 30 s and 5 min after the ack); the first copy is 30 s late, so the query API knows first and stale copies can arrive after a later refund notice.',
      },
    },
    {
      id: `${prefix}-lost-notify`,
      name: { 'zh-CN': '通知丢失', en: 'Lost notifications' },
      destination: w.text,
      destinationKind: 'BALANCE',
      refundOutcome: 'SUCCESS',
      refundAfter: minutes(1),
      lost: true,
      notes: {
        'zh-CN': '付款和退款都成功，但不会发出任何通知，只能通过查询接口对账得知。',
        en: 'Payment and refunds succeed but no notification is ever sent: only the query API (reconciliation) finds out.',
      },
    },
    {
      id: `${prefix}-pays-late`,
      name: { 'zh-CN': '延迟到账', en: 'Pays late' },
      destination: w.text,
      destinationKind: 'BALANCE',
      refundOutcome: 'SUCCESS',
      refundAfter: minutes(1),
      arrivesLate: true,
      notes: {
        'zh-CN':
          '付款已确认，但资金在交易过期 2 分钟后才到账：在此之前查询结果为未支付，订单会过期或可被取消；到账后仍发出支付成功通知。库存仍在则照常发货，否则原路自动退款。',
        en: 'The payment is confirmed but the money lands 2 minutes after the trade expired: until then queries say NOTPAY and the order expires (or can be cancelled); then the success notification is sent anyway. Delivered if stock allows, otherwise refunded automatically to where it came from.',
      },
    },
  ];
  return specs.map((s) => ({
    copies: 1,
    firstDelaySeconds: 0,
    lost: false,
    arrivesLate: false,
    ...s,
    provider,
    payerRef: provider === 'sandbox-wechat' ? openid(s.id) : buyerId(s.id),
  }));
}

export const TEST_PAYERS: readonly TestPayer[] = Object.freeze([
  ...family('sandbox-wechat', 'wx', {
    id: 'lingqian',
    zh: '微信零钱',
    en: 'WeChat Change (零钱)',
    text: '微信零钱',
  }),
  ...family('sandbox-alipay', 'ali', {
    id: 'balance',
    zh: '支付宝余额',
    en: 'Alipay balance (余额)',
    text: '支付宝余额',
  }),
]);

export function payersOf(provider: Provider): TestPayer[] {
  return TEST_PAYERS.filter((p) => p.provider === provider);
}

export function findPayer(provider: Provider, id: string): TestPayer | undefined {
  return TEST_PAYERS.find((p) => p.provider === provider && p.id === id);
}

// ---- refund timing ----------------------------------------------------------------------------

/** 零钱 / 余额 refunds are expected within minutes. */
const BALANCE_ARRIVAL_MS = 5 * 60_000;
/** Card refunds are expected by the end of this many working days. */
const CARD_ARRIVAL_WORKING_DAYS = 3;

const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
/** 23:59:59 Beijing time of the day `at` falls in (an instant at 00:00 counts as the day before). */
function endOfShanghaiDay(at: Date): Date {
  const day = Math.floor((at.getTime() - 1 + OFFSET_MS) / DAY_MS);
  return new Date((day + 1) * DAY_MS - OFFSET_MS - 1000);
}

const addMs = (at: Date, ms: number): Date => new Date(at.getTime() + ms);

/** When the refund leaves PROCESSING, per the payer's behaviour. */
export function completeAt(payer: TestPayer, from: Date, calendar: WorkingDayCalendar): Date {
  const t = payer.refundAfter;
  switch (t.unit) {
    case 'minutes':
      return addMs(from, t.n * 60_000);
    case 'days':
      return addMs(from, t.n * DAY_MS);
    case 'workingDays':
      return calendar.addWorkingDays(from, t.n).dueAt;
  }
}

/** What the buyer is told: minutes for 零钱/余额, the end of the 3rd working day for a card. */
export function expectedArrival(payer: TestPayer, from: Date, calendar: WorkingDayCalendar): Date {
  if (payer.destinationKind === 'BALANCE') return addMs(from, BALANCE_ARRIVAL_MS);
  return endOfShanghaiDay(calendar.addWorkingDays(from, CARD_ARRIVAL_WORKING_DAYS).dueAt);
}
