/**
 * What the two sandbox "wire formats" (WeChat Pay v3, Alipay) have in common: the engine in
 * gateway.ts builds notifications and judges replies through this, so it never needs to know
 * whether it is speaking JSON + AES-GCM or a signed form.
 */
import type { Row } from '../../../platform/db/schema.js';
import type { GatewayMethod, NotificationAck, PaymentNotice, RefundNotice } from '../gateway.js';

/** A notification as it leaves the sandbox (and reaches `POST /api/payments/notify/:provider`). */
export interface OutgoingNotification {
  headers: Record<string, string>;
  rawBody: string;
  contentType: string;
}

/** The reply the sandbox got from Kameng's notify endpoint. */
export interface DeliveryReply {
  status: number;
  body: string;
}

export type PaymentRow = Row<'sandbox_gateway_payments'>;
export type RefundRow = Row<'sandbox_gateway_refunds'>;

/** Facts a notification carries beyond the rows themselves. */
export interface NoticeFacts {
  /** The notification's id (WeChat `id`, Alipay `notify_id`): the same on every retry. */
  notifyId: string;
  /** When the event happened (WeChat `create_time`). */
  eventAt: Date;
  /** When this copy is sent: signatures and Alipay's `notify_time` use it. */
  sentAt: Date;
  /** The payer's opaque reference (openid / buyer_id), when someone paid. */
  payerRef: string | null;
}

export interface Wire {
  readonly method: GatewayMethod;
  /** Seconds between delivery attempts after a failed one; after the last, the sandbox gives up. */
  readonly retrySchedule: readonly number[];
  /** Alipay closes unpaid trades at `timeout_express` on its own and reports TRADE_CLOSED. */
  readonly closesExpiredTrades: boolean;
  /** Alipay notifies closed trades; WeChat v3 only notifies successful ones. */
  readonly notifiesClosedTrades: boolean;
  paymentNotification(payment: PaymentRow, facts: NoticeFacts): OutgoingNotification;
  refundNotification(refund: RefundRow, payment: PaymentRow, facts: NoticeFacts): OutgoingNotification;
  /** Kameng's side: verify (and decrypt) a notification, at Kameng's clock `now`. */
  verify(
    headers: Record<string, string | undefined>,
    rawBody: string,
    now: Date,
  ): PaymentNotice | RefundNotice;
  ack(ok: boolean): NotificationAck;
  /** Whether Kameng's reply counts as "received", as the real service judges it. */
  isAck(reply: DeliveryReply): boolean;
}

// China has had one UTC+8 offset with no DST since 1991, so fixed arithmetic is exact.
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** RFC 3339 in Beijing time, as WeChat writes times: 2026-01-05T10:00:00+08:00. */
export function rfc3339Shanghai(at: Date): string {
  return `${new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** "yyyy-MM-dd HH:mm:ss" in Beijing time, as Alipay writes times. */
export function alipayTime(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses Alipay's "yyyy-MM-dd HH:mm:ss" (Beijing time); null when malformed. */
export function parseAlipayTime(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const at = new Date(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Parses an RFC 3339 time with an explicit offset; null when malformed. */
export function parseRfc3339(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Header lookup ignoring case (Node lower-cases incoming names; senders use Wechatpay-Serial). */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
