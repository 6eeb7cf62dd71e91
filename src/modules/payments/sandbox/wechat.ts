/**
 * WeChat Pay API v3, as far as Kameng can tell: notifications are JSON envelopes whose `resource`
 * is AES-256-GCM encrypted with the merchant's APIv3 key, signed (SHA256-RSA2048) by the platform
 * key over `timestamp\nnonce\nbody\n` and sent with the Wechatpay-* headers. Kameng must check
 * serial, timestamp freshness and signature before it trusts a byte, then decrypt.
 */
import {
  createCipheriv,
  createDecipheriv,
  createSign,
  createVerify,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import { fail } from '../../../platform/errors.js';
import type { NotificationAck, PaymentNotice, RefundNotice, RefundState } from '../gateway.js';
import type { GatewayKeys } from './credentials.js';
import {
  header,
  parseRfc3339,
  rfc3339Shanghai,
  type DeliveryReply,
  type NoticeFacts,
  type OutgoingNotification,
  type PaymentRow,
  type RefundRow,
  type Wire,
} from './wire.js';

/** The sandbox merchant's ids (what a real mchid / appid would be). */
export const WECHAT_MCHID = '1900000109';
export const WECHAT_APPID = 'wx5ae1d3c8f0b2a901';
/** Signatures older or newer than this are refused as replays (WeChat's documented 5 minutes). */
export const WECHAT_MAX_SKEW_SECONDS = 300;
/** WeChat's retry intervals after a failed delivery: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h. */
export const WECHAT_RETRY_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
] as const;

const forged = (reason: string): never => fail('payment.notification_forged', { params: { reason } });

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Random alphanumerics, like WeChat's nonces (the resource nonce doubles as the 12-byte GCM IV). */
export function nonceString(length: number): string {
  return Array.from(randomBytes(length), (b) => ALPHANUM[b % ALPHANUM.length]).join('');
}

// ---- signing --------------------------------------------------------------------------------

export const wechatSignatureMessage = (timestamp: string, nonce: string, body: string): string =>
  `${timestamp}\n${nonce}\n${body}\n`;

export function signWechat(privateKey: KeyObject, timestamp: string, nonce: string, body: string): string {
  return createSign('RSA-SHA256')
    .update(wechatSignatureMessage(timestamp, nonce, body), 'utf8')
    .sign(privateKey, 'base64');
}

function signatureValid(
  publicKey: KeyObject,
  timestamp: string,
  nonce: string,
  body: string,
  signature: string,
): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(wechatSignatureMessage(timestamp, nonce, body), 'utf8')
      .verify(publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false; // malformed signature bytes are a failed verification, not a crash
  }
}

// ---- resource encryption (AEAD_AES_256_GCM) ------------------------------------------------

export interface EncryptedResource {
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  nonce: string;
  associated_data: string;
  original_type: string;
}

/** ciphertext = base64(encrypted ‖ 16-byte tag), as WeChat sends it. */
export function encryptResource(
  apiV3Key: Buffer,
  plaintext: string,
  originalType: string,
): EncryptedResource {
  const nonce = nonceString(12);
  const cipher = createCipheriv('aes-256-gcm', apiV3Key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(originalType, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: body.toString('base64'),
    nonce,
    associated_data: originalType,
    original_type: originalType,
  };
}

/** Decrypts a resource; null when the key, nonce, associated data or ciphertext do not match. */
export function decryptResource(
  apiV3Key: Buffer,
  r: Pick<EncryptedResource, 'ciphertext' | 'nonce' | 'associated_data'>,
): string | null {
  const data = Buffer.from(r.ciphertext, 'base64');
  if (data.length < 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(r.nonce, 'utf8'));
    decipher.setAAD(Buffer.from(r.associated_data, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}

// ---- notification shapes ---------------------------------------------------------------------

const envelopeSchema = z.object({
  id: z.string().min(1),
  create_time: z.string(),
  resource_type: z.literal('encrypt-resource'),
  event_type: z.enum(['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED']),
  summary: z.string(),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string().min(1),
    nonce: z.string().length(12),
    associated_data: z.string(),
    original_type: z.string(),
  }),
});

const fen = z.number().int().nonnegative();
const transactionSchema = z.object({
  mchid: z.string(),
  appid: z.string(),
  out_trade_no: z.string().min(1),
  transaction_id: z.string().min(1),
  trade_state: z.enum(['SUCCESS', 'NOTPAY', 'CLOSED']),
  success_time: z.string().optional(),
  payer: z.object({ openid: z.string() }).optional(),
  amount: z.object({ total: fen, payer_total: fen, currency: z.string(), payer_currency: z.string() }),
});

const refundSchema = z.object({
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string(),
  out_refund_no: z.string().min(1),
  refund_id: z.string().min(1),
  refund_status: z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED']),
  success_time: z.string().optional(),
  user_received_account: z.string(),
  amount: z.object({ total: fen, refund: fen, payer_total: fen, payer_refund: fen }),
});

const REFUND_SUMMARY: Record<Exclude<RefundState, 'PROCESSING'>, string> = {
  SUCCESS: '退款成功',
  ABNORMAL: '退款异常',
  CLOSED: '退款关闭',
};

function envelope(
  keys: GatewayKeys,
  facts: NoticeFacts,
  eventType: z.infer<typeof envelopeSchema>['event_type'],
  summary: string,
  originalType: 'transaction' | 'refund',
  resource: object,
): OutgoingNotification {
  const rawBody = JSON.stringify({
    id: facts.notifyId,
    create_time: rfc3339Shanghai(facts.eventAt),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary,
    resource: encryptResource(keys.apiV3Key, JSON.stringify(resource), originalType),
  });
  const timestamp = String(Math.floor(facts.sentAt.getTime() / 1000));
  const nonce = nonceString(32);
  return {
    contentType: 'application/json',
    rawBody,
    headers: {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': signWechat(keys.privateKey, timestamp, nonce, rawBody),
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
      'Wechatpay-Serial': keys.serial,
    },
  };
}

export function paymentNotification(
  keys: GatewayKeys,
  p: PaymentRow,
  facts: NoticeFacts,
): OutgoingNotification {
  return envelope(keys, facts, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', {
    mchid: WECHAT_MCHID,
    appid: WECHAT_APPID,
    out_trade_no: p.out_trade_no,
    transaction_id: p.id,
    trade_type: 'NATIVE',
    trade_state: p.state,
    trade_state_desc: p.state === 'SUCCESS' ? '支付成功' : p.state,
    success_time: p.paid_at ? rfc3339Shanghai(new Date(p.paid_at)) : undefined,
    payer: facts.payerRef ? { openid: facts.payerRef } : undefined,
    amount: { total: p.amount_fen, payer_total: p.amount_fen, currency: 'CNY', payer_currency: 'CNY' },
  });
}

export function refundNotification(
  keys: GatewayKeys,
  r: RefundRow,
  p: PaymentRow,
  facts: NoticeFacts,
): OutgoingNotification {
  if (r.state === 'PROCESSING') throw new Error('WeChat only notifies finished refunds');
  return envelope(keys, facts, `REFUND.${r.state}`, REFUND_SUMMARY[r.state], 'refund', {
    mchid: WECHAT_MCHID,
    out_trade_no: p.out_trade_no,
    transaction_id: p.id,
    out_refund_no: r.out_refund_no,
    refund_id: r.id,
    refund_status: r.state,
    success_time:
      r.state === 'SUCCESS' && r.finished_at ? rfc3339Shanghai(new Date(r.finished_at)) : undefined,
    user_received_account: r.destination,
    amount: {
      total: p.amount_fen,
      refund: r.amount_fen,
      payer_total: p.amount_fen,
      payer_refund: r.amount_fen,
    },
  });
}

// ---- Kameng's side: verification ------------------------------------------------------------

export function verifyWechat(
  keys: GatewayKeys,
  headers: Record<string, string | undefined>,
  rawBody: string,
  now: Date,
): PaymentNotice | RefundNotice {
  const timestamp = header(headers, 'Wechatpay-Timestamp');
  const nonce = header(headers, 'Wechatpay-Nonce');
  const signature = header(headers, 'Wechatpay-Signature');
  const serial = header(headers, 'Wechatpay-Serial');
  if (!timestamp || !nonce || !signature || !serial) return forged('missing Wechatpay-* header');
  // A serial we do not hold means a key we cannot verify with (or a forger's own).
  if (serial !== keys.serial) return forged('unknown Wechatpay-Serial');
  if (!/^\d{1,12}$/.test(timestamp)) return forged('malformed Wechatpay-Timestamp');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > WECHAT_MAX_SKEW_SECONDS) {
    return forged('Wechatpay-Timestamp outside 5 minutes (replay?)');
  }
  if (!signatureValid(keys.publicKey, timestamp, nonce, rawBody, signature)) return forged('bad signature');

  let parsedBody: unknown;
  try {
    parsedBody = JSON.parse(rawBody);
  } catch {
    return forged('body is not JSON');
  }
  const env = envelopeSchema.safeParse(parsedBody);
  if (!env.success) return forged('malformed envelope');
  const plaintext = decryptResource(keys.apiV3Key, env.data.resource);
  if (plaintext === null) return forged('resource does not decrypt');
  let resource: unknown;
  try {
    resource = JSON.parse(plaintext);
  } catch {
    return forged('resource is not JSON');
  }

  if (env.data.event_type === 'TRANSACTION.SUCCESS') {
    const t = transactionSchema.safeParse(resource);
    if (!t.success || t.data.trade_state !== 'SUCCESS') return forged('malformed transaction resource');
    const paidAt = t.data.success_time ? parseRfc3339(t.data.success_time) : null;
    return {
      type: 'PAYMENT',
      outTradeNo: t.data.out_trade_no,
      providerTradeNo: t.data.transaction_id,
      state: t.data.trade_state,
      amountFen: t.data.amount.total,
      currency: t.data.amount.currency,
      paidAt,
      payerRef: t.data.payer?.openid ?? null,
    };
  }
  const r = refundSchema.safeParse(resource);
  if (!r.success || `REFUND.${r.data.refund_status}` !== env.data.event_type) {
    return forged('malformed refund resource');
  }
  // WeChat gives a time only for SUCCESS; otherwise the event's own create_time is when it ended.
  const finishedAt = parseRfc3339(r.data.success_time ?? env.data.create_time);
  return {
    type: 'REFUND',
    outRefundNo: r.data.out_refund_no,
    providerRefundId: r.data.refund_id,
    state: r.data.refund_status,
    amountFen: r.data.amount.refund,
    destination: r.data.user_received_account,
    expectedArrivalAt: null,
    finishedAt,
  };
}

// ---- acknowledgement -------------------------------------------------------------------------

export function wechatAck(ok: boolean): NotificationAck {
  return {
    status: ok ? 200 : 500,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(ok ? { code: 'SUCCESS', message: '成功' } : { code: 'FAIL', message: '失败' }),
  };
}

/** WeChat counts 200/204 as received, unless a 200 body says otherwise ({"code":"FAIL"}). */
export function isWechatAck(reply: DeliveryReply): boolean {
  if (reply.status === 204) return true;
  if (reply.status !== 200) return false;
  if (reply.body.trim() === '') return true;
  try {
    const parsed = JSON.parse(reply.body) as { code?: unknown };
    return parsed.code === 'SUCCESS';
  } catch {
    return false;
  }
}

export function wechatWire(keys: GatewayKeys): Wire {
  return {
    method: 'WECHAT',
    retrySchedule: WECHAT_RETRY_SECONDS,
    closesExpiredTrades: false,
    notifiesClosedTrades: false,
    paymentNotification: (p, facts) => paymentNotification(keys, p, facts),
    refundNotification: (r, p, facts) => refundNotification(keys, r, p, facts),
    verify: (headers, rawBody, now) => verifyWechat(keys, headers, rawBody, now),
    ack: wechatAck,
    isAck: isWechatAck,
  };
}
