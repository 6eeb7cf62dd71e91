/**
 * Stage 6 merchant money, over HTTP on a real database (SQLite, and PostgreSQL when configured):
 * deposit top-ups from the payable balance; withdrawals through the sandbox bank — concurrent
 * requests never overdraw, a failed payout returns the money exactly once whatever the notices
 * do, a merchant in debt cannot withdraw, the bank's slow, lost and refused cases; a refund after
 * settlement and a withdrawal comes from the deposit; the finance figures net of refunds against a
 * hand-computed fixture. The ledger and the audit chain verify after each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { ensureAccount, postTransaction } from '../../src/modules/payments/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { newId } from '../../src/platform/ids.js';
import { putSetting } from '../../src/platform/settings.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { buy, fund, idem, stocked } from '../helpers/orders.js';
import type { Shop } from '../helpers/inventory.js';

let h: Harness;
beforeAll(async () => {
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
});
afterAll(() => h.close());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NORMAL_ACCOUNT = '6222 0212 3456 7890';
const FAILING = '6222020000000000001';
const SLOW = '6222020000000000002';
const FROZEN = '6222020000000000003';
const LOST_NOTICE = '6222020000000000004';

type Finance = {
  payableFen: number;
  depositFen: number;
  escrowFen: number;
  minDepositFen: number;
  depositShortfallFen: number;
  withdrawableFen: number;
  debtFen: number;
  sales: { orders: number; units: number; grossFen: number; refundedFen: number; amountFen: number };
  settlements: {
    orderId: string;
    orderTotalFen: number;
    amountFen: number;
    commissionFen: number;
    netFen: number;
  }[];
  withdrawals: { inFlightFen: number; inFlightCount: number; paidFen: number };
};
type Withdrawal = {
  id: string;
  withdrawalNo: string;
  state: string;
  amountFen: number;
  accountMasked: string;
  failureCode: string | null;
};
type Problem = { code: string; messages: { 'zh-CN': string; en: string }; data?: Record<string, unknown> };

/** A logged-in merchant whose shop has `depositFen` declared and `payableFen` settled to it. */
async function merchant(payableFen: number, depositFen = 100_000) {
  const m = await h.loggedIn({ role: 'merchant', depositFen });
  if (payableFen !== 0) await credit(m.merchantId!, payableFen);
  return m;
}

/** A logged-in merchant and its shop (for the catalog and inventory helpers). */
async function shopWith(depositFen: number): Promise<{ shop: Shop; client: Client & { userId: string } }> {
  const client = await h.loggedIn({ role: 'merchant', depositFen });
  const shop: Shop = {
    actor: {
      kind: 'user',
      id: client.userId,
      role: 'merchant',
      memberLevel: 'REGULAR',
      merchantId: client.merchantId,
    },
    merchantId: client.merchantId!,
    userId: client.userId,
  };
  return { shop, client };
}

/** Money reaching (or, negative, leaving) the payable balance as a settlement (or a clawback) would. */
async function credit(merchantId: string, fen: number): Promise<void> {
  const at = h.ctx.clock.now();
  await unitOfWork(h.ctx, async (trx) => {
    const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', merchantId, at);
    const escrow = await ensureAccount(trx, 'GATEWAY_CLEARING', 'test-settlements', at);
    await postTransaction(trx, systemActor('test'), at, {
      idempotencyKey: `credit-${newId()}`,
      kind: 'SETTLEMENT',
      reference: { type: 'test', id: merchantId },
      postings: [
        { accountId: escrow.id, amountFen: -fen },
        { accountId: payable.id, amountFen: fen },
      ],
    });
  });
}

const finance = async (c: Client) => {
  const res = await c.get<Finance>('/api/merchant/finance');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

const withdraw = (c: Client, amountFen: number, accountNo = NORMAL_ACCOUNT, key = idem()) =>
  c.req<Withdrawal>(
    'POST',
    '/api/merchant/withdrawals',
    { amountFen, accountName: '星辰游戏', accountNo, bankName: '招商银行' },
    { 'idempotency-key': key },
  );

/** Runs the sweeper (deadlines, withdrawals, the bank's timed work) until nothing more happens. */
async function sweep() {
  for (let i = 0; i < 20; i++) {
    const r = await h.app.kameng.sweep();
    if (
      r.fired === 0 &&
      !r.tasks['bank'] &&
      !r.tasks['withdrawals.submit'] &&
      !r.tasks['withdrawals.reconcile']
    )
      return;
  }
}

async function balance(kind: 'MERCHANT_PAYABLE' | 'MERCHANT_DEPOSIT' | 'GATEWAY_CLEARING', owner: string) {
  const row = await h.db.db
    .selectFrom('ledger_accounts')
    .select('balance_fen')
    .where('kind', '=', kind)
    .where('owner_id', '=', owner)
    .executeTakeFirst();
  return row ? Number(row.balance_fen) : 0;
}

async function invariants() {
  expect(await verifyLedger(h.db.db)).toMatchObject({ ok: true });
  expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  // Money in transit is exactly the withdrawals in flight, and never negative.
  const inFlight = await h.db.db
    .selectFrom('withdrawals')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.val(0)).as('n'))
    .where('state', 'in', ['REQUESTED', 'PROCESSING'])
    .executeTakeFirstOrThrow();
  expect(await balance('GATEWAY_CLEARING', 'withdrawals-in-transit')).toBe(Number(inFlight.n));
}

const ledgerKinds = async (withdrawalId: string) =>
  (
    await h.db.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('reference_type', '=', 'withdrawal')
      .where('reference_id', '=', withdrawalId)
      .orderBy('id')
      .execute()
  ).map((r) => r.kind);

describe('deposit top-up from the payable balance', () => {
  it('moves money into the 保证金 once per key, shows the minimum, refuses more than the balance', async () => {
    const m = await merchant(80_000, 0);
    const before = await finance(m);
    expect(before).toMatchObject({
      payableFen: 80_000,
      depositFen: 0,
      minDepositFen: 50_000,
      depositShortfallFen: 50_000,
      withdrawableFen: 30_000, // the shortfall to the minimum deposit stays in the balance
    });
    const key = idem();
    const top = () =>
      m.req<Finance>(
        'POST',
        '/api/merchant/deposit/topups',
        { amountFen: 50_000 },
        { 'idempotency-key': key },
      );
    const first = await top();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      payableFen: 30_000,
      depositFen: 50_000,
      depositShortfallFen: 0,
      withdrawableFen: 30_000,
    });
    const again = await top(); // a double click: one top-up
    expect(again.status).toBe(201);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.body).toMatchObject({ payableFen: 30_000, depositFen: 50_000 });
    const other = await m.req<Problem>(
      'POST',
      '/api/merchant/deposit/topups',
      { amountFen: 1 },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(422);
    const over = await m.req<Problem>(
      'POST',
      '/api/merchant/deposit/topups',
      { amountFen: 30_001 },
      { 'idempotency-key': idem() },
    );
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('deposit.exceeds_payable');
    expect(over.body.messages['zh-CN']).toContain('¥300.00');
    expect(over.body.messages.en).toContain('¥300.00');
    // The declared figure follows the ledger account.
    const row = await h.db.db
      .selectFrom('merchants')
      .select('deposit_fen')
      .where('id', '=', m.merchantId!)
      .executeTakeFirstOrThrow();
    expect(row.deposit_fen).toBe(50_000);
    expect(await balance('MERCHANT_DEPOSIT', m.merchantId!)).toBe(50_000);
    // Buyers and staff cannot.
    const b = await h.loggedIn({ role: 'buyer' });
    expect(
      (await b.req('POST', '/api/merchant/deposit/topups', { amountFen: 1 }, { 'idempotency-key': idem() }))
        .status,
    ).toBe(403);
    await invariants();
  });
});

describe('withdrawals through the sandbox bank', () => {
  it('takes the money from the payable balance at once, pays it within a minute, masks the account', async () => {
    const m = await merchant(30_000);
    const res = await withdraw(m, 20_000);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ state: 'PROCESSING', amountFen: 20_000, accountMasked: '****7890' });
    expect(res.headers.location).toBe(`/api/merchant/withdrawals/${res.body.id}`);
    expect(await finance(m)).toMatchObject({
      payableFen: 10_000,
      withdrawableFen: 10_000,
      depositFen: 100_000, // withdrawals never touch the deposit
      withdrawals: { inFlightFen: 20_000, inFlightCount: 1, paidFen: 0 },
    });
    h.base.advance(61_000);
    await sweep();
    const paid = (await m.get<Withdrawal>(`/api/merchant/withdrawals/${res.body.id}`)).body;
    expect(paid.state).toBe('PAID');
    expect(await finance(m)).toMatchObject({
      payableFen: 10_000,
      withdrawals: { inFlightFen: 0, inFlightCount: 0, paidFen: 20_000 },
    });
    expect(await ledgerKinds(res.body.id)).toEqual(['WITHDRAWAL', 'WITHDRAWAL_PAID']);
    // The merchant is told.
    const note = await h.db.db
      .selectFrom('notifications')
      .select(['kind', 'title_zh'])
      .where('user_id', '=', m.userId)
      .where('object_id', '=', res.body.id)
      .execute();
    expect(note).toEqual([{ kind: 'WITHDRAWAL_STATUS', title_zh: '提现已到账' }]);
    // The full account number is nowhere: not in answers, the row, the audit log or the logs.
    const digits = NORMAL_ACCOUNT.replace(/\s/g, '');
    const list = await m.get('/api/merchant/withdrawals');
    const admin = await h.loggedIn({ role: 'admin' });
    const all = await admin.get<{ items: Withdrawal[] }>('/api/admin/withdrawals');
    expect(all.body.items.map((w) => w.id)).toContain(res.body.id);
    const row = await h.db.db
      .selectFrom('withdrawals')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    const audit = (await h.db.db.selectFrom('audit_events').select('data').execute()).map((r) => r.data);
    const bankRows = await h.db.db.selectFrom('sandbox_bank_transfers').selectAll().execute();
    for (const text of [
      JSON.stringify(res.body),
      JSON.stringify(list.body),
      JSON.stringify(all.body),
      JSON.stringify({ ...row, account_sealed: row.account_sealed.toString('latin1') }),
      JSON.stringify(bankRows),
      audit.join('\n'),
      h.logs.join('\n'),
    ])
      expect(text).not.toContain(digits);
    await invariants();
  });

  it('refuses more than is available, a shop in debt, a bad account number, no Idempotency-Key', async () => {
    const m = await merchant(10_000);
    const over = await withdraw(m, 10_001);
    expect(over.status).toBe(409);
    const problem = over.body as unknown as Problem;
    expect(problem.code).toBe('withdrawal.exceeds_available');
    expect(problem.messages['zh-CN']).toBe('提现金额 ¥100.01 超过可提现余额 ¥100.00');
    expect(problem.messages.en).toBe(
      'The withdrawal of ¥100.01 is more than the ¥100.00 available to withdraw',
    );
    expect(problem.data).toMatchObject({ availableFen: 10_000 });

    const bad = await withdraw(m, 100, '1234');
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as Problem).code).toBe('withdrawal.account_invalid');
    const noKey = await m.post<Problem>('/api/merchant/withdrawals', {
      amountFen: 100,
      accountName: 'x',
      accountNo: NORMAL_ACCOUNT,
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('order.idempotency_key_required');

    // A refund after settlement beyond balance and deposit left a debt: no withdrawal at all.
    await credit(m.merchantId!, -25_000);
    expect(await finance(m)).toMatchObject({ payableFen: -15_000, debtFen: 15_000, withdrawableFen: 0 });
    const debt = await withdraw(m, 100);
    expect(debt.status).toBe(409);
    expect((debt.body as unknown as Problem).code).toBe('withdrawal.merchant_in_debt');
    expect((debt.body as unknown as Problem).messages['zh-CN']).toContain('¥150.00');
    expect(
      await h.db.db.selectFrom('withdrawals').select('id').where('merchant_id', '=', m.merchantId!).execute(),
    ).toEqual([]);

    // Below the minimum deposit, the shortfall stays in the balance.
    const low = await merchant(60_000, 20_000);
    expect(await finance(low)).toMatchObject({ depositShortfallFen: 30_000, withdrawableFen: 30_000 });
    expect((await withdraw(low, 30_001)).status).toBe(409);
    expect((await withdraw(low, 30_000)).status).toBe(201);
    await invariants();
  });

  it('concurrent withdrawals never overdraw: the payable balance never goes negative', async () => {
    const m = await merchant(50_000);
    const results = await Promise.all(Array.from({ length: 8 }, () => withdraw(m, 10_000)));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(ok).toHaveLength(5);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect((r.body as unknown as Problem).code).toBe('withdrawal.exceeds_available');
    }
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(0);
    // The same key fired twice at once is one withdrawal.
    await credit(m.merchantId!, 5_000);
    const key = idem();
    const twins = await Promise.all([
      withdraw(m, 5_000, NORMAL_ACCOUNT, key),
      withdraw(m, 5_000, NORMAL_ACCOUNT, key),
    ]);
    expect(twins.map((t) => t.status)).toEqual([201, 201]);
    expect(twins[0].body.id).toBe(twins[1].body.id);
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(0);
    await invariants();
    h.base.advance(61_000);
    await sweep();
    expect(await finance(m)).toMatchObject({
      payableFen: 0,
      withdrawals: { inFlightFen: 0, paidFen: 55_000 },
    });
    await invariants();
  });

  it('a failed payout returns the money exactly once, however many failure notices arrive', async () => {
    const m = await merchant(20_000);
    const res = await withdraw(m, 15_000, FAILING);
    expect(res.body.state).toBe('PROCESSING');
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(5_000);
    h.base.advance(61_000);
    await sweep(); // the bank fails it and sends the notice
    const failed = (await m.get<Withdrawal>(`/api/merchant/withdrawals/${res.body.id}`)).body;
    expect(failed).toMatchObject({ state: 'FAILED', failureCode: 'NAME_MISMATCH' });
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(20_000);
    h.base.advance(31_000);
    await sweep(); // the bank's duplicate copy of the failure notice
    const copies = await h.db.db
      .selectFrom('bank_notice_log')
      .select(['outcome'])
      .where('reference', '=', res.body.id)
      .orderBy('received_at')
      .execute();
    expect(copies.map((c) => c.outcome)).toEqual(['APPLIED', 'DUPLICATE']);
    // A replayed (re-signed) copy and a reconciliation query change nothing either.
    const notice = await h.app.kameng.bank!.noticeFor(res.body.id);
    const replay = await h.app.inject({
      method: 'POST',
      url: '/api/finance/bank/notify/sandbox-bank',
      headers: { ...notice!.headers, 'content-type': notice!.contentType },
      payload: notice!.rawBody,
    });
    expect(replay.statusCode).toBe(200);
    h.base.advance(11 * MINUTE);
    await sweep();
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(20_000);
    expect(await ledgerKinds(res.body.id)).toEqual(['WITHDRAWAL', 'WITHDRAWAL_RETURNED']);
    const note = await h.db.db
      .selectFrom('notifications')
      .select('title_zh')
      .where('object_id', '=', res.body.id)
      .execute();
    expect(note).toEqual([{ title_zh: '提现失败，资金已退回' }]);
    // A forged notice (the body changed after signing) is refused and logged.
    const forged = await h.app.inject({
      method: 'POST',
      url: '/api/finance/bank/notify/sandbox-bank',
      headers: { ...notice!.headers, 'content-type': notice!.contentType },
      payload: notice!.rawBody.replace('"FAILED"', '"SUCCESS"'),
    });
    expect(forged.statusCode).toBe(401);
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(20_000);
    await invariants();
  });

  it('a frozen account is refused at once; a slow transfer waits; a lost notice is found by the query', async () => {
    const m = await merchant(30_000);
    const frozen = await withdraw(m, 10_000, FROZEN);
    expect(frozen.status).toBe(201);
    expect(frozen.body).toMatchObject({ state: 'FAILED', failureCode: 'ACCOUNT_FROZEN' });
    expect(await balance('MERCHANT_PAYABLE', m.merchantId!)).toBe(30_000);

    const slow = await withdraw(m, 10_000, SLOW);
    const lost = await withdraw(m, 10_000, LOST_NOTICE);
    h.base.advance(61_000);
    await sweep();
    const state = async (id: string) =>
      (await m.get<Withdrawal>(`/api/merchant/withdrawals/${id}`)).body.state;
    expect(await state(slow.body.id)).toBe('PROCESSING');
    expect(await state(lost.body.id)).toBe('PROCESSING'); // paid at the bank, but nobody said so
    h.base.advance(10 * MINUTE);
    await sweep(); // reconciliation asks the bank
    expect(await state(lost.body.id)).toBe('PAID');
    expect(await state(slow.body.id)).toBe('PROCESSING');
    h.base.advance(2 * HOUR);
    await sweep();
    expect(await state(slow.body.id)).toBe('PAID');
    expect(await finance(m)).toMatchObject({ payableFen: 10_000, withdrawals: { paidFen: 20_000 } });
    await invariants();
  });

  it('a bank that is down: the money waits in transit and the sweeper sends it again under the same key', async () => {
    const m = await merchant(10_000);
    await putSetting(h.db.db, 'sandbox.sandbox-bank', { down: true }, h.ctx.clock.now());
    const res = await withdraw(m, 10_000);
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('REQUESTED');
    await sweep();
    expect((await m.get<Withdrawal>(`/api/merchant/withdrawals/${res.body.id}`)).body.state).toBe(
      'REQUESTED',
    );
    await putSetting(h.db.db, 'sandbox.sandbox-bank', { down: false }, h.ctx.clock.now());
    await sweep();
    h.base.advance(61_000);
    await sweep();
    expect((await m.get<Withdrawal>(`/api/merchant/withdrawals/${res.body.id}`)).body.state).toBe('PAID');
    const transfers = await h.db.db
      .selectFrom('sandbox_bank_transfers')
      .select('id')
      .where('out_transfer_no', '=', res.body.id)
      .execute();
    expect(transfers).toHaveLength(1);
    await invariants();
  });

  it('merchants see only their own withdrawals', async () => {
    const a = await merchant(1_000);
    const b = await merchant(0);
    const w = await withdraw(a, 1_000);
    expect((await b.get(`/api/merchant/withdrawals/${w.body.id}`)).status).toBe(404);
    expect((await b.get<{ items: unknown[] }>('/api/merchant/withdrawals')).body.items).toEqual([]);
    expect((await a.get('/api/admin/withdrawals')).status).toBe(403);
  });
});

describe('a refund after settlement and a withdrawal', () => {
  const policy = {
    unactivatedRefund: true,
    windowHours: 72,
    noReasonRefund: true,
    revealedRefund: true,
    nonRefundable: false,
    nonRefundableText: null,
  };

  it('comes from the deposit once the balance has been withdrawn, and the ledger verifies', async () => {
    const { shop, client: m } = await shopWith(100_000);
    const p = await stocked(h, 1, { policy }, shop);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const bought = await buy(b, p, 1);
    expect(bought.status).toBe(201);
    const orderId = (bought.body as { id: string }).id;
    h.base.advance(8 * 24 * HOUR);
    await sweep(); // settled: the balance holds the price
    expect(await finance(m)).toMatchObject({ payableFen: p.prices.REGULAR, depositFen: 100_000 });
    const w = await withdraw(m, p.prices.REGULAR);
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    h.base.advance(61_000);
    await sweep();
    expect(await finance(m)).toMatchObject({ payableFen: 0, withdrawals: { paidFen: p.prices.REGULAR } });
    // The key turns out bad; past the quality-claim period only 其他 remains, and the merchant agrees.
    const applied = await b.req<{ id: string; version: number }>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'OTHER', description: '卡密无法充值，商家已确认是其问题' },
      { 'idempotency-key': idem() },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const ok = await m.post<{ state: string }>(`/api/refunds/${applied.body.id}/decision`, {
      action: 'APPROVE',
      version: applied.body.version,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.state).toBe('REFUNDED');
    expect(await finance(m)).toMatchObject({
      payableFen: 0,
      debtFen: 0,
      depositFen: 100_000 - p.prices.REGULAR,
      sales: { orders: 0, units: 0, amountFen: 0 },
    });
    expect(await balance('MERCHANT_DEPOSIT', shop.merchantId)).toBe(100_000 - p.prices.REGULAR);
    await invariants();
  });
});

describe('finance figures net of refunds', () => {
  it('equal the hand-computed fixture before and after settlement and a refund after it', async () => {
    const { shop, client: m } = await shopWith(100_000);
    await h.db.db
      .updateTable('merchants')
      .set({ commission_bp: 500 })
      .where('id', '=', shop.merchantId)
      .execute();
    const p = await stocked(h, 10, {}, shop); // REGULAR price 9850, window 24 h
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const order = async (qty: number) => {
      const res = await buy(b, p, qty);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return (
        await b.get<{ id: string; units: { unitId: string }[] }>(
          `/api/orders/${(res.body as { id: string }).id}`,
        )
      ).body;
    };
    const refund = async (o: { id: string }, body: Record<string, unknown>) => {
      const res = await b.req<{ id: string; state: string; version: number }>(
        'POST',
        `/api/orders/${o.id}/refunds`,
        { description: '买错了', ...body },
        { 'idempotency-key': idem() },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    };
    const A = await order(2); // 19,700: one of its two keys refunded
    const B = await order(1); // 9,850: refunded in full
    const C = await order(3); // 29,550: kept
    expect((await refund(A, { reason: 'MISTAKEN_PURCHASE', unitIds: [A.units[0].unitId] })).state).toBe(
      'REFUNDED',
    );
    expect((await refund(B, { reason: 'MISTAKEN_PURCHASE' })).state).toBe('REFUNDED');

    // By hand: gross 19,700 + 9,850 + 29,550 = 59,100; refunded 9,850 + 9,850 = 19,700.
    expect(await finance(m)).toMatchObject({
      escrowFen: 19_700 - 9_850 + 29_550, // 39,400
      payableFen: 0,
      sales: { orders: 2, units: 4, grossFen: 59_100, refundedFen: 19_700, amountFen: 39_400 },
      settlements: [],
    });

    h.base.advance(8 * 24 * HOUR);
    await sweep();
    // Settled at 5 %: A 9,850 − 492 = 9,358; C 29,550 − 1,477 = 28,073.
    const settled = await finance(m);
    expect(settled).toMatchObject({
      escrowFen: 0,
      payableFen: 9_358 + 28_073,
      sales: { orders: 2, units: 4, grossFen: 59_100, refundedFen: 19_700, amountFen: 39_400 },
    });
    const byOrder = Object.fromEntries(settled.settlements.map((s) => [s.orderId, s]));
    expect(byOrder[A.id]).toMatchObject({
      orderTotalFen: 19_700,
      amountFen: 9_850,
      commissionFen: 492,
      netFen: 9_358,
    });
    expect(byOrder[C.id]).toMatchObject({
      orderTotalFen: 29_550,
      amountFen: 29_550,
      commissionFen: 1_477,
      netFen: 28_073,
    });
    expect(byOrder[B.id]).toBeUndefined(); // fully refunded before settlement: nothing to settle

    // One unit of C refunded after settlement (support-approved 其他): the platform returns
    // floor(1,477 × 9,850 / 29,550) = 492 of its commission, the shop 9,850 − 492 = 9,358.
    const r = await refund(C, {
      reason: 'OTHER',
      unitIds: [C.units[0].unitId],
      description: '卡密无效，无法充值',
    });
    const approved = await m.post<{ state: string }>(`/api/refunds/${r.id}/decision`, {
      action: 'APPROVE',
      version: r.version,
    });
    expect(approved.body.state).toBe('REFUNDED');
    expect(await finance(m)).toMatchObject({
      escrowFen: 0,
      payableFen: 9_358 + 28_073 - 9_358,
      sales: { orders: 2, units: 3, grossFen: 59_100, refundedFen: 29_550, amountFen: 29_550 },
    });
    await invariants();
  });
});
