import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALIPAY_APP_ID,
  alipayAck,
  alipaySignContent,
  isAlipayAck,
  parseForm,
  paymentNotification as alipayPayment,
  refundNotification as alipayRefund,
  signAlipay,
  verifyAlipay,
} from '../../src/modules/payments/sandbox/alipay.js';
import { GatewayKeys } from '../../src/modules/payments/sandbox/credentials.js';
import {
  decryptResource,
  encryptResource,
  isWechatAck,
  paymentNotification as wechatPayment,
  refundNotification as wechatRefund,
  signWechat,
  verifyWechat,
  wechatAck,
  wechatSignatureMessage,
} from '../../src/modules/payments/sandbox/wechat.js';
import type { NoticeFacts, PaymentRow, RefundRow } from '../../src/modules/payments/sandbox/wire.js';
import { fenToYuan, yuanToFen } from '../../src/platform/money.js';
import { DomainError } from '../../src/platform/errors.js';

function keysFor(provider: 'sandbox-wechat' | 'sandbox-alipay'): GatewayKeys {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return new GatewayKeys(
    provider,
    pair.publicKey,
    pair.privateKey,
    provider === 'sandbox-wechat' ? randomBytes(32) : null,
  );
}
const wx = keysFor('sandbox-wechat');
const wxOther = keysFor('sandbox-wechat');
const ali = keysFor('sandbox-alipay');
const aliOther = keysFor('sandbox-alipay');

const T = new Date('2026-01-05T02:00:00Z');
const payment: PaymentRow = {
  id: '0b5f5d3e-0000-4000-8000-000000000001',
  provider: 'sandbox-wechat',
  out_trade_no: 'pay-1',
  amount_fen: 1234,
  description: '订单 K001 · 腾讯视频月卡 & 爱奇艺=周卡',
  state: 'SUCCESS',
  payer_id: 'wx-lingqian',
  refunded_fen: 0,
  expires_at: '2026-01-05T02:15:00.000Z',
  paid_at: '2026-01-05T02:01:00.000Z',
  created_at: '2026-01-05T02:00:00.000Z',
  updated_at: '2026-01-05T02:01:00.000Z',
};
const refund: RefundRow = {
  id: '0b5f5d3e-0000-4000-8000-000000000002',
  provider: 'sandbox-wechat',
  out_refund_no: 'ref-1',
  payment_id: payment.id,
  amount_fen: 234,
  state: 'ABNORMAL',
  destination: '微信零钱',
  outcome: 'ABNORMAL',
  complete_at: '2026-01-05T02:03:00.000Z',
  created_at: '2026-01-05T02:02:00.000Z',
  updated_at: '2026-01-05T02:03:00.000Z',
  finished_at: '2026-01-05T02:03:00.000Z',
};
const facts = (sentAt = T): NoticeFacts => ({ notifyId: 'n-1', eventAt: T, sentAt, payerRef: 'oPAYER' });

function forged(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('payment.notification_forged');
    return;
  }
  throw new Error('expected payment.notification_forged');
}

describe('fen ↔ yuan', () => {
  it('converts exact decimal strings without floating point', () => {
    expect(fenToYuan(1234)).toBe('12.34');
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(100)).toBe('1.00');
    expect(fenToYuan(-150)).toBe('-1.50');
    expect(yuanToFen('12.34')).toBe(1234);
    expect(yuanToFen('0.29')).toBe(29); // 0.29 * 100 = 28.999999999999996 in floating point
    expect(yuanToFen('12.3')).toBe(1230);
    expect(yuanToFen('12')).toBe(1200);
    expect(yuanToFen('0.01')).toBe(1);
  });

  it('rejects what is not a plain two-decimal amount', () => {
    for (const bad of ['', '1.234', '1e2', '-1', '01.00', ' 1', '1.', '.5', '1,00', 'NaN', '0x10']) {
      expect(() => yuanToFen(bad), bad).toThrow(RangeError);
    }
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => yuanToFen(fenToYuan(n)) === n),
    );
  });
});

describe('Alipay RSA2 signing', () => {
  it('signs the sorted non-empty params except sign and sign_type, with raw values', () => {
    expect(
      alipaySignContent({
        sign: 'x',
        sign_type: 'RSA2',
        total_amount: '12.34',
        app_id: '1',
        subject: 'a&b=c 中文',
        empty: '',
        charset: 'utf-8',
      }),
    ).toBe('app_id=1&charset=utf-8&subject=a&b=c 中文&total_amount=12.34');
  });

  it('verifies its own payment notification and reads fen, time and payer', () => {
    const out = alipayPayment(ali, { ...payment, provider: 'sandbox-alipay' }, facts());
    expect(out.contentType).toMatch(/x-www-form-urlencoded/);
    const params = parseForm(out.rawBody)!;
    expect(params).toMatchObject({
      notify_type: 'trade_status_sync',
      app_id: ALIPAY_APP_ID,
      sign_type: 'RSA2',
      total_amount: '12.34',
      trade_status: 'TRADE_SUCCESS',
      gmt_payment: '2026-01-05 10:01:00',
      subject: payment.description,
    });
    expect(verifyAlipay(ali, out.rawBody)).toEqual({
      type: 'PAYMENT',
      outTradeNo: 'pay-1',
      providerTradeNo: payment.id,
      state: 'SUCCESS',
      amountFen: 1234,
      currency: 'CNY',
      paidAt: new Date('2026-01-05T02:01:00Z'),
      payerRef: 'oPAYER',
    });
  });

  it('verifies refund notifications', () => {
    const out = alipayRefund(ali, { ...refund, state: 'SUCCESS' }, payment, facts());
    expect(verifyAlipay(ali, out.rawBody)).toMatchObject({
      type: 'REFUND',
      outRefundNo: 'ref-1',
      providerRefundId: refund.id,
      state: 'SUCCESS',
      amountFen: 234,
      destination: '微信零钱',
      finishedAt: new Date('2026-01-05T02:03:00Z'),
    });
  });

  it('rejects tampering, another key, a repeated parameter, another app and a missing signature', () => {
    const out = alipayPayment(ali, payment, facts());
    forged(() => verifyAlipay(ali, out.rawBody.replace('total_amount=12.34', 'total_amount=0.01')));
    forged(() => verifyAlipay(aliOther, out.rawBody)); // signed by someone else's key
    forged(() => verifyAlipay(ali, `${out.rawBody}&total_amount=0.01`));
    const params = parseForm(out.rawBody)!;
    const resigned = (p: Record<string, string>, key = aliOther) =>
      new URLSearchParams({ ...p, sign: signAlipay(key.privateKey, p) }).toString();
    forged(() => verifyAlipay(ali, resigned({ ...params, total_amount: '0.01' })));
    forged(() => verifyAlipay(ali, resigned({ ...params, app_id: '2021000000000000' }, ali)));
    forged(() => verifyAlipay(ali, resigned({ ...params, sign_type: 'RSA' }, ali)));
    const { sign: _sign, ...unsigned } = params;
    forged(() => verifyAlipay(ali, new URLSearchParams(unsigned).toString()));
    forged(() => verifyAlipay(ali, 'not a form'));
  });

  it('acks with the plain text Alipay waits for', () => {
    expect(alipayAck(true)).toMatchObject({ status: 200, body: 'success' });
    expect(alipayAck(false).body).toBe('fail');
    expect(isAlipayAck({ status: 200, body: 'success' })).toBe(true);
    expect(isAlipayAck({ status: 200, body: 'fail' })).toBe(false);
    expect(isAlipayAck({ status: 500, body: 'success' })).toBe(false);
    expect(isAlipayAck({ status: 200, body: '{"code":"SUCCESS"}' })).toBe(false);
  });
});

describe('WeChat Pay v3 signing and resource encryption', () => {
  it('signs timestamp, nonce and body, each line-terminated', () => {
    expect(wechatSignatureMessage('1767578400', 'abc', '{}')).toBe('1767578400\nabc\n{}\n');
    const sig = signWechat(wx.privateKey, '1', 'n', 'body');
    expect(Buffer.from(sig, 'base64')).toHaveLength(256); // RSA-2048
  });

  it('encrypts resources with AES-256-GCM bound to associated_data', () => {
    const r = encryptResource(wx.apiV3Key, '{"a":"中文"}', 'transaction');
    expect(r.nonce).toHaveLength(12);
    expect(decryptResource(wx.apiV3Key, r)).toBe('{"a":"中文"}');
    expect(decryptResource(wx.apiV3Key, { ...r, associated_data: 'refund' })).toBeNull();
    expect(decryptResource(wxOther.apiV3Key, r)).toBeNull();
    const flipped = Buffer.from(r.ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(decryptResource(wx.apiV3Key, { ...r, ciphertext: flipped.toString('base64') })).toBeNull();
  });

  it('verifies and decrypts its own payment and refund notifications', () => {
    const out = wechatPayment(wx, payment, facts());
    expect(out.headers['Wechatpay-Serial']).toBe(wx.serial);
    const body = JSON.parse(out.rawBody) as { resource_type: string; event_type: string; resource: object };
    expect(body).toMatchObject({ resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS' });
    expect(out.rawBody).not.toContain('pay-1'); // the facts travel encrypted
    // Node lower-cases header names; verification must not care.
    const lower = Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verifyWechat(wx, lower, out.rawBody, T)).toEqual({
      type: 'PAYMENT',
      outTradeNo: 'pay-1',
      providerTradeNo: payment.id,
      state: 'SUCCESS',
      amountFen: 1234,
      currency: 'CNY',
      paidAt: new Date('2026-01-05T02:01:00Z'),
      payerRef: 'oPAYER',
    });
    const ref = wechatRefund(wx, refund, payment, facts());
    expect(JSON.parse(ref.rawBody)).toMatchObject({ event_type: 'REFUND.ABNORMAL' });
    expect(verifyWechat(wx, ref.headers, ref.rawBody, T)).toEqual({
      type: 'REFUND',
      outRefundNo: 'ref-1',
      providerRefundId: refund.id,
      state: 'ABNORMAL',
      amountFen: 234,
      destination: '微信零钱',
      expectedArrivalAt: null,
      finishedAt: T, // no success_time for ABNORMAL: the event's create_time
    });
  });

  it('rejects a tampered body, a forged signature, a wrong serial, missing headers and replays', () => {
    const out = wechatPayment(wx, payment, facts());
    const h = out.headers;
    forged(() => verifyWechat(wx, h, out.rawBody.replace('"id":"n-1"', '"id":"n-2"'), T));
    forged(() => verifyWechat(wx, h, `${out.rawBody} `, T));
    const ts = h['Wechatpay-Timestamp'];
    const nonce = h['Wechatpay-Nonce'];
    forged(() =>
      verifyWechat(
        wx,
        { ...h, 'Wechatpay-Signature': signWechat(wxOther.privateKey, ts, nonce, out.rawBody) },
        out.rawBody,
        T,
      ),
    );
    forged(() => verifyWechat(wx, { ...h, 'Wechatpay-Signature': 'AAAA' }, out.rawBody, T));
    forged(() => verifyWechat(wx, { ...h, 'Wechatpay-Serial': wxOther.serial }, out.rawBody, T));
    for (const name of [
      'Wechatpay-Timestamp',
      'Wechatpay-Nonce',
      'Wechatpay-Signature',
      'Wechatpay-Serial',
    ]) {
      const { [name]: _gone, ...rest } = h;
      forged(() => verifyWechat(wx, rest, out.rawBody, T));
    }
    // Replays: the same signed message more than 5 minutes later (or earlier) is refused.
    expect(() => verifyWechat(wx, h, out.rawBody, new Date(T.getTime() + 299_000))).not.toThrow();
    forged(() => verifyWechat(wx, h, out.rawBody, new Date(T.getTime() + 301_000)));
    forged(() => verifyWechat(wx, h, out.rawBody, new Date(T.getTime() - 301_000)));
    // A validly signed envelope whose resource was encrypted with another APIv3 key.
    const foreign = wechatPayment(wxOther, payment, facts());
    const fh = foreign.headers;
    const reSigned: Record<string, string> = {
      ...fh,
      'Wechatpay-Serial': wx.serial,
      'Wechatpay-Signature': signWechat(
        wx.privateKey,
        fh['Wechatpay-Timestamp'],
        fh['Wechatpay-Nonce'],
        foreign.rawBody,
      ),
    };
    forged(() => verifyWechat(wx, reSigned, foreign.rawBody, T));
  });

  it('acks as WeChat expects and judges replies as WeChat does', () => {
    expect(wechatAck(true)).toMatchObject({ status: 200, body: '{"code":"SUCCESS","message":"成功"}' });
    expect(wechatAck(false).status).toBe(500);
    expect(JSON.parse(wechatAck(false).body)).toMatchObject({ code: 'FAIL' });
    expect(isWechatAck({ status: 200, body: wechatAck(true).body })).toBe(true);
    expect(isWechatAck({ status: 204, body: '' })).toBe(true);
    expect(isWechatAck({ status: 200, body: '{"code":"FAIL"}' })).toBe(false);
    expect(isWechatAck({ status: 500, body: wechatAck(false).body })).toBe(false);
    expect(isWechatAck({ status: 401, body: '' })).toBe(false);
  });

  it('never prints key material', () => {
    expect(JSON.stringify({ wx })).not.toContain('PRIVATE');
    expect(JSON.stringify({ wx })).toContain(wx.serial);
  });
});
