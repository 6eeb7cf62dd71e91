import Fastify, { type FastifyInstance } from 'fastify';
import { DiskFileStore } from '../../src/platform/files.js';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cookie from '@fastify/cookie';
import { registerAuth } from '../../src/modules/accounts/http.js';
import { GatewayRegistry } from '../../src/modules/payments/registry.js';
import { sandboxRoutes } from '../../src/modules/payments/sandbox/routes.js';
import { declaredAuth } from '../../src/platform/http/auth.js';
import { registerProblemHandler } from '../../src/platform/http/problem.js';
import type { PaymentNotice, Provider, RefundNotice } from '../../src/modules/payments/gateway.js';
import {
  createSandboxGateways,
  type Deliver,
  type OutgoingNotification,
  type SandboxGateways,
} from '../../src/modules/payments/sandbox/index.js';
import { DomainError, type ErrorCode } from '../../src/platform/errors.js';
import { Client, harness, T0, type Harness } from '../helpers/app.js';

interface Received {
  provider: Provider;
  notice: PaymentNotice | RefundNotice | null;
  raw: OutgoingNotification;
  at: Date;
}

let h: Harness;
let sandbox: SandboxGateways;
const received: Received[] = [];
/** How "Kameng" answers each delivery in these tests (verification failures always fail). */
let answer: (r: Received) => boolean = () => true;

/** Stands in for Kameng's notify route: verifies as it would, records, and acks. */
const deliver: Deliver = async (provider, raw) => {
  const gateway = sandbox.get(provider);
  let notice: PaymentNotice | RefundNotice | null;
  try {
    notice = gateway.verifyNotification({ headers: raw.headers, rawBody: raw.rawBody });
  } catch {
    notice = null;
  }
  const rec: Received = { provider, notice, raw, at: h.ctx.clock.now() };
  received.push(rec);
  const ack = gateway.ack(notice !== null && answer(rec));
  return { status: ack.status, body: ack.body };
};

beforeAll(async () => {
  h = await harness();
  sandbox = await createSandboxGateways({ ...h.ctx, publicUrl: 'https://kameng.test/', deliver });
});
afterAll(() => h.close());

let seq = 0;
const uniq = (prefix: string) => `${prefix}-${++seq}`;
const now = () => h.ctx.clock.now();
const advance = (ms: number) => h.base.advance(ms);
const tick = () => sandbox.tick(now());
const MIN = 60_000;
const DAY = 86_400_000;
const wx = () => sandbox.get('sandbox-wechat');
const ali = () => sandbox.get('sandbox-alipay');

const ref = (n: PaymentNotice | RefundNotice | null) =>
  n === null ? null : n.type === 'PAYMENT' ? n.outTradeNo : n.outRefundNo;
const got = (reference: string) => received.filter((r) => ref(r.notice) === reference);

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
}

async function created(provider: Provider, amountFen = 10_000, ttlMs = 15 * MIN) {
  const gateway = sandbox.get(provider);
  const outTradeNo = uniq('pay');
  const { payUrl } = await gateway.createPayment({
    outTradeNo,
    amountFen,
    description: '订单 K001 · 腾讯视频月卡',
    expiresAt: new Date(now().getTime() + ttlMs),
  });
  return { gateway, outTradeNo, id: payUrl.split('/').pop()!, payUrl };
}

async function paid(provider: Provider, payerId: string, amountFen = 10_000) {
  const p = await created(provider, amountFen);
  await p.gateway.pay(p.id, payerId);
  return p;
}

async function refund(provider: Provider, outTradeNo: string, amountFen: number, totalFen = 10_000) {
  const outRefundNo = uniq('refund');
  const status = await sandbox
    .get(provider)
    .createRefund({ outRefundNo, outTradeNo, amountFen, totalFen, reason: '测试退款' });
  return { outRefundNo, status };
}

const notificationRows = (targetId: string) =>
  h.db.db.selectFrom('sandbox_gateway_notifications').selectAll().where('target_id', '=', targetId).execute();

describe('sandbox gateways', () => {
  it('refunds to a bank card: PROCESSING, expected by the end of the 3rd working day, SUCCESS after 2', async () => {
    // T0 is Monday 2026-01-05 10:00 Shanghai; this is the first test, so the clock is still there.
    expect(now().getTime() - T0.getTime()).toBeLessThan(MIN);
    const p = await paid('sandbox-wechat', 'wx-card');
    const r = await refund('sandbox-wechat', p.outTradeNo, 3_000);
    expect(r.status).toMatchObject({
      state: 'PROCESSING',
      amountFen: 3_000,
      destination: '招商银行储蓄卡(尾号1234)',
    });
    expect(r.status.expectedArrivalAt).toEqual(new Date('2026-01-08T15:59:59Z')); // Thursday 23:59:59
    advance(2 * DAY - MIN); // Wednesday, a minute before two working days are up
    await tick();
    expect((await wx().queryRefund(r.outRefundNo))?.state).toBe('PROCESSING');
    advance(2 * MIN);
    await tick();
    const done = await wx().queryRefund(r.outRefundNo);
    expect(done).toMatchObject({ state: 'SUCCESS', finishedAt: expect.any(Date) as Date });
    expect(got(r.outRefundNo).map((x) => x.notice)).toEqual([
      expect.objectContaining({
        type: 'REFUND',
        state: 'SUCCESS',
        amountFen: 3_000,
        providerRefundId: r.status.providerRefundId,
      }),
    ]);
  });

  it('stores its keys once, with the secrets sealed', async () => {
    // the payment gateways' own rows (the sandbox bank for merchant withdrawals keeps one too)
    const gateways = ['sandbox-alipay', 'sandbox-wechat'];
    const rows = await h.db.db
      .selectFrom('gateway_credentials')
      .selectAll()
      .where('provider', 'in', gateways)
      .orderBy('provider')
      .execute();
    expect(rows.map((r) => r.provider)).toEqual(gateways);
    for (const r of rows) {
      expect(r.public_key_pem).toContain('BEGIN PUBLIC KEY');
      expect(r.sealed_secrets.toString('latin1')).not.toContain('PRIVATE');
    }
    // A second start (another instance) uses the same keys: its notifications verify here.
    const again = await createSandboxGateways({ ...h.ctx, publicUrl: 'https://kameng.test', deliver });
    expect(
      await h.db.db
        .selectFrom('gateway_credentials')
        .select('provider')
        .where('provider', 'in', gateways)
        .execute(),
    ).toHaveLength(2);
    const p = await paid('sandbox-wechat', 'wx-lingqian');
    const before = received.length;
    await again.tick(now());
    const mine = received.slice(before).filter((x) => ref(x.notice) === p.outTradeNo);
    expect(mine).toHaveLength(1);
  });

  it('creates payments idempotently on out_trade_no', async () => {
    const p = await created('sandbox-wechat', 1_234);
    expect(p.payUrl).toMatch(/^https:\/\/kameng\.test\/sandbox\/pay\/[0-9a-f-]{36}$/);
    const again = await wx().createPayment({
      outTradeNo: p.outTradeNo,
      amountFen: 1_234,
      description: 'x',
      expiresAt: new Date(now().getTime() + MIN),
    });
    expect(again.payUrl).toBe(p.payUrl);
    await expectCode(
      wx().createPayment({ outTradeNo: p.outTradeNo, amountFen: 999, description: 'x', expiresAt: now() }),
      'request.duplicate',
    );
    // The same number at the other provider is another trade.
    const other = await ali().createPayment({
      outTradeNo: p.outTradeNo,
      amountFen: 5,
      description: 'x',
      expiresAt: now(),
    });
    expect(other.payUrl).not.toBe(p.payUrl);
    expect(await wx().queryPayment(p.outTradeNo)).toMatchObject({
      state: 'NOTPAY',
      amountFen: 1_234,
      providerTradeNo: null,
    });
    expect(await wx().queryPayment('nope')).toBeNull();
  });

  it('pays once, queues a signed notification and answers queries', async () => {
    const p = await created('sandbox-wechat', 2_500);
    await expectCode(p.gateway.pay(p.id, 'ali-balance'), 'sandbox.unknown_payer');
    await expectCode(
      p.gateway.pay('00000000-0000-4000-8000-000000000000', 'wx-lingqian'),
      'sandbox.payment_not_found',
    );
    const view = await p.gateway.pay(p.id, 'wx-lingqian');
    expect(view).toMatchObject({ state: 'SUCCESS', payable: false, payerId: 'wx-lingqian' });
    await expectCode(p.gateway.pay(p.id, 'wx-lingqian'), 'sandbox.payment_not_payable');
    const q = await wx().queryPayment(p.outTradeNo);
    expect(q).toMatchObject({
      state: 'SUCCESS',
      providerTradeNo: p.id,
      payerRef: expect.stringMatching(/^o/) as string,
    });
    await tick();
    const [rec] = got(p.outTradeNo);
    expect(rec.notice).toEqual({
      type: 'PAYMENT',
      outTradeNo: p.outTradeNo,
      providerTradeNo: p.id,
      state: 'SUCCESS',
      amountFen: 2_500,
      currency: 'CNY',
      paidAt: q!.paidAt,
      payerRef: q!.payerRef,
    });
    // What Kameng's route would meet: a tampered body or a forged signature is refused.
    const { headers, rawBody } = rec.raw;
    expect(() => wx().verifyNotification({ headers, rawBody: rawBody.replace('"id":"', '"id":"x') })).toThrow(
      expect.objectContaining({ code: 'payment.notification_forged' }) as Error,
    );
    expect(() =>
      wx().verifyNotification({ headers: { ...headers, 'Wechatpay-Signature': 'Zm9yZ2Vk' }, rawBody }),
    ).toThrow(expect.objectContaining({ code: 'payment.notification_forged' }) as Error);
    // Replayed 6 minutes later, the same signed notification is stale.
    advance(6 * MIN);
    expect(() => wx().verifyNotification({ headers, rawBody })).toThrow(
      expect.objectContaining({ code: 'payment.notification_forged' }) as Error,
    );
    expect((await notificationRows(p.id))[0]).toMatchObject({ state: 'DELIVERED', attempts: 1 });
  });

  it('Alipay: pays in yuan strings, closes expired trades itself and reports TRADE_CLOSED', async () => {
    const p = await paid('sandbox-alipay', 'ali-balance', 1_234);
    await tick();
    const [rec] = got(p.outTradeNo);
    expect(new URLSearchParams(rec.raw.rawBody).get('total_amount')).toBe('12.34');
    expect(rec.notice).toMatchObject({ type: 'PAYMENT', state: 'SUCCESS', amountFen: 1_234 });
    expect(() =>
      ali().verifyNotification({
        headers: {},
        rawBody: rec.raw.rawBody.replace('total_amount=12.34', 'total_amount=0.01'),
      }),
    ).toThrow(expect.objectContaining({ code: 'payment.notification_forged' }) as Error);

    const late = await created('sandbox-alipay', 500, MIN);
    advance(MIN);
    await expectCode(late.gateway.pay(late.id, 'ali-balance'), 'sandbox.payment_not_payable');
    await tick();
    expect((await ali().queryPayment(late.outTradeNo))?.state).toBe('CLOSED');
    expect(got(late.outTradeNo).map((x) => x.notice)).toEqual([
      expect.objectContaining({ type: 'PAYMENT', state: 'CLOSED', amountFen: 500, paidAt: null }),
    ]);
  });

  it('closes unpaid payments; a closed one cannot be paid and a paid one cannot be closed', async () => {
    const p = await created('sandbox-wechat');
    await p.gateway.closePayment(p.outTradeNo);
    await p.gateway.closePayment(p.outTradeNo); // again: fine
    expect((await wx().queryPayment(p.outTradeNo))?.state).toBe('CLOSED');
    await expectCode(p.gateway.pay(p.id, 'wx-lingqian'), 'sandbox.payment_not_payable');
    const q = await paid('sandbox-wechat', 'wx-lingqian');
    await expectCode(q.gateway.closePayment(q.outTradeNo), 'sandbox.payment_not_payable');
    await expectCode(wx().closePayment('nope'), 'sandbox.payment_not_found');
    // WeChat does not close an expired trade by itself, but it can no longer be paid.
    const late = await created('sandbox-wechat', 500, MIN);
    advance(MIN);
    await tick();
    expect((await wx().queryPayment(late.outTradeNo))?.state).toBe('NOTPAY');
    await expectCode(late.gateway.pay(late.id, 'wx-lingqian'), 'sandbox.payment_not_payable');
    expect(got(late.outTradeNo)).toEqual([]);
  });

  it('refunds idempotently, never beyond what is refundable, only paid trades', async () => {
    const unpaid = await created('sandbox-wechat');
    await expectCode(refund('sandbox-wechat', unpaid.outTradeNo, 100), 'sandbox.payment_not_paid');
    await expectCode(refund('sandbox-wechat', 'nope', 100), 'sandbox.payment_not_found');
    const p = await paid('sandbox-wechat', 'wx-lingqian');
    await expectCode(refund('sandbox-wechat', p.outTradeNo, 100, 9_999), 'request.invalid'); // wrong total
    const a = await refund('sandbox-wechat', p.outTradeNo, 6_000);
    const input = {
      outRefundNo: a.outRefundNo,
      outTradeNo: p.outTradeNo,
      amountFen: 6_000,
      totalFen: 10_000,
      reason: 'x',
    };
    expect(await wx().createRefund(input)).toEqual(a.status);
    await expectCode(wx().createRefund({ ...input, amountFen: 5_000 }), 'request.duplicate');
    await expectCode(refund('sandbox-wechat', p.outTradeNo, 4_001), 'sandbox.refund_exceeds'); // PROCESSING counts
    const b = await refund('sandbox-wechat', p.outTradeNo, 4_000);
    expect(b.status.expectedArrivalAt!.getTime() - now().getTime()).toBe(5 * MIN);
    advance(MIN);
    await tick();
    expect((await wx().queryRefund(a.outRefundNo))?.state).toBe('SUCCESS');
    await expectCode(refund('sandbox-wechat', p.outTradeNo, 1), 'sandbox.refund_exceeds');
    // The same refund asked again after it finished returns its final state.
    expect(await wx().createRefund(input)).toMatchObject({ state: 'SUCCESS' });
    expect(await wx().queryRefund('nope')).toBeNull();
  });

  it('produces each payer’s refund outcome at its time', async () => {
    const cases = [
      {
        provider: 'sandbox-wechat',
        payer: 'wx-frozen',
        state: 'ABNORMAL',
        after: MIN,
        destination: '微信零钱',
      },
      {
        provider: 'sandbox-wechat',
        payer: 'wx-refund-closed',
        state: 'CLOSED',
        after: 2 * MIN,
        destination: '微信零钱',
      },
      {
        provider: 'sandbox-alipay',
        payer: 'ali-balance',
        state: 'SUCCESS',
        after: MIN,
        destination: '支付宝余额',
      },
      {
        provider: 'sandbox-alipay',
        payer: 'ali-frozen',
        state: 'ABNORMAL',
        after: MIN,
        destination: '支付宝余额',
      },
      {
        provider: 'sandbox-alipay',
        payer: 'ali-refund-closed',
        state: 'CLOSED',
        after: 2 * MIN,
        destination: '支付宝余额',
      },
    ] as const;
    const started = await Promise.all(
      cases.map(async (c) => {
        const p = await paid(c.provider, c.payer);
        return { ...c, p, r: await refund(c.provider, p.outTradeNo, 10_000) };
      }),
    );
    advance(MIN - 1_000);
    await tick();
    for (const s of started)
      expect((await sandbox.get(s.provider).queryRefund(s.r.outRefundNo))?.state).toBe('PROCESSING');
    advance(MIN + 1_000);
    await tick();
    for (const s of started) {
      const status = await sandbox.get(s.provider).queryRefund(s.r.outRefundNo);
      expect(status, s.payer).toMatchObject({ state: s.state, destination: s.destination });
      expect(
        got(s.r.outRefundNo).map((x) => x.notice),
        s.payer,
      ).toEqual([
        expect.objectContaining({
          type: 'REFUND',
          state: s.state,
          amountFen: 10_000,
          destination: s.destination,
        }),
      ]);
      // ABNORMAL and CLOSED refunds paid nothing out: the whole amount is refundable again.
      if (s.state !== 'SUCCESS')
        expect((await refund(s.provider, s.p.outTradeNo, 10_000)).status.state).toBe('PROCESSING');
      else await expectCode(refund(s.provider, s.p.outTradeNo, 1), 'sandbox.refund_exceeds');
    }
  });

  it('keeps a slow bank’s refund PROCESSING for 8 days', async () => {
    const p = await paid('sandbox-alipay', 'ali-slow-bank');
    const r = await refund('sandbox-alipay', p.outTradeNo, 2_000);
    advance(8 * DAY - MIN);
    await tick();
    expect((await ali().queryRefund(r.outRefundNo))?.state).toBe('PROCESSING');
    advance(2 * MIN);
    await tick();
    expect((await ali().queryRefund(r.outRefundNo))?.state).toBe('SUCCESS');
    expect(got(r.outRefundNo)).toHaveLength(1);
  });

  it('retries on WeChat’s schedule until acknowledged', async () => {
    const p = await paid('sandbox-wechat', 'wx-lingqian');
    let failures = 3;
    answer = (rec) => ref(rec.notice) !== p.outTradeNo || failures-- <= 0;
    try {
      await tick(); // attempt 1 fails
      advance(14_000);
      await tick(); // not due yet
      expect(got(p.outTradeNo)).toHaveLength(1);
      advance(1_000);
      await tick(); // attempt 2 (+15 s) fails
      advance(15_000);
      await tick(); // attempt 3 (+15 s) fails
      advance(29_000);
      await tick();
      expect(got(p.outTradeNo)).toHaveLength(3);
      expect((await notificationRows(p.id))[0]).toMatchObject({
        state: 'PENDING',
        attempts: 3,
        last_status: 500,
      });
      advance(1_000);
      await tick(); // attempt 4 (+30 s) acknowledged
      expect(got(p.outTradeNo)).toHaveLength(4);
      expect((await notificationRows(p.id))[0]).toMatchObject({
        state: 'DELIVERED',
        attempts: 4,
        last_status: 200,
      });
      advance(DAY);
      await tick();
      expect(got(p.outTradeNo)).toHaveLength(4);
    } finally {
      answer = () => true;
    }
  });

  it('gives up after Alipay’s last retry (4m, 10m, 10m, 1h, 2h, 6h, 15h)', async () => {
    const p = await paid('sandbox-alipay', 'ali-balance');
    answer = (rec) => ref(rec.notice) !== p.outTradeNo;
    try {
      await tick();
      for (const seconds of [240, 600, 600, 3600, 7200, 21600, 54000]) {
        advance(seconds * 1000 - 1_000);
        await tick();
        advance(1_000);
        await tick();
      }
      const times = got(p.outTradeNo).map((x) => x.at.getTime());
      expect(times.slice(1).map((t, i) => (t - times[i]) / 1000)).toEqual([
        240, 600, 600, 3600, 7200, 21600, 54000,
      ]);
      expect((await notificationRows(p.id))[0]).toMatchObject({
        state: 'GAVE_UP',
        attempts: 8,
        last_status: 200,
      });
      advance(2 * DAY);
      await tick();
      expect(got(p.outTradeNo)).toHaveLength(8);
    } finally {
      answer = () => true;
    }
  });

  it('sends every notification three times for the duplicating payer, the first one late', async () => {
    const p = await paid('sandbox-wechat', 'wx-dup-notify');
    await tick();
    expect(got(p.outTradeNo)).toHaveLength(0); // the query API already says SUCCESS
    expect((await wx().queryPayment(p.outTradeNo))?.state).toBe('SUCCESS');
    advance(30_000);
    await tick();
    expect(got(p.outTradeNo)).toHaveLength(1);
    const r = await refund('sandbox-wechat', p.outTradeNo, 10_000);
    advance(30_000);
    await tick();
    expect(got(p.outTradeNo)).toHaveLength(2);
    advance(60_000); // the refund finishes; its notice is also 30 s late
    await tick();
    advance(30_000);
    await tick();
    expect(got(r.outRefundNo)).toHaveLength(1);
    advance(4 * MIN);
    await tick();
    // The payment's third copy arrives after the refund's notice: out of order, still the same facts.
    const copies = got(p.outTradeNo);
    expect(copies).toHaveLength(3);
    expect(copies[2].at.getTime()).toBeGreaterThan(got(r.outRefundNo)[0].at.getTime());
    expect(new Set(copies.map((c) => (JSON.parse(c.raw.rawBody) as { id: string }).id)).size).toBe(1);
    expect(copies.every((c) => c.notice?.type === 'PAYMENT' && c.notice.state === 'SUCCESS')).toBe(true);
    advance(DAY);
    await tick();
    expect(got(p.outTradeNo)).toHaveLength(3);
    expect(got(r.outRefundNo)).toHaveLength(3);
  });

  it('loses every notification for the lost-notify payer', async () => {
    const p = await paid('sandbox-alipay', 'ali-lost-notify');
    const r = await refund('sandbox-alipay', p.outTradeNo, 100);
    advance(DAY);
    await tick();
    expect((await ali().queryRefund(r.outRefundNo))?.state).toBe('SUCCESS');
    expect([...got(p.outTradeNo), ...got(r.outRefundNo)]).toEqual([]);
  });

  it('delays notifications by the configured seconds', async () => {
    await wx().updateSettings({ notificationDelaySeconds: 120 });
    try {
      const p = await paid('sandbox-wechat', 'wx-lingqian');
      advance(119_000);
      await tick();
      expect(got(p.outTradeNo)).toHaveLength(0);
      advance(1_000);
      await tick();
      expect(got(p.outTradeNo)).toHaveLength(1);
    } finally {
      await wx().updateSettings({ notificationDelaySeconds: 0 });
    }
  });

  it('is unavailable while switched down, and sends nothing until it is back', async () => {
    const p = await paid('sandbox-alipay', 'ali-balance');
    await ali().updateSettings({ down: true });
    try {
      const g = ali();
      const call = { outTradeNo: uniq('pay'), amountFen: 1, description: 'x', expiresAt: now() };
      await expectCode(g.createPayment(call), 'payment.gateway_unavailable');
      await expectCode(g.queryPayment(p.outTradeNo), 'payment.gateway_unavailable');
      await expectCode(g.closePayment(p.outTradeNo), 'payment.gateway_unavailable');
      await expectCode(g.pay(p.id, 'ali-balance'), 'payment.gateway_unavailable');
      await expectCode(g.paymentView(p.id), 'payment.gateway_unavailable');
      await expectCode(refund('sandbox-alipay', p.outTradeNo, 1), 'payment.gateway_unavailable');
      await expectCode(g.queryRefund('x'), 'payment.gateway_unavailable');
      // The other provider is unaffected.
      expect(await wx().queryPayment('nope')).toBeNull();
      advance(DAY);
      await tick();
      expect(got(p.outTradeNo)).toHaveLength(0);
    } finally {
      await ali().updateSettings({ down: false });
    }
    await tick();
    expect(got(p.outTradeNo)).toHaveLength(1);
    expect(await sandbox.settings('sandbox-alipay')).toEqual({ down: false, notificationDelaySeconds: 0 });
  });

  it('lists recent notifications with their references', async () => {
    const items = await sandbox.recentNotifications(500);
    expect(items.length).toBeGreaterThan(5);
    expect(items.some((n) => n.state === 'GAVE_UP' && n.attempts === 8)).toBe(true);
    expect(items.every((n) => n.reference !== null)).toBe(true);
    expect(() => sandbox.get('paypal')).toThrow(
      expect.objectContaining({ code: 'payment.unknown_provider' }) as Error,
    );
  });
});

describe('sandbox routes', () => {
  let web: FastifyInstance;
  beforeAll(async () => {
    // The routes mounted as app.ts will mount them, on a small app of their own.
    const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const ctx = {
      ...h.ctx,
      testClock: null,
      config: h.config,
      log: app.log,
      gateways: new GatewayRegistry(sandbox.gateways.values()),
      files: DiskFileStore.forDataDir(h.config.dataDir),
    };
    registerProblemHandler(app);
    await app.register(cookie);
    registerAuth(app, ctx);
    declaredAuth(app);
    await app.register(sandboxRoutes(ctx, sandbox), { prefix: '/api' });
    await app.ready();
    web = app;
  });
  afterAll(() => web.close());

  it('serves the pay page and pays as a test payer, anonymously', async () => {
    const p = await created('sandbox-alipay', 1_999);
    const anon = new Client(web);
    const page = await anon.get<{ state: string; payable: boolean; payers: { id: string; notes: object }[] }>(
      `/api/sandbox/payments/${p.id}`,
    );
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      provider: 'sandbox-alipay',
      amountFen: 1_999,
      state: 'NOTPAY',
      payable: true,
    });
    expect(page.body.payers.map((x) => x.id)).toContain('ali-card');
    expect(page.body.payers.every((x) => x.id.startsWith('ali-'))).toBe(true);
    expect((await anon.post(`/api/sandbox/payments/${p.id}/pay`, { payerId: 'wx-card' })).body).toMatchObject(
      {
        code: 'sandbox.unknown_payer',
      },
    );
    const paidRes = await anon.post(`/api/sandbox/payments/${p.id}/pay`, { payerId: 'ali-card' });
    expect(paidRes.body).toMatchObject({ state: 'SUCCESS', payerId: 'ali-card', payable: false });
    expect((await anon.post(`/api/sandbox/payments/${p.id}/pay`, { payerId: 'ali-card' })).status).toBe(409);
    expect((await anon.get('/api/sandbox/payments/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await anon.get('/api/sandbox/payments/not-a-uuid')).status).toBe(400);
  });

  it('lets only admins switch a gateway down and list notifications', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const buyer = await h.loggedIn({ role: 'buyer' });
    const as = (c: Client) => Object.assign(new Client(web), { cookie: c.cookie, csrf: c.csrf });
    expect((await as(buyer).get('/api/admin/sandbox/sandbox-wechat')).status).toBe(403);
    expect((await new Client(web).get('/api/admin/sandbox/notifications')).status).toBe(401);
    const put = await as(admin).req('PUT', '/api/admin/sandbox/sandbox-wechat', {
      down: true,
      notificationDelaySeconds: 5,
    });
    expect(put.body).toEqual({ provider: 'sandbox-wechat', down: true, notificationDelaySeconds: 5 });
    try {
      const p = await created('sandbox-alipay');
      expect((await new Client(web).get(`/api/sandbox/payments/${p.id}`)).status).toBe(200);
      await expectCode(wx().queryPayment('x'), 'payment.gateway_unavailable');
    } finally {
      await as(admin).req('PUT', '/api/admin/sandbox/sandbox-wechat', {
        down: false,
        notificationDelaySeconds: 0,
      });
    }
    expect((await as(admin).get('/api/admin/sandbox/sandbox-wechat')).body).toMatchObject({ down: false });
    expect((await as(admin).get('/api/admin/sandbox/paypal')).status).toBe(400);
    const list = await as(admin).get<{ items: { reference: string; state: string }[] }>(
      '/api/admin/sandbox/notifications?limit=5',
    );
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(5);
  });
});
