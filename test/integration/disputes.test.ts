/**
 * Stage 6 disputes over HTTP on a real database (SQLite, and PostgreSQL when configured): a
 * rejected buyer escalates, both parties submit once, the arbitrator decides with a rationale and
 * the decision executes itself and is final — for the buyer (refund, violation, deposit paid to
 * the buyer), for the merchant (closure), unit by unit; missed evidence deadlines; support alerts
 * before a decision is missed; suspension past the points threshold and reinstatement; the
 * merchant's public record against hand-computed figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { shanghaiDate } from '../../src/platform/calendar.js';
import { loadCalendar } from '../../src/platform/calendar-store.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { refs } from '../helpers/evidence.js';
import { disputed, merchantOf, submitBoth, UNACTIVATED_REFUND } from '../helpers/disputes.js';
import { cardLines, importLines } from '../helpers/inventory.js';
import { buy, fund, idem, stocked, walletBalance, type Stocked } from '../helpers/orders.js';

let h: Harness;
let arbitrator: Client;
let admin: Client;
beforeAll(async () => {
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
  arbitrator = await h.loggedIn({ role: 'arbitrator' });
  admin = await h.loggedIn({ role: 'admin' });
});
afterAll(() => h.close());

const DAY = 24 * 3_600_000;

type Request = { id: string; state: string; version: number; amountFen: number; actions: string[] };
type Dispute = {
  id: string;
  disputeNo: string;
  state: 'EVIDENCE' | 'ARBITRATION' | 'DECIDED';
  version: number;
  claimFen: number;
  refundFen: number | null;
  outcome: string | null;
  rationale: string | null;
  evidenceDueAt: string;
  decisionDueAt: string | null;
  buyerMissedEvidence: boolean;
  merchantMissedEvidence: boolean;
  units: { unitId: string; amountFen: number; outcome: string | null }[];
  statements: { party: string; state: string; text: string; version: number; files: { sha256: string }[] }[];
  findings: { code: string; merchantFault: boolean; zh: string; sources: string[] }[];
  request: { state: string; evidence: { source: string }[] };
  actions: string[];
  viewer: string;
};
type MerchantRecord = {
  status: string;
  unitsDelivered: number;
  unitsRefunded: number;
  refundRateBp: number | null;
  reviewsDecided: number;
  medianReviewHours: number | null;
  reviewsWithin24hBp: number | null;
  disputes: { won: number; lost: number; partly: number; open: number };
  creditScore: number;
  depositFen: number;
  violations: { kind: string; points: number; depositFen: number }[];
};

async function sweep() {
  for (let i = 0; i < 50 && (await h.app.kameng.sweep()).fired > 0; i++);
}
const setDeposit = (p: Stocked, fen: number) =>
  h.db.db.updateTable('merchants').set({ deposit_fen: fen }).where('id', '=', p.shop.merchantId).execute();

const view = async (c: Client, id: string) => (await c.get<Dispute>(`/api/disputes/${id}`)).body;

async function invariants() {
  expect((await verifyLedger(h.db.db)).ok).toBe(true);
  expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
}

describe('a dispute from escalation to a final decision', () => {
  it('escalating opens the case with each party’s evidence deadline; strangers see nothing', async () => {
    const { b, m, id, requestId } = await disputed(h);
    const d = await view(b, id);
    expect(d.state).toBe('EVIDENCE');
    expect(d.viewer).toBe('BUYER');
    expect(d.claimFen).toBeGreaterThan(0);
    expect(Date.parse(d.evidenceDueAt)).toBeGreaterThan(h.base.now().getTime());
    // the buyer's escalation note starts its draft; the merchant's statement does not exist yet
    expect(d.statements).toEqual([
      expect.objectContaining({ party: 'BUYER', state: 'DRAFT', text: '卡密无效，商家拒绝无理' }),
    ]);
    expect(d.actions).toEqual(['SAVE_STATEMENT', 'SUBMIT_STATEMENT']);
    expect((await view(m, id)).statements).toEqual([]); // a draft is its party's own
    expect((await m.get<Request>(`/api/refunds/${requestId}`)).body.state).toBe('DISPUTED');
    const stranger = await h.loggedIn({ role: 'buyer' });
    expect((await stranger.get(`/api/disputes/${id}`)).status).toBe(404);
    // not decidable while evidence is open
    const early = await arbitrator.post<{ code: string }>(`/api/disputes/${id}/decision`, {
      version: d.version,
      outcome: 'BUYER',
      rationale: '证据期尚未结束的裁决',
      confirmFinal: true,
    });
    expect(early.body.code).toBe('dispute.not_in_arbitration');
  });

  it('buyer wins: refund executes, a violation with its deposit compensation, and the decision is final', async () => {
    const c = await disputed(h);
    await setDeposit(c.p, 20_000);
    await submitBoth(c);
    const start = await walletBalance(h, c.b.userId);
    const staff = await view(arbitrator, c.id);
    expect(staff.state).toBe('ARBITRATION');
    expect(staff.viewer).toBe('STAFF');
    expect(staff.decisionDueAt).not.toBeNull();
    expect(staff.buyerMissedEvidence || staff.merchantMissedEvidence).toBe(false);
    expect(staff.statements.map((s) => s.state)).toEqual(['SUBMITTED', 'SUBMITTED']);
    // the buyer's submitted file joined the request's evidence
    expect(staff.request.evidence.some((e) => e.source === 'BUYER')).toBe(true);
    // findings from the records: the rejection the records contradicted
    const contradicted = staff.findings.find((f) => f.merchantFault);
    expect(contradicted, JSON.stringify(staff.findings)).toBeDefined();
    // a party may not decide, the confirmation is required, the rationale too
    expect(
      (
        await c.b.post(`/api/disputes/${c.id}/decision`, {
          version: staff.version,
          outcome: 'BUYER',
          rationale: '我是买家，我自己裁决支持自己。',
          confirmFinal: true,
        })
      ).status,
    ).toBe(403);
    const unconfirmed = await arbitrator.post<{ code: string }>(`/api/disputes/${c.id}/decision`, {
      version: staff.version,
      outcome: 'BUYER',
      rationale: '记录显示卡密未激活，拒绝理由不成立。',
      confirmFinal: false,
    });
    expect(unconfirmed.body.code).toBe('dispute.confirmation_required');
    const done = await arbitrator.post<Dispute>(`/api/disputes/${c.id}/decision`, {
      version: staff.version,
      outcome: 'BUYER',
      rationale: '记录显示卡密未激活，商家以“已激活”为由拒绝与记录矛盾，支持买家。',
      confirmFinal: true,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.state).toBe('DECIDED');
    expect(done.body.refundFen).toBe(done.body.claimFen);
    expect(done.body.units.every((u) => u.outcome === 'REFUND')).toBe(true);
    await sweep();
    const req = await c.b.get<Request>(`/api/refunds/${c.requestId}`);
    expect(req.body.state).toBe('REFUNDED');
    // the refund, plus the deposit deduction paid to the buyer as compensation (default rule ¥10.00)
    const violations = await h.db.db
      .selectFrom('merchant_violations')
      .selectAll()
      .where('dispute_id', '=', c.id)
      .execute();
    expect(violations.map((v) => v.kind)).toContain('UNJUSTIFIED_REFUSAL');
    const compensation = violations.reduce((s, v) => s + Number(v.deposit_fen), 0);
    expect(compensation).toBeGreaterThan(0);
    expect(await walletBalance(h, c.b.userId)).toBe(start + done.body.claimFen + compensation);
    // the parties read the decision, its rationale and the findings it rested on
    const seen = await view(c.b, c.id);
    expect(seen.rationale).toContain('支持买家');
    expect(seen.findings.length).toBeGreaterThan(0);
    // final: by anyone, through the API and in the database itself
    const again = await arbitrator.post<{ code: string }>(`/api/disputes/${c.id}/decision`, {
      version: done.body.version,
      outcome: 'MERCHANT',
      rationale: '改判为支持商家（不应被允许）',
      confirmFinal: true,
    });
    expect(again.body.code).toBe('dispute.final');
    await expect(
      h.db.db.updateTable('disputes').set({ outcome: 'MERCHANT' }).where('id', '=', c.id).execute(),
    ).rejects.toThrow(/final/);
    await expect(
      h.db.db
        .updateTable('dispute_units')
        .set({ outcome: 'NO_REFUND' })
        .where('dispute_id', '=', c.id)
        .execute(),
    ).rejects.toThrow(/final/);
    await expect(h.db.db.deleteFrom('disputes').where('id', '=', c.id).execute()).rejects.toThrow(/final/);
    await expect(
      h.db.db
        .updateTable('dispute_statements')
        .set({ text: '改过的陈述' })
        .where('dispute_id', '=', c.id)
        .execute(),
    ).rejects.toThrow(/final/);
    await invariants();
  });

  it('a submitted statement never changes; nobody submits: the deadline starts arbitration and records who missed it', async () => {
    const c = await disputed(h);
    const d = await view(c.b, c.id);
    const bs = d.statements[0];
    expect((await c.b.post(`/api/disputes/${c.id}/statement/submit`, { version: bs.version })).status).toBe(
      204,
    );
    const edit = await c.b.req<{ code: string }>('PUT', `/api/disputes/${c.id}/statement`, {
      text: '再改一下',
      files: [],
      version: bs.version + 1,
    });
    expect(edit.body.code).toBe('dispute.evidence_closed');
    // inside the last stretch before the evidence deadline: a reminder to the side that has not submitted
    const reminders = () =>
      h.db.db
        .selectFrom('notifications')
        .select('user_id')
        .where('object_id', '=', c.id)
        .where('kind', '=', 'DEADLINE_APPROACHING')
        .execute();
    h.base.advance(Date.parse(d.evidenceDueAt) - h.base.now().getTime() - 3_600_000);
    await sweep();
    const told = (await reminders()).map((n) => n.user_id);
    expect(told).toContain(c.p.shop.userId);
    expect(told).not.toContain(c.b.userId);
    h.base.advance(10 * DAY);
    await sweep();
    expect(await reminders()).toHaveLength(told.length); // once
    const after = await view(arbitrator, c.id);
    expect(after.state).toBe('ARBITRATION');
    expect(after.buyerMissedEvidence).toBe(false);
    expect(after.merchantMissedEvidence).toBe(true);
    expect(after.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/MISSED|DEADLINE/)]),
    );
    // the merchant can no longer write
    const late = await c.m.req<{ code: string }>('PUT', `/api/disputes/${c.id}/statement`, {
      text: '迟到的陈述',
      files: [],
      version: 0,
    });
    expect(late.body.code).toBe('dispute.evidence_closed');
    // merchant wins: the request closes, nothing is refunded, no violation
    const done = await arbitrator.post<Dispute>(`/api/disputes/${c.id}/decision`, {
      version: after.version,
      outcome: 'MERCHANT',
      rationale: '买家未能提供卡密无效的证据，维持商家决定。',
      confirmFinal: true,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.refundFen).toBe(0);
    expect((await c.b.get<Request>(`/api/refunds/${c.requestId}`)).body.state).toBe('CLOSED');
    // final: the units the decision kept are never offered for a refund again
    const pre = await c.b.post<{ units: { outcome: string; codes: string[] }[] }>(
      `/api/orders/${c.orderId}/refund-precheck`,
      { reason: 'MISTAKEN_PURCHASE' },
    );
    expect(pre.body.units.map((u) => [u.outcome, u.codes])).toEqual([
      ['BLOCKED', ['ARBITRATION_FINAL']],
      ['BLOCKED', ['ARBITRATION_FINAL']],
    ]);
    const again = await c.b.req(
      'POST',
      `/api/orders/${c.orderId}/refunds`,
      { reason: 'MISTAKEN_PURCHASE', description: '再申请一次' },
      { 'idempotency-key': idem() },
    );
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(
      await h.db.db
        .selectFrom('units')
        .select('id')
        .where('order_id', '=', c.orderId)
        .where('refunded_at', 'is not', null)
        .execute(),
    ).toEqual([]);
    expect(
      await h.db.db.selectFrom('merchant_violations').select('id').where('dispute_id', '=', c.id).execute(),
    ).toEqual([]);
    await invariants();
  });

  it('unit by unit: every unit named, one refunded, one kept', async () => {
    const c = await disputed(h);
    await submitBoth(c);
    const d = await view(arbitrator, c.id);
    const [u1, u2] = d.units;
    const partial = await arbitrator.post<{ code: string }>(`/api/disputes/${c.id}/decision`, {
      version: d.version,
      outcome: 'SPLIT',
      units: [{ unitId: u1.unitId, refund: true }],
      rationale: '仅第一张卡密有无效记录。',
      confirmFinal: true,
    });
    expect(partial.body.code).toBe('dispute.units_required');
    const all = await arbitrator.post<{ code: string }>(`/api/disputes/${c.id}/decision`, {
      version: d.version,
      outcome: 'SPLIT',
      units: [
        { unitId: u1.unitId, refund: true },
        { unitId: u2.unitId, refund: true },
      ],
      rationale: '两张卡密都退款的“部分支持”。',
      confirmFinal: true,
    });
    expect(all.body.code).toBe('dispute.split_not_split');
    const done = await arbitrator.post<Dispute>(`/api/disputes/${c.id}/decision`, {
      version: d.version,
      outcome: 'SPLIT',
      units: [
        { unitId: u1.unitId, refund: true },
        { unitId: u2.unitId, refund: false },
      ],
      rationale: '仅第一张卡密有无效记录，第二张不予退款。',
      confirmFinal: true,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.refundFen).toBe(u1.amountFen);
    expect(done.body.units.map((u) => u.outcome)).toEqual(['REFUND', 'NO_REFUND']);
    await sweep();
    const units = await h.db.db
      .selectFrom('units')
      .select(['id', 'refunded_at'])
      .where('order_id', '=', c.orderId)
      .orderBy('id')
      .execute();
    expect(units.find((u) => u.id === u1.unitId)?.refunded_at).not.toBeNull();
    expect(units.find((u) => u.id === u2.unitId)?.refunded_at).toBeNull();
    const pre = await c.b.post<{ units: { unitId: string; codes: string[] }[] }>(
      `/api/orders/${c.orderId}/refund-precheck`,
      { reason: 'MISTAKEN_PURCHASE', unitIds: [u2.unitId] },
    );
    expect(pre.body.units[0]?.codes).toEqual(['ARBITRATION_FINAL']);
    expect((await c.b.get<Request>(`/api/refunds/${c.requestId}`)).body.state).toBe('REFUNDED');
    await invariants();
  });

  it('two arbitrators deciding at once: one decision executes, the other is refused; one payout', async () => {
    const c = await disputed(h);
    await submitBoth(c);
    const second = await h.loggedIn({ role: 'arbitrator' });
    const d = await view(arbitrator, c.id);
    const results = await Promise.all([
      arbitrator.post<Dispute>(`/api/disputes/${c.id}/decision`, {
        version: d.version,
        outcome: 'BUYER',
        rationale: '记录显示卡密未激活，支持买家。',
        confirmFinal: true,
      }),
      second.post<Dispute>(`/api/disputes/${c.id}/decision`, {
        version: d.version,
        outcome: 'MERCHANT',
        rationale: '证据不足，维持商家决定。',
        confirmFinal: true,
      }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const payouts = await h.db.db
      .selectFrom('payouts')
      .select('id')
      .where('refund_request_id', '=', c.requestId)
      .execute();
    const winner = results.find((r) => r.status === 200)!.body;
    expect(payouts).toHaveLength(winner.outcome === 'BUYER' ? 1 : 0);
    await invariants();
  });

  it('support is alerted before the decision is due, and again once it is overdue', async () => {
    const c = await disputed(h);
    await submitBoth(c);
    const d = await view(arbitrator, c.id);
    const due = Date.parse(d.decisionDueAt!);
    // support's reminder: one working day before (a Monday deadline is reminded on the Friday)
    const reminder = await h.db.db
      .selectFrom('deadlines')
      .select('due_at')
      .where('kind', '=', 'DISPUTE_DECISION_REMINDER')
      .where('object_id', '=', c.id)
      .executeTakeFirstOrThrow();
    const calendar = await loadCalendar(h.db.db);
    expect(Date.parse(reminder.due_at)).toBeLessThanOrEqual(due - DAY);
    expect(calendar.isWorkingDay(shanghaiDate(new Date(reminder.due_at)))).toBe(true);
    h.base.advance(due - h.base.now().getTime() - DAY / 2); // inside the last day
    await sweep();
    const alerts = () =>
      h.db.db
        .selectFrom('alerts')
        .select('kind')
        .where('object_id', '=', c.id)
        .where('resolved_at', 'is', null)
        .execute();
    expect((await alerts()).map((a) => a.kind)).toEqual(['DISPUTE_DECISION_DUE']);
    h.base.advance(DAY);
    await sweep();
    expect((await alerts()).map((a) => a.kind).sort()).toEqual([
      'DISPUTE_DECISION_DUE',
      'DISPUTE_DECISION_OVERDUE',
    ]);
    // deciding deals with them
    const late = await view(arbitrator, c.id);
    const done = await arbitrator.post(`/api/disputes/${c.id}/decision`, {
      version: late.version,
      outcome: 'MERCHANT',
      rationale: '证据不足，维持商家决定。',
      confirmFinal: true,
    });
    expect(done.status).toBe(200);
    expect(await alerts()).toEqual([]);
  });
});

describe('a merchant contests a refund support approved', () => {
  it('the refund stands; overturned, the platform compensates the merchant and the buyer keeps the money', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const res = await buy(b, p, 1);
    const orderId = (res.body as { id: string }).id;
    const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：面值不符\n') }]);
    const applied = await b.req<Request>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'NOT_AS_DESCRIBED', description: '面值与描述不符', files: [file] },
      { 'idempotency-key': idem() },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const m = await merchantOf(h, p);
    // the merchant's own decision cannot be contested by itself
    expect(
      (await m.post<{ code: string }>(`/api/refunds/${applied.body.id}/dispute`, { note: '太早了' })).body
        .code,
    ).toBe('dispute.not_contestable');
    h.base.advance(10 * DAY); // the merchant lets its review deadline pass: support reviews
    await sweep();
    const support = admin; // an admin acting as support
    const pending = await support.get<Request>(`/api/refunds/${applied.body.id}`);
    expect(pending.body.state).toBe('SUPPORT_REVIEW');
    const approved = await support.post<Request>(`/api/refunds/${applied.body.id}/decision`, {
      action: 'APPROVE',
      version: pending.body.version,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await sweep();
    const paidBack = await walletBalance(h, b.userId);
    // the buyer may not, another shop may not see it
    expect((await b.post(`/api/refunds/${applied.body.id}/dispute`, { note: '我也要仲裁' })).status).toBe(
      403,
    );
    const stranger = await h.loggedIn({ role: 'merchant' });
    expect(
      (await stranger.post(`/api/refunds/${applied.body.id}/dispute`, { note: '不是我的单' })).status,
    ).toBe(404);
    expect((await m.get<Request>(`/api/refunds/${applied.body.id}`)).body.actions).toContain('DISPUTE');
    expect((await b.get<Request>(`/api/refunds/${applied.body.id}`)).body.actions).not.toContain('DISPUTE');
    const opened = await m.post<{ id: string }>(`/api/refunds/${applied.body.id}/dispute`, {
      note: '客服未核实，买家所述面值不符与商品页一致性不符。',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(
      (await m.post<{ code: string }>(`/api/refunds/${applied.body.id}/dispute`, { note: '再开一个' })).body
        .code,
    ).toBe('dispute.already_open');
    const id = opened.body.id;
    const mine = await view(m, id);
    expect(mine.viewer).toBe('MERCHANT');
    expect(mine.statements).toEqual([expect.objectContaining({ party: 'MERCHANT', state: 'DRAFT' })]);
    await submitBoth({ b, m, id });
    // whoever approved it may not arbitrate it; another arbitrator may
    const d = await view(arbitrator, id);
    expect(d.findings.map((f) => f.code)).toContain('MERCHANT_REVIEW_MISSED');
    const conflicted = await admin.post<{ code: string }>(`/api/disputes/${id}/decision`, {
      version: d.version,
      outcome: 'BUYER',
      rationale: '我自己批准的，维持我的决定。',
      confirmFinal: true,
    });
    expect(conflicted.body.code).toBe('dispute.arbitrator_conflict');
    const payable = async () =>
      Number(
        (
          await h.db.db
            .selectFrom('ledger_accounts')
            .select('balance_fen')
            .where('kind', '=', 'MERCHANT_PAYABLE')
            .where('owner_id', '=', p.shop.merchantId)
            .executeTakeFirst()
        )?.balance_fen ?? 0,
      );
    const before = await payable();
    const done = await arbitrator.post<Dispute>(`/api/disputes/${id}/decision`, {
      version: d.version,
      outcome: 'MERCHANT',
      rationale: '商品页面值描述清楚，买家所述不成立，客服决定有误，由平台补偿商家。',
      confirmFinal: true,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.refundFen).toBe(0);
    expect(await payable()).toBe(before + d.claimFen); // commission 0: the whole refund
    expect(await walletBalance(h, b.userId)).toBe(paidBack); // the buyer keeps the refund
    expect((await b.get<Request>(`/api/refunds/${applied.body.id}`)).body.state).toBe('REFUNDED');
    expect(
      await h.db.db.selectFrom('merchant_violations').select('id').where('dispute_id', '=', id).execute(),
    ).toEqual([]);
    await invariants();
  });
});

describe('accountability', () => {
  it('a sealed key the merchant reports activated: the finding clears the buyer, the buyer wins, a violation for delivering an activated key', async () => {
    const p = await stocked(h, 0);
    const prefix = `DSP${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    await importLines(h, p.shop, p.productId, cardLines(1, prefix));
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const res = await buy(b, p, 1);
    expect(res.status).toBe(201);
    const orderId = (res.body as { id: string }).id;
    h.base.advance(10 * 60_000);
    const m = await merchantOf(h, p);
    const reported = await m.post('/api/registry/report', {
      cardNo: `${prefix}00000000`,
      password: `pw-${prefix}-0-secret`,
      activatedAt: new Date(h.base.now().getTime() - 60_000).toISOString(),
    });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    const applied = await b.req<Request>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'DEFECTIVE', description: '拆封即提示已被使用' },
      { 'idempotency-key': idem() },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    // the merchant refuses it as "activated" — true of the key, but not the buyer's doing: warned first
    const warned = await m.post<{ code: string; data: { warnings: { code: string }[] } }>(
      `/api/refunds/${applied.body.id}/decision`,
      { action: 'REJECT', version: applied.body.version, code: 'ACTIVATED' },
    );
    expect(warned.body.code).toBe('refund.decision_contradicts_records');
    expect(warned.body.data.warnings.map((w) => w.code)).toContain('NOT_BUYER_ACTIVATION');
    const rej = await m.post<Request>(`/api/refunds/${applied.body.id}/decision`, {
      action: 'REJECT',
      version: applied.body.version,
      code: 'ACTIVATED',
      acknowledgeWarnings: true,
    });
    expect(rej.status, JSON.stringify(rej.body)).toBe(200);
    const esc = await b.post<Request>(`/api/refunds/${applied.body.id}/actions`, {
      action: 'ESCALATE',
      version: rej.body.version,
    });
    expect(esc.status).toBe(200);
    const id = (await b.get<{ items: { id: string }[] }>(`/api/disputes?requestId=${applied.body.id}`)).body
      .items[0].id;
    h.base.advance(10 * DAY); // nobody writes: the evidence deadline starts arbitration
    await sweep();
    const d = await view(arbitrator, id);
    const sealed = d.findings.find((f) => f.code === 'ACTIVATED_WHILE_SEALED');
    expect(sealed, JSON.stringify(d.findings)).toMatchObject({ merchantFault: true });
    expect(sealed!.zh).toMatch(/激活时.*仍未拆封，不是买家激活的/);
    const done = await arbitrator.post<Dispute>(`/api/disputes/${id}/decision`, {
      version: d.version,
      outcome: 'BUYER',
      rationale: '卡密在拆封前已被激活，激活不可能来自买家，商家交付了已被使用的卡密。',
      confirmFinal: true,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const kinds = (
      await h.db.db.selectFrom('merchant_violations').select('kind').where('dispute_id', '=', id).execute()
    ).map((v) => v.kind);
    expect(kinds).toContain('ACTIVATED_KEY_DELIVERED');
    await sweep();
    expect((await b.get<Request>(`/api/refunds/${applied.body.id}`)).body.state).toBe('REFUNDED');
    await invariants();
  });

  it('past the points threshold the merchant is suspended: checkout refused with a clear error; an admin reinstates', async () => {
    const rules = await admin.get<{ kinds: Record<string, { points: number; depositFen: number }> }>(
      '/api/admin/penalty-rules',
    );
    expect(rules.status).toBe(200);
    const put = await admin.req('PUT', '/api/admin/penalty-rules', {
      ...rules.body,
      suspendAtPoints: 2,
      windowDays: 30,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    try {
      const c = await disputed(h);
      await submitBoth(c);
      const d = await view(arbitrator, c.id);
      const done = await arbitrator.post<Dispute>(`/api/disputes/${c.id}/decision`, {
        version: d.version,
        outcome: 'BUYER',
        rationale: '拒绝理由与记录矛盾，支持买家。',
        confirmFinal: true,
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const record = (await h.client().get<MerchantRecord>(`/api/merchants/${c.p.shop.merchantId}/record`))
        .body;
      expect(record.status).toBe('SUSPENDED');
      const listed = await admin.get<{ items: { id: string; status: string }[] }>(
        '/api/admin/merchants?status=SUSPENDED',
      );
      expect(listed.body.items.map((m) => m.id)).toContain(c.p.shop.merchantId);
      expect(listed.body.items.every((m) => m.status === 'SUSPENDED')).toBe(true);
      expect((await c.b.get('/api/admin/merchants')).status).toBe(403);
      const other = await h.loggedIn({ role: 'buyer' });
      await fund(h, other.userId, 100_000);
      const refused = await buy(other, c.p, 1);
      expect(refused.status).toBe(409);
      expect((refused.body as { code: string }).code).toBe('merchant.suspended');
      const m = await h.db.db
        .selectFrom('merchants')
        .select('version')
        .where('id', '=', c.p.shop.merchantId)
        .executeTakeFirstOrThrow();
      const back = await admin.post<{ status: string }>(
        `/api/admin/merchants/${c.p.shop.merchantId}/status`,
        {
          status: 'ACTIVE',
          version: m.version,
          reason: '商家已整改，恢复销售',
        },
      );
      expect(back.status, JSON.stringify(back.body)).toBe(200);
      expect((await buy(other, c.p, 1)).status).toBe(201);
      const audit = await h.db.db
        .selectFrom('audit_events')
        .select('action')
        .where('object_type', '=', 'merchant')
        .where('object_id', '=', c.p.shop.merchantId)
        .orderBy('seq')
        .execute();
      expect(audit.map((a) => a.action).slice(-2)).toEqual(['merchant.suspended', 'merchant.active']);
    } finally {
      await admin.req('PUT', '/api/admin/penalty-rules', rules.body);
    }
  });

  it('the public record equals the hand-computed figures', async () => {
    const p = await stocked(h, 6, { policy: UNACTIVATED_REFUND });
    await setDeposit(p, 50_000);
    // dispute 1: won by the merchant
    const c1 = await disputed(h, { p });
    await submitBoth(c1);
    const d1 = await view(arbitrator, c1.id);
    expect(
      (
        await arbitrator.post(`/api/disputes/${c1.id}/decision`, {
          version: d1.version,
          outcome: 'MERCHANT',
          rationale: '证据不足，维持原决定。',
          confirmFinal: true,
        })
      ).status,
    ).toBe(200);
    // dispute 2: lost (buyer wins, a contradicted refusal: UNJUSTIFIED_REFUSAL, 2 points, ¥10.00)
    const c2 = await disputed(h, { p });
    await submitBoth(c2);
    const d2 = await view(arbitrator, c2.id);
    expect(
      (
        await arbitrator.post(`/api/disputes/${c2.id}/decision`, {
          version: d2.version,
          outcome: 'BUYER',
          rationale: '拒绝理由与记录矛盾。',
          confirmFinal: true,
        })
      ).status,
    ).toBe(200);
    await sweep();
    // dispute 3: still open
    await disputed(h, { p, units: 1 });
    const record = (await h.client().get<MerchantRecord>(`/api/merchants/${p.shop.merchantId}/record`)).body;
    const violations = await h.db.db
      .selectFrom('merchant_violations')
      .selectAll()
      .where('merchant_id', '=', p.shop.merchantId)
      .execute();
    const points = violations.reduce((s, v) => s + v.points, 0);
    const deducted = violations.reduce((s, v) => s + Number(v.deposit_fen), 0);
    // by hand: 5 units delivered (2 + 2 + 1), the 2 of dispute 2 refunded → 40.00 %
    expect(record.unitsDelivered).toBe(5);
    expect(record.unitsRefunded).toBe(2);
    expect(record.refundRateBp).toBe(4000);
    // three rejections by the merchant, each made the moment the request came in (no clock moved)
    expect(record.reviewsDecided).toBe(3);
    expect(record.medianReviewHours).toBe(0);
    expect(record.reviewsWithin24hBp).toBe(10_000);
    expect(record.disputes).toEqual({ won: 1, lost: 1, partly: 0, open: 1 });
    expect(violations.map((v) => v.kind)).toContain('UNJUSTIFIED_REFUSAL');
    expect(record.creditScore).toBe(100 - points);
    expect(record.depositFen).toBe(50_000 - deducted);
    expect(record.violations).toHaveLength(violations.length);
    await invariants();
  });
});
