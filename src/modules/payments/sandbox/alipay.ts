/**
 * Alipay (open platform, RSA2), as far as Kameng can tell: notifications are
 * `application/x-www-form-urlencoded` POSTs whose `sign` is RSA-SHA256 (base64) over every other
 * non-empty parameter except `sign_type`, sorted by name and joined `k=v&k=v` with raw (decoded)
 * values. Amounts are yuan strings ("12.34"); times are Beijing "yyyy-MM-dd HH:mm:ss".
 *
 * Refunds: real Alipay answers `alipay.trade.refund` synchronously and only sometimes notifies.
 * To fit Kameng's asynchronous contract the sandbox sends refund results as the same signed form
 * with `notify_type=refund_status_sync` (a sandbox convention, not an Alipay one) carrying
 * `out_request_no`, `refund_no`, `refund_status` (REFUND_SUCCESS | REFUND_ABNORMAL | REFUND_CLOSED),
 * `refund_amount`, `total_amount`, `refund_destination` and, when it succeeded, `gmt_refund`.
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';
import { fail } from '../../../platform/errors.js';
import type { NotificationAck, PaymentNotice, RefundNotice } from '../gateway.js';
import type { GatewayKeys } from './credentials.js';
import {
  alipayTime,
  parseAlipayTime,
  type DeliveryReply,
  type NoticeFacts,
  type OutgoingNotification,
  type PaymentRow,
  type RefundRow,
  type Wire,
} from './wire.js';
import { fenToYuan, yuanToFen } from '../../../platform/money.js';

/** The sandbox merchant's app id (what a real 2021… app id would be). */
export const ALIPAY_APP_ID = '9021000140600001';
/** Alipay's retry intervals after a failed delivery: 4m, 10m, 10m, 1h, 2h, 6h, 15h. */
export const ALIPAY_RETRY_SECONDS = [240, 600, 600, 3600, 7200, 21600, 54000] as const;

const forged = (reason: string): never => fail('payment.notification_forged', { params: { reason } });

// ---- signing --------------------------------------------------------------------------------

/** The string Alipay signs: non-empty params except sign/sign_type, sorted by name, raw values. */
export function alipaySignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function signAlipay(privateKey: KeyObject, params: Record<string, string>): string {
  return createSign('RSA-SHA256').update(alipaySignContent(params), 'utf8').sign(privateKey, 'base64');
}

export function alipaySignatureValid(publicKey: KeyObject, params: Record<string, string>): boolean {
  const sign = params.sign;
  if (!sign) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(alipaySignContent(params), 'utf8')
      .verify(publicKey, Buffer.from(sign, 'base64'));
  } catch {
    return false;
  }
}

/** Parses a form body; null when a parameter repeats (which one would the signature mean?). */
export function parseForm(rawBody: string): Record<string, string> | null {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of new URLSearchParams(rawBody)) {
    if (k in out) return null;
    out[k] = v;
  }
  return out;
}

function signedForm(
  keys: GatewayKeys,
  facts: NoticeFacts,
  fields: Record<string, string | null>,
): OutgoingNotification {
  const params: Record<string, string> = {
    notify_time: alipayTime(facts.sentAt),
    notify_id: facts.notifyId,
    app_id: ALIPAY_APP_ID,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
  };
  for (const [k, v] of Object.entries(fields)) if (v !== null) params[k] = v;
  params.sign = signAlipay(keys.privateKey, params);
  return {
    contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    rawBody: new URLSearchParams(params).toString(),
    headers: {},
  };
}

const TRADE_STATUS = { SUCCESS: 'TRADE_SUCCESS', CLOSED: 'TRADE_CLOSED', NOTPAY: 'WAIT_BUYER_PAY' } as const;

export function paymentNotification(
  keys: GatewayKeys,
  p: PaymentRow,
  facts: NoticeFacts,
): OutgoingNotification {
  return signedForm(keys, facts, {
    notify_type: 'trade_status_sync',
    trade_no: p.id,
    out_trade_no: p.out_trade_no,
    subject: p.description,
    trade_status: TRADE_STATUS[p.state],
    total_amount: fenToYuan(p.amount_fen),
    receipt_amount: p.state === 'SUCCESS' ? fenToYuan(p.amount_fen) : null,
    buyer_pay_amount: p.state === 'SUCCESS' ? fenToYuan(p.amount_fen) : null,
    buyer_id: facts.payerRef,
    gmt_create: alipayTime(new Date(p.created_at)),
    gmt_payment: p.paid_at ? alipayTime(new Date(p.paid_at)) : null,
    gmt_close: p.state === 'CLOSED' ? alipayTime(facts.eventAt) : null,
  });
}

export function refundNotification(
  keys: GatewayKeys,
  r: RefundRow,
  p: PaymentRow,
  facts: NoticeFacts,
): OutgoingNotification {
  if (r.state === 'PROCESSING') throw new Error('the sandbox only notifies finished refunds');
  return signedForm(keys, facts, {
    notify_type: 'refund_status_sync',
    trade_no: p.id,
    out_trade_no: p.out_trade_no,
    out_request_no: r.out_refund_no,
    refund_no: r.id,
    refund_status: `REFUND_${r.state}`,
    refund_amount: fenToYuan(r.amount_fen),
    total_amount: fenToYuan(p.amount_fen),
    refund_destination: r.destination,
    buyer_id: facts.payerRef,
    gmt_refund: alipayTime(r.finished_at ? new Date(r.finished_at) : facts.eventAt),
  });
}

// ---- Kameng's side: verification ------------------------------------------------------------

function amount(params: Record<string, string>, name: string): number {
  try {
    return yuanToFen(params[name] ?? '');
  } catch {
    return forged(`malformed ${name}`);
  }
}

function required(params: Record<string, string>, name: string): string {
  return params[name] || forged(`missing ${name}`);
}

/**
 * Alipay puts no freshness limit on notifications (it re-sends the same notify_id for 25 hours),
 * so unlike WeChat there is no replay window here: Kameng's handling must be idempotent anyway.
 */
export function verifyAlipay(keys: GatewayKeys, rawBody: string): PaymentNotice | RefundNotice {
  const params = parseForm(rawBody);
  if (!params) return forged('repeated form parameter');
  if (params.sign_type !== 'RSA2') return forged('sign_type is not RSA2');
  if (params.app_id !== ALIPAY_APP_ID) return forged('unknown app_id');
  if (!alipaySignatureValid(keys.publicKey, params)) return forged('bad signature');
  if ((params.charset ?? 'utf-8').toLowerCase() !== 'utf-8') return forged('unsupported charset');

  if (params.notify_type === 'trade_status_sync') {
    const status = params.trade_status;
    const state =
      status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED'
        ? 'SUCCESS'
        : status === 'TRADE_CLOSED'
          ? 'CLOSED'
          : status === 'WAIT_BUYER_PAY'
            ? 'NOTPAY'
            : forged('unknown trade_status');
    const paid = params.gmt_payment ? parseAlipayTime(params.gmt_payment) : null;
    if (state === 'SUCCESS' && !paid) return forged('missing gmt_payment');
    return {
      type: 'PAYMENT',
      outTradeNo: required(params, 'out_trade_no'),
      providerTradeNo: required(params, 'trade_no'),
      state,
      amountFen: amount(params, 'total_amount'),
      currency: 'CNY', // domestic Alipay trades are always CNY and the form does not say
      paidAt: paid,
      payerRef: params.buyer_id || null,
    };
  }
  if (params.notify_type === 'refund_status_sync') {
    const status = params.refund_status;
    const state =
      status === 'REFUND_SUCCESS'
        ? 'SUCCESS'
        : status === 'REFUND_ABNORMAL'
          ? 'ABNORMAL'
          : status === 'REFUND_CLOSED'
            ? 'CLOSED'
            : forged('unknown refund_status');
    return {
      type: 'REFUND',
      outRefundNo: required(params, 'out_request_no'),
      providerRefundId: required(params, 'refund_no'),
      state,
      amountFen: amount(params, 'refund_amount'),
      destination: required(params, 'refund_destination'),
      expectedArrivalAt: null,
      finishedAt: params.gmt_refund ? parseAlipayTime(params.gmt_refund) : null,
    };
  }
  return forged('unknown notify_type');
}

// ---- acknowledgement -------------------------------------------------------------------------

export function alipayAck(ok: boolean): NotificationAck {
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: ok ? 'success' : 'fail' };
}

/** Alipay stops re-sending only when the reply is exactly `success`. */
export const isAlipayAck = (reply: DeliveryReply): boolean =>
  reply.status === 200 && reply.body.trim() === 'success';

export function alipayWire(keys: GatewayKeys): Wire {
  return {
    method: 'ALIPAY',
    retrySchedule: ALIPAY_RETRY_SECONDS,
    closesExpiredTrades: true,
    notifiesClosedTrades: true,
    paymentNotification: (p, facts) => paymentNotification(keys, p, facts),
    refundNotification: (r, p, facts) => refundNotification(keys, r, p, facts),
    verify: (_headers, rawBody) => verifyAlipay(keys, rawBody),
    ack: alipayAck,
    isAck: isAlipayAck,
  };
}
