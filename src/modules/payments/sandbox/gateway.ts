/**
 * The sandbox gateway engine: what "WeChat Pay" / "Alipay" themselves do with Kameng's requests.
 * Its own tables (sandbox_gateway_*) are the provider's records; Kameng sees them only through the
 * PaymentGateway interface and the signed notifications that `tick` delivers. One instance per
 * provider; the wire format (wechat.ts / alipay.ts) is the only difference between the two.
 *
 * Failure injection: per payer (payers.ts) and per provider (settings `sandbox.<provider>`: a
 * "gateway down" switch and a notification delay).
 */
import type { Clock } from '../../../platform/clock.js';
import { loadCalendar } from '../../../platform/calendar-store.js';
import type { WorkingDayCalendar } from '../../../platform/calendar.js';
import { engineOf, forUpdate, now, type Db } from '../../../platform/db/dialect.js';
import { fail } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { putSetting } from '../../../platform/settings.js';
import type { KeyVault } from '../../../platform/vault.js';
import type {
  CreatedPayment,
  CreatePaymentInput,
  CreateRefundInput,
  GatewayMethod,
  IncomingNotification,
  NotificationAck,
  PaymentGateway,
  PaymentNotice,
  PaymentStatus,
  Provider,
  RefundNotice,
  RefundStatus,
} from '../gateway.js';
import { alipayWire } from './alipay.js';
import { loadGatewayKeys, type GatewayKeys } from './credentials.js';
import {
  completeAt,
  expectedArrival,
  findPayer,
  LATE_ARRIVAL_MS,
  type RefundOutcome,
  type TestPayer,
} from './payers.js';
import { wechatWire } from './wechat.js';
import {
  deliverDue,
  emptyTickReport,
  queueNotification,
  readSettings,
  settingKey,
  type Deliver,
  type SandboxSettings,
  type TickReport,
} from './outbox.js';
import type { PaymentRow, RefundRow, Wire } from './wire.js';
import { unitOfWork } from '../../../platform/unit-of-work.js';

export interface SandboxDeps {
  db: Db;
  clock: Clock;
  vault: KeyVault;
  /** Kameng's public base URL; the pay page lives at `${publicUrl}/sandbox/pay/:id`. */
  publicUrl: string;
  deliver: Deliver;
}

/** What the pay page shows (the sandbox's own view of one payment). */
export interface SandboxPaymentView {
  id: string;
  provider: Provider;
  method: GatewayMethod;
  outTradeNo: string;
  amountFen: number;
  description: string;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED';
  /** NOTPAY and not yet expired. */
  payable: boolean;
  expiresAt: Date;
  paidAt: Date | null;
  payerId: string | null;
}

const BATCH = 100;

const isOutcome = (v: string): v is RefundOutcome => v === 'SUCCESS' || v === 'ABNORMAL' || v === 'CLOSED';

export class SandboxGateway implements PaymentGateway {
  readonly method: GatewayMethod;
  private readonly wire: Wire;

  constructor(
    readonly provider: Provider,
    private readonly deps: SandboxDeps,
    keys: GatewayKeys,
  ) {
    this.wire = provider === 'sandbox-wechat' ? wechatWire(keys) : alipayWire(keys);
    this.method = this.wire.method;
  }

  /** Loads (or on first use creates) the provider's keys and returns its gateway. */
  static async open(provider: Provider, deps: SandboxDeps): Promise<SandboxGateway> {
    return new SandboxGateway(provider, deps, await loadGatewayKeys(deps, provider, deps.clock.now()));
  }

  private get db(): Db {
    return this.deps.db;
  }

  // ---- provider-wide failure injection -------------------------------------------------------

  settings(db: Db = this.db): Promise<SandboxSettings> {
    return readSettings(db, this.provider);
  }

  async updateSettings(patch: Partial<SandboxSettings>, db: Db = this.db): Promise<SandboxSettings> {
    const next = { ...(await this.settings(db)), ...patch };
    await putSetting(db, settingKey(this.provider), next, this.deps.clock.now());
    return next;
  }

  private async assertUp(): Promise<void> {
    if ((await this.settings()).down) fail('payment.gateway_unavailable');
  }

  // ---- PaymentGateway: payments ----------------------------------------------------------------

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    await this.assertUp();
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) fail('request.invalid');
    const at = this.deps.clock.now();
    const row = await unitOfWork({ db: this.db }, async (trx) => {
      // Insert-if-absent on (provider, out_trade_no): a retry, even a concurrent one, finds the first.
      await trx
        .insertInto('sandbox_gateway_payments')
        .values({
          id: newId(), // also the transaction_id / trade_no, and the unguessable pay-page id
          provider: this.provider,
          out_trade_no: input.outTradeNo,
          amount_fen: input.amountFen,
          description: input.description,
          state: 'NOTPAY',
          payer_id: null,
          refunded_fen: 0,
          expires_at: now(input.expiresAt),
          paid_at: null,
          created_at: now(at),
          updated_at: now(at),
        })
        .onConflict((oc) => oc.columns(['provider', 'out_trade_no']).doNothing())
        .execute();
      return this.paymentByOutTradeNo(trx, input.outTradeNo);
    });
    // Like WeChat's OUT_TRADE_NO_USED: the same number with different terms is a different order.
    if (!row || row.amount_fen !== input.amountFen) fail('request.duplicate');
    return { payUrl: `${this.deps.publicUrl.replace(/\/+$/, '')}/sandbox/pay/${row.id}` };
  }

  async queryPayment(outTradeNo: string): Promise<PaymentStatus | null> {
    await this.assertUp();
    const row = await this.paymentByOutTradeNo(this.db, outTradeNo);
    if (!row) return null;
    return {
      outTradeNo: row.out_trade_no,
      state: row.state,
      amountFen: row.amount_fen,
      currency: 'CNY',
      providerTradeNo: row.state === 'SUCCESS' ? row.id : null,
      paidAt: row.paid_at ? new Date(row.paid_at) : null,
      // A late payer's money is not in until it lands: the trade has no payer before then.
      payerRef: row.state === 'SUCCESS' ? (this.payerOf(row)?.payerRef ?? null) : null,
    };
  }

  async closePayment(outTradeNo: string): Promise<void> {
    await this.assertUp();
    const at = this.deps.clock.now();
    await unitOfWork({ db: this.db }, async (trx) => {
      const row = await this.paymentByOutTradeNo(trx, outTradeNo, true);
      if (!row) fail('sandbox.payment_not_found');
      // WeChat answers ORDERPAID: a paid trade is refunded, never closed.
      if (row.state === 'SUCCESS') fail('sandbox.payment_not_payable');
      if (row.state === 'CLOSED') return; // closing twice is fine
      await this.close(trx, row, at);
    });
  }

  // ---- PaymentGateway: notifications -----------------------------------------------------------

  verifyNotification(input: IncomingNotification): PaymentNotice | RefundNotice {
    return this.wire.verify(input.headers, input.rawBody, this.deps.clock.now());
  }

  ack(ok: boolean): NotificationAck {
    return this.wire.ack(ok);
  }

  // ---- PaymentGateway: refunds -----------------------------------------------------------------

  async createRefund(input: CreateRefundInput): Promise<RefundStatus> {
    await this.assertUp();
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) fail('request.invalid');
    const at = this.deps.clock.now();
    const calendar = await loadCalendar(this.db);
    const { refund, payment } = await unitOfWork({ db: this.db }, async (trx) => {
      // The payment row lock serialises refunds of one trade, so two can never both fit the balance.
      const payment =
        (await this.paymentByOutTradeNo(trx, input.outTradeNo, true)) ?? fail('sandbox.payment_not_found');
      const existing = await trx
        .selectFrom('sandbox_gateway_refunds')
        .selectAll()
        .where('provider', '=', this.provider)
        .where('out_refund_no', '=', input.outRefundNo)
        .executeTakeFirst();
      if (existing) {
        // Same out_refund_no, same request: the same refund, in whatever state it has reached.
        if (existing.payment_id !== payment.id || existing.amount_fen !== input.amountFen)
          fail('request.duplicate');
        return { refund: existing, payment };
      }
      if (payment.state !== 'SUCCESS') fail('sandbox.payment_not_paid');
      // WeChat checks the original amount it is told against its own; Alipay ignores it.
      if (this.method === 'WECHAT' && input.totalFen !== payment.amount_fen) fail('request.invalid');
      // refunded_fen counts PROCESSING and SUCCESS refunds; ABNORMAL/CLOSED give their amount back.
      const refundable = payment.amount_fen - payment.refunded_fen;
      if (input.amountFen > refundable) fail('sandbox.refund_exceeds', { params: { refundable } });
      const payer = this.payerOf(payment) ?? fail('sandbox.unknown_payer');
      const row: RefundRow = {
        id: newId(),
        provider: this.provider,
        out_refund_no: input.outRefundNo,
        payment_id: payment.id,
        amount_fen: input.amountFen,
        state: 'PROCESSING',
        destination: payer.destination,
        outcome: payer.refundOutcome,
        complete_at: now(completeAt(payer, at, calendar)),
        created_at: now(at),
        updated_at: now(at),
        finished_at: null,
      };
      await trx.insertInto('sandbox_gateway_refunds').values(row).execute();
      await trx
        .updateTable('sandbox_gateway_payments')
        .set((eb) => ({ refunded_fen: eb('refunded_fen', '+', input.amountFen), updated_at: now(at) }))
        .where('id', '=', payment.id)
        .execute();
      return { refund: row, payment };
    });
    return this.refundStatus(refund, payment, calendar);
  }

  async queryRefund(outRefundNo: string): Promise<RefundStatus | null> {
    await this.assertUp();
    const refund = await this.db
      .selectFrom('sandbox_gateway_refunds')
      .selectAll()
      .where('provider', '=', this.provider)
      .where('out_refund_no', '=', outRefundNo)
      .executeTakeFirst();
    if (!refund) return null;
    const payment = await this.paymentById(this.db, refund.payment_id);
    if (!payment) return null;
    return this.refundStatus(refund, payment, await loadCalendar(this.db));
  }

  // ---- the cashier (pay page) ------------------------------------------------------------------

  async paymentView(paymentId: string): Promise<SandboxPaymentView> {
    await this.assertUp();
    const row = (await this.paymentById(this.db, paymentId)) ?? fail('sandbox.payment_not_found');
    return this.view(row, this.deps.clock.now());
  }

  /**
   * The payer confirms on the pay page: NOTPAY and unexpired → SUCCESS, and a notification is
   * queued. A late payer's money is only on its way: the trade stays NOTPAY with its payer set, and
   * lands after the trade's expiry (`landLatePayments`).
   */
  async pay(paymentId: string, payerId: string): Promise<SandboxPaymentView> {
    await this.assertUp();
    const payer = findPayer(this.provider, payerId) ?? fail('sandbox.unknown_payer');
    const at = this.deps.clock.now();
    const paid = await unitOfWork({ db: this.db }, async (trx) => {
      const row = (await this.paymentById(trx, paymentId, true)) ?? fail('sandbox.payment_not_found');
      if (!this.payable(row, at)) fail('sandbox.payment_not_payable');
      if (payer.arrivesLate) {
        const next: PaymentRow = { ...row, payer_id: payer.id, updated_at: now(at) };
        await trx
          .updateTable('sandbox_gateway_payments')
          .set({ payer_id: next.payer_id, updated_at: next.updated_at })
          .where('id', '=', row.id)
          .execute();
        return next;
      }
      const next: PaymentRow = {
        ...row,
        state: 'SUCCESS',
        payer_id: payer.id,
        paid_at: now(at),
        updated_at: now(at),
      };
      await trx
        .updateTable('sandbox_gateway_payments')
        .set({
          state: next.state,
          payer_id: next.payer_id,
          paid_at: next.paid_at,
          updated_at: next.updated_at,
        })
        .where('id', '=', row.id)
        .execute();
      await this.queue(trx, 'PAYMENT', row.id, payer, at);
      return next;
    });
    return this.view(paid, at);
  }

  // ---- time passing ----------------------------------------------------------------------------

  /**
   * Runs everything due at `at`: finishes refunds whose time has come (per the payer's outcome),
   * closes expired trades (Alipay), then delivers due notifications. Refunds keep progressing while
   * the gateway is "down"; only deliveries stop.
   */
  async tick(at: Date = this.deps.clock.now()): Promise<TickReport> {
    const report = emptyTickReport();
    report.refundsFinished = await this.finishDueRefunds(at);
    report.latePaymentsLanded = await this.landLatePayments(at);
    if (this.wire.closesExpiredTrades) report.paymentsClosed = await this.closeExpired(at);
    if (!(await this.settings()).down) {
      await deliverDue(
        { db: this.db, provider: this.provider, wire: this.wire, deliver: this.deps.deliver },
        at,
        report,
      );
    }
    return report;
  }

  private async finishDueRefunds(at: Date): Promise<number> {
    const due = await this.db
      .selectFrom('sandbox_gateway_refunds')
      .select('id')
      .where('provider', '=', this.provider)
      .where('state', '=', 'PROCESSING')
      .where('complete_at', '<=', now(at))
      .orderBy('complete_at')
      .limit(BATCH)
      .execute();
    let finished = 0;
    for (const { id } of due) {
      const done = await unitOfWork({ db: this.db }, async (trx) => {
        const refund = await forUpdate(
          trx
            .selectFrom('sandbox_gateway_refunds')
            .selectAll()
            .where('id', '=', id)
            .where('state', '=', 'PROCESSING'),
          engineOf(trx),
        ).executeTakeFirst();
        if (!refund) return false; // another sweeper got there first
        const outcome = isOutcome(refund.outcome) ? refund.outcome : 'SUCCESS';
        await trx
          .updateTable('sandbox_gateway_refunds')
          .set({ state: outcome, finished_at: refund.complete_at, updated_at: now(at) })
          .where('id', '=', id)
          .execute();
        const payment = await this.paymentById(trx, refund.payment_id, true);
        if (outcome !== 'SUCCESS') {
          // Nothing was paid out: the amount is refundable again.
          await trx
            .updateTable('sandbox_gateway_payments')
            .set((eb) => ({ refunded_fen: eb('refunded_fen', '-', refund.amount_fen), updated_at: now(at) }))
            .where('id', '=', refund.payment_id)
            .execute();
        }
        await this.queue(trx, 'REFUND', id, payment ? this.payerOf(payment) : undefined, at);
        return true;
      });
      if (done) finished++;
    }
    return finished;
  }

  /**
   * A late payer's money lands LATE_ARRIVAL_MS after the trade's expiry, whether or not Kameng
   * closed the trade meanwhile (its close did not stop the debit): SUCCESS, and the payment
   * notification is queued — signed and delivered like any other.
   */
  private async landLatePayments(at: Date): Promise<number> {
    const due = await this.db
      .selectFrom('sandbox_gateway_payments')
      .select(['id', 'payer_id'])
      .where('provider', '=', this.provider)
      .where('state', 'in', ['NOTPAY', 'CLOSED'])
      .where('payer_id', 'is not', null)
      .where('expires_at', '<=', now(new Date(at.getTime() - LATE_ARRIVAL_MS)))
      .orderBy('expires_at')
      .limit(BATCH)
      .execute();
    let landed = 0;
    for (const { id } of due) {
      const done = await unitOfWork({ db: this.db }, async (trx) => {
        const row = await this.paymentById(trx, id, true);
        if (!row || row.state === 'SUCCESS') return false; // another sweeper got there first
        const payer = this.payerOf(row);
        if (!payer?.arrivesLate) return false;
        const landsAt = new Date(new Date(row.expires_at).getTime() + LATE_ARRIVAL_MS);
        await trx
          .updateTable('sandbox_gateway_payments')
          .set({ state: 'SUCCESS', paid_at: now(landsAt), updated_at: now(at) })
          .where('id', '=', id)
          .execute();
        await this.queue(trx, 'PAYMENT', id, payer, at);
        return true;
      });
      if (done) landed++;
    }
    return landed;
  }

  private async closeExpired(at: Date): Promise<number> {
    const due = await this.db
      .selectFrom('sandbox_gateway_payments')
      .select('id')
      .where('provider', '=', this.provider)
      .where('state', '=', 'NOTPAY')
      .where('expires_at', '<=', now(at))
      .limit(BATCH)
      .execute();
    let closed = 0;
    for (const { id } of due) {
      const done = await unitOfWork({ db: this.db }, async (trx) => {
        const row = await this.paymentById(trx, id, true);
        if (row?.state !== 'NOTPAY') return false;
        await this.close(trx, row, at);
        return true;
      });
      if (done) closed++;
    }
    return closed;
  }

  private async close(trx: Db, row: PaymentRow, at: Date): Promise<void> {
    await trx
      .updateTable('sandbox_gateway_payments')
      .set({ state: 'CLOSED', updated_at: now(at) })
      .where('id', '=', row.id)
      .execute();
    if (this.wire.notifiesClosedTrades) await this.queue(trx, 'PAYMENT', row.id, undefined, at);
  }

  private queue(
    trx: Db,
    kind: 'PAYMENT' | 'REFUND',
    targetId: string,
    payer: TestPayer | undefined,
    at: Date,
  ): Promise<void> {
    return queueNotification(trx, this.provider, kind, targetId, payer, at);
  }

  // ---- reading ---------------------------------------------------------------------------------

  private paymentByOutTradeNo(db: Db, outTradeNo: string, lock = false): Promise<PaymentRow | undefined> {
    const q = db
      .selectFrom('sandbox_gateway_payments')
      .selectAll()
      .where('provider', '=', this.provider)
      .where('out_trade_no', '=', outTradeNo);
    return (lock ? forUpdate(q, engineOf(db)) : q).executeTakeFirst();
  }

  private paymentById(db: Db, id: string, lock = false): Promise<PaymentRow | undefined> {
    const q = db
      .selectFrom('sandbox_gateway_payments')
      .selectAll()
      .where('provider', '=', this.provider)
      .where('id', '=', id);
    return (lock ? forUpdate(q, engineOf(db)) : q).executeTakeFirst();
  }

  /** NOTPAY, unexpired, and no late payer's money already on its way. */
  private payable(row: PaymentRow, at: Date): boolean {
    return row.state === 'NOTPAY' && row.payer_id === null && at < new Date(row.expires_at);
  }

  private payerOf(row: PaymentRow): TestPayer | undefined {
    return row.payer_id === null ? undefined : findPayer(this.provider, row.payer_id);
  }

  private view(row: PaymentRow, at: Date): SandboxPaymentView {
    const expiresAt = new Date(row.expires_at);
    return {
      id: row.id,
      provider: this.provider,
      method: this.method,
      outTradeNo: row.out_trade_no,
      amountFen: row.amount_fen,
      description: row.description,
      state: row.state,
      payable: this.payable(row, at),
      expiresAt,
      paidAt: row.paid_at ? new Date(row.paid_at) : null,
      payerId: row.payer_id,
    };
  }

  private refundStatus(r: RefundRow, p: PaymentRow, calendar: WorkingDayCalendar): RefundStatus {
    const payer = this.payerOf(p);
    const arrives = r.state === 'PROCESSING' || r.state === 'SUCCESS';
    return {
      outRefundNo: r.out_refund_no,
      providerRefundId: r.id,
      state: r.state,
      amountFen: r.amount_fen,
      destination: r.destination,
      expectedArrivalAt: arrives && payer ? expectedArrival(payer, new Date(r.created_at), calendar) : null,
      finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    };
  }
}
