/**
 * Stage 4 after-sales, over HTTP on a real database (SQLite, and PostgreSQL when configured): the
 * seed's scenarios — a key activated after the buyer revealed it refused, one activated while still
 * sealed refunded as the merchant's fault, a mistaken sealed purchase refunded at once, window
 * expired, no-reason refunds with and without the promise, merchant silence across a weekend and
 * the Spring Festival, info asked and never supplied, reject → resubmit → approve, two reviewers
 * at once, a WeChat payout ABNORMAL rerouted to the balance, a late bank refund alerted — plus the
 * upload checks and the money invariants after each.
 */
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { buy, buyMembership, fund, idem, stocked, walletBalance, type Stocked } from '../helpers/orders.js';
import { cardLines, importLines } from '../helpers/inventory.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';
import { refs, upload } from '../helpers/evidence.js';
import { merchantOf as shopLogin } from '../helpers/disputes.js';
import { patchRules } from '../helpers/rules.js';

let h: Harness;
beforeAll(async () => {
  h = await harness({ KAMENG_SESSION_HOURS: String(24 * 90) });
});
afterAll(() => h.close());

const HOUR = 3_600_000;
type Detail = {
  id: string;
  state: string;
  version: number;
  amountFen: number;
  reviewDueAt: string | null;
  actions: string[];
  evidence: { source: string; kind: string }[];
  payouts: { state: string; provider: string; amountFen: number }[];
  decision: { code: string; warnings: { code: string }[] } | null;
};
type Order = {
  id: string;
  state: string;
  unitPriceFen: number;
  buyerLevel: string;
  units: { unitId: string; keyState: string }[];
  payment: { payUrl: string | null };
};

async function buyer(fen = 1_000_000) {
  const b = await h.loggedIn({ role: 'buyer' });
  if (fen > 0) await fund(h, b.userId, fen);
  return b;
}
const merchantOf = (p: Stocked): Promise<Client> => shopLogin(h, p);
async function order(
  b: Client,
  p: Stocked,
  qty = 1,
  method: 'BALANCE' | 'WECHAT' | 'ALIPAY' = 'BALANCE',
): Promise<Order> {
  const res = await buy(b, p, qty, method);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (await b.get<Order>(`/api/orders/${(res.body as { id: string }).id}`)).body;
}
const apply = (b: Client, o: Order, body: Record<string, unknown>, key = idem()) =>
  b.req<Detail>(
    'POST',
    `/api/orders/${o.id}/refunds`,
    { description: '订单有问题，申请退款', ...body },
    { 'idempotency-key': key },
  );
/** Sweeps until nothing more is due (other tests' deadlines share the database). */
async function sweep() {
  for (let i = 0; i < 50 && (await h.app.kameng.sweep()).fired > 0; i++);
}
const detail = async (c: Client, id: string) => (await c.get<Detail>(`/api/refunds/${id}`)).body;

/** A valid PNG of w×h pixels (grey noise, so it is neither tiny-blank nor a bomb). */
function png(w: number, hgt: number, declared?: { w: number; h: number }): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(declared?.w ?? w, 0);
  ihdr.writeUInt32BE(declared?.h ?? hgt, 4);
  ihdr[8] = 8;
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((w + 1) * hgt);
  for (let i = 0; i < rows.length; i++) rows[i] = i % (w + 1) === 0 ? 0 : (i * 7919) % 251;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function invariants() {
  expect((await verifyLedger(h.db.db)).ok).toBe(true);
  expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  // Refunded ≤ paid, per order.
  const over = await h.db.db
    .selectFrom('payouts')
    .innerJoin('payments', 'payments.id', 'payouts.payment_id')
    .select(['payouts.payment_id', 'payments.amount_fen'])
    .select((eb) => eb.fn.sum<number>('payouts.amount_fen').as('out'))
    .where('payouts.state', 'in', ['PENDING', 'PROCESSING', 'SUCCESS', 'ABNORMAL'])
    .groupBy(['payouts.payment_id', 'payments.amount_fen'])
    .execute();
  for (const r of over) expect(Number(r.out)).toBeLessThanOrEqual(Number(r.amount_fen));
}

describe('eligibility pre-check and instant refunds', () => {
  it('refunds a mistaken purchase of a sealed key at once: balance back, key back in stock, order refunded', async () => {
    const p = await stocked(h, 3);
    const b = await buyer();
    const before = await walletBalance(h, b.userId);
    const o = await order(b, p);
    const pre = await b.post<{ summary: { status: string; autoApprovable: boolean } }>(
      `/api/orders/${o.id}/refund-precheck`,
      {
        reason: 'MISTAKEN_PURCHASE',
      },
    );
    expect(pre.status).toBe(200);
    expect(pre.body.summary).toMatchObject({ status: 'ALL', autoApprovable: true });
    const res = await apply(b, o, { reason: 'MISTAKEN_PURCHASE' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.state).toBe('REFUNDED');
    expect(res.body.payouts).toMatchObject([
      { state: 'SUCCESS', provider: 'balance', amountFen: p.prices.REGULAR },
    ]);
    // System evidence attached from the records.
    expect(
      res.body.evidence
        .filter((e) => e.source === 'SYSTEM')
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['CONVERSATION', 'KEY_TIMELINES', 'ORDER_SNAPSHOT', 'PAYMENT', 'POLICY']);
    expect(await walletBalance(h, b.userId)).toBe(before);
    const after = (await b.get<Order>(`/api/orders/${o.id}`)).body;
    expect(after.state).toBe('REFUNDED');
    const key = await h.db.db
      .selectFrom('keys')
      .select(['state'])
      .where('product_id', '=', p.productId)
      .where('state', '=', 'AVAILABLE')
      .execute();
    expect(key).toHaveLength(3); // the refunded sealed key is back in stock
    // The request is in the buyer's downloadable records.
    const csv = await b.req<string>('GET', `/api/me/records?format=csv&dataset=refunds`);
    expect(csv.status).toBe(200);
    expect(csv.body).toContain('误拍/错拍');
    expect(csv.body).toContain('已退款');
    await invariants();
  });

  it('refuses a key the buyer revealed and then activated, with the reason and the time, and points to 卡密无效', async () => {
    const p = await stocked(h, 2);
    const b = await buyer();
    const o = await order(b, p);
    // revealed first: an activation of a key still sealed would not be the buyer's (next test)
    expect((await b.post(`/api/units/${o.units[0].unitId}/reveal`)).status).toBe(200);
    await h.db.db
      .updateTable('keys')
      .set({
        state: 'ACTIVATED',
        activated_at: new Date(h.ctx.clock.now().getTime() + 60_000).toISOString(),
        activation_source: 'REDEEM',
      })
      .where('unit_id', '=', o.units[0].unitId)
      .execute();
    const pre = await b.post<{ units: { codes: string[]; explanations: { zh: string[] } }[] }>(
      `/api/orders/${o.id}/refund-precheck`,
      {
        reason: 'MISTAKEN_PURCHASE',
      },
    );
    expect(pre.body.units[0].codes).toContain('KEY_ACTIVATED');
    expect(pre.body.units[0].explanations.zh.join('')).toMatch(/激活/);
    const res = await apply(b, o, { reason: 'MISTAKEN_PURCHASE' });
    expect(res.status).toBe(422);
    expect((res.body as unknown as { code: string }).code).toBe('refund.not_eligible');
    expect(
      await h.db.db.selectFrom('refund_requests').select('id').where('order_id', '=', o.id).execute(),
    ).toHaveLength(0);
  });

  it('a merchant reporting the activation of a sealed key it delivered: not the buyer’s — eligible, auto-approved', async () => {
    const p = await stocked(h, 0);
    const prefix = `SEAL${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    await importLines(h, p.shop, p.productId, cardLines(1, prefix));
    const b = await buyer();
    const before = await walletBalance(h, b.userId);
    const o = await order(b, p);
    expect(o.units[0].keyState).toBe('SEALED');
    h.base.advance(10 * 60_000);
    // the shop's own system says the key was used: reported through the activation registry
    const m = await merchantOf(p);
    const reported = await m.post<{ state: string; activatedBeforeDelivery: boolean }>(
      '/api/registry/report',
      {
        cardNo: `${prefix}00000000`,
        password: `pw-${prefix}-0-secret`,
        activatedAt: new Date(h.ctx.clock.now().getTime() - 60_000).toISOString(),
      },
    );
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    expect(reported.body).toMatchObject({ state: 'ACTIVATED', activatedBeforeDelivery: false });
    type Pre = {
      units: {
        outcome: string;
        codes: string[];
        autoApprovable: boolean;
        explanations: { zh: string[]; en: string[] };
      }[];
      summary: { status: string; autoApprovable: boolean };
    };
    for (const reason of ['MISTAKEN_PURCHASE', 'NO_LONGER_NEEDED', 'DEFECTIVE']) {
      const pre = await b.post<Pre>(`/api/orders/${o.id}/refund-precheck`, { reason });
      expect(pre.status).toBe(200);
      expect(pre.body.units[0], reason).toMatchObject({
        outcome: 'ELIGIBLE',
        codes: ['ACTIVATED_WHILE_SEALED'],
        autoApprovable: true,
      });
      expect(pre.body.summary).toMatchObject({ status: 'ALL', autoApprovable: true });
      expect(pre.body.units[0].explanations.zh[0]).toMatch(
        /在拆封前已被激活（激活时间 .+，由商家自行报告），激活不可能来自买家/,
      );
      expect(pre.body.units[0].explanations.en[0]).toContain('reported by the merchant itself');
    }
    const res = await apply(b, o, { reason: 'MISTAKEN_PURCHASE' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // Auto-approvable as a fault the records prove (like RECORDS_PROVE_FAULT), not the instant
    // sealed refund: an activated key cannot go back to stock. The merchant may approve; its
    // silence approves it at the review deadline without anyone weighing evidence.
    expect(res.body.state).toBe('PENDING_REVIEW');
    const row = await h.db.db
      .selectFrom('refund_requests')
      .select('auto_approvable')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.auto_approvable).toBe(1);
    h.base.set(new Date(Date.parse(res.body.reviewDueAt!) + 1000));
    await sweep();
    const d = await detail(b, res.body.id);
    expect(d.state).toBe('REFUNDED');
    expect(d.decision?.code).toBe('AUTO_REVIEW_TIMEOUT');
    expect(await walletBalance(h, b.userId)).toBe(before);
    const key = await h.db.db
      .selectFrom('keys')
      .select('state')
      .where('product_id', '=', p.productId)
      .executeTakeFirstOrThrow();
    expect(key.state).toBe('ACTIVATED'); // used: never back in stock
    await invariants();
  });

  it('refuses a buyer-side refund once the policy window has passed', async () => {
    const p = await stocked(h, 1, {
      policy: {
        unactivatedRefund: true,
        windowHours: 24,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: false,
        nonRefundableText: null,
      },
    });
    const b = await buyer();
    const o = await order(b, p);
    h.base.advance(25 * HOUR);
    const pre = await b.post<{ units: { codes: string[] }[] }>(`/api/orders/${o.id}/refund-precheck`, {
      reason: 'MISTAKEN_PURCHASE',
    });
    expect(pre.body.units[0].codes).toContain('WINDOW_EXPIRED');
    expect((await apply(b, o, { reason: 'MISTAKEN_PURCHASE' })).status).toBe(422);
  });

  it('no-reason refund: granted where the policy promises it, refused where it does not', async () => {
    const promise = {
      unactivatedRefund: true,
      windowHours: 72,
      revealedRefund: false,
      nonRefundable: false,
      nonRefundableText: null,
    };
    const yes = await stocked(h, 1, { policy: { ...promise, noReasonRefund: true } });
    const no = await stocked(h, 1, { policy: { ...promise, noReasonRefund: false } });
    const b = await buyer();
    const granted = await apply(b, await order(b, yes), { reason: 'NO_LONGER_NEEDED' });
    expect(granted.status).toBe(201);
    expect(granted.body.state).toBe('REFUNDED');
    const refused = await apply(b, await order(b, no), { reason: 'NO_LONGER_NEEDED' });
    expect(refused.status).toBe(422);
  });

  it('keeps a unit in one open request; the same Idempotency-Key twice gives one request', async () => {
    const p = await stocked(h, 2, {
      policy: {
        unactivatedRefund: true,
        windowHours: 72,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: false,
        nonRefundableText: null,
      },
    });
    const b = await buyer();
    const o = await order(b, p, 2);
    const [file] = await refs(b, [{ name: 'shot.png', bytes: png(320, 240) }]);
    const key = idem();
    const body = { reason: 'NOT_AS_DESCRIBED', unitIds: [o.units[0].unitId], files: [file] };
    const [a1, a2] = await Promise.all([apply(b, o, body, key), apply(b, o, body, key)]);
    expect([a1.status, a2.status]).toEqual([201, 201]);
    expect(a1.body.id).toBe(a2.body.id);
    expect(a1.body.state).toBe('PENDING_REVIEW');
    const other = await apply(b, o, body);
    expect(other.status).toBe(409);
    expect((other.body as unknown as { code: string }).code).toBe('refund.unit_in_open_request');
  });
});

describe('merchant review', () => {
  async function pending(reason = 'NOT_AS_DESCRIBED', policy: Record<string, unknown> = {}) {
    const p = await stocked(h, 2, {
      policy: {
        unactivatedRefund: true,
        windowHours: 72,
        noReasonRefund: true,
        revealedRefund: true,
        nonRefundable: false,
        nonRefundableText: null,
        ...policy,
      },
    });
    const b = await buyer();
    const o = await order(b, p);
    const [file] = await refs(b, [
      { name: 'chat.txt', bytes: Buffer.from('买家：卡密提示无效\n客服：请稍等\n') },
    ]);
    const res = await apply(b, o, { reason, files: [file] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { p, b, o, r: res.body, m: await merchantOf(p) };
  }

  it('two reviewers at once: one decision, one 409', async () => {
    const { r, m, b, p } = await pending();
    const m2 = await merchantOf(p); // a second session of the shop: two people reviewing
    const results = await Promise.all([
      m2.post(`/api/refunds/${r.id}/decision`, { action: 'APPROVE', version: r.version }),
      m.post(`/api/refunds/${r.id}/decision`, {
        action: 'REJECT',
        version: r.version,
        code: 'EVIDENCE_INVALID',
        acknowledgeWarnings: true,
      }),
    ]);
    expect(results.map((x) => x.status).sort()).toEqual([200, 409]);
    const d = await detail(b, r.id);
    expect(['REFUNDED', 'REJECTED']).toContain(d.state);
    const decisions = await h.db.db
      .selectFrom('audit_events')
      .select('action')
      .where('object_id', '=', r.id)
      .where('action', 'in', ['refund.approved', 'refund.rejected'])
      .execute();
    expect(decisions).toHaveLength(1);
    await invariants();
  });

  it('reject (warned where records contradict) → resubmit with new evidence → approve restores the balance', async () => {
    const { b, r, m } = await pending();
    const start = await walletBalance(h, b.userId);
    const warned = await m.post(`/api/refunds/${r.id}/decision`, {
      action: 'REJECT',
      version: r.version,
      code: 'ACTIVATED',
    });
    expect(warned.status).toBe(409);
    expect((warned.body as { code: string }).code).toBe('refund.decision_contradicts_records');
    const rej = await m.post<Detail>(`/api/refunds/${r.id}/decision`, {
      action: 'REJECT',
      version: r.version,
      code: 'ACTIVATED',
      acknowledgeWarnings: true,
    });
    expect(rej.status).toBe(200);
    expect(rej.body.state).toBe('REJECTED');
    expect(rej.body.decision?.warnings.map((w) => w.code)).toContain('NOT_ACTIVATED');
    const d1 = await detail(b, r.id);
    expect(d1.actions).toEqual(expect.arrayContaining(['RESUBMIT', 'ACCEPT', 'ESCALATE']));
    const [file] = await refs(b, [{ name: 'proof.png', bytes: png(400, 300) }]);
    const again = await b.post<Detail>(`/api/refunds/${r.id}/actions`, {
      action: 'RESUBMIT',
      version: d1.version,
      description: '补充了截图',
      files: [file],
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.state).toBe('PENDING_REVIEW');
    const ok = await m.post<Detail>(`/api/refunds/${r.id}/decision`, {
      action: 'APPROVE',
      version: again.body.version,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('REFUNDED');
    expect(await walletBalance(h, b.userId)).toBe(start + r.amountFen);
    await invariants();
  });

  it('info requested and never supplied: the request closes at the supplement deadline', async () => {
    const { b, r, m } = await pending();
    const ask = await m.post<Detail>(`/api/refunds/${r.id}/decision`, {
      action: 'REQUEST_INFO',
      version: r.version,
      note: '请提供游戏内提示截图',
    });
    expect(ask.body.state).toBe('AWAITING_BUYER');
    h.base.advance(10 * 24 * HOUR);
    // past the deadline, before the sweeper has fired it: the answer comes too late
    const late = await b.post<{ code: string }>(`/api/refunds/${r.id}/actions`, {
      action: 'SUPPLEMENT',
      version: ask.body.version,
      note: '截图见附件',
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('refund.deadline_passed');
    await sweep();
    expect((await detail(b, r.id)).state).toBe('CLOSED');
    // Its unit is free again.
    const units = await h.db.db
      .selectFrom('refund_request_units')
      .select('released_at')
      .where('request_id', '=', r.id)
      .execute();
    expect(units.every((u) => u.released_at !== null)).toBe(true);
  });

  it('a large refund needs the reviewer’s second confirmation', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    expect((await patchRules(admin, { largeRefundFen: 100 })).status).toBe(200);
    try {
      const { r, m } = await pending();
      const first = await m.post(`/api/refunds/${r.id}/decision`, { action: 'APPROVE', version: r.version });
      expect(first.status).toBe(409);
      expect((first.body as { code: string }).code).toBe('refund.confirmation_required');
      const second = await m.post<Detail>(`/api/refunds/${r.id}/decision`, {
        action: 'APPROVE',
        version: r.version,
        confirmLarge: true,
      });
      expect(second.body.state).toBe('REFUNDED');
    } finally {
      await patchRules(admin, { largeRefundFen: 50_000 });
    }
  });

  it('merchant silence across a weekend and the Spring Festival: approved automatically at the deadline', async () => {
    // Friday 2026-02-13 10:00 Shanghai; two working days = Sat 02-14 (调休 workday) and Tue 02-24.
    h.base.set(new Date('2026-02-13T02:00:00Z'));
    const p = await stocked(h, 1, {
      policy: {
        unactivatedRefund: true,
        windowHours: 72,
        noReasonRefund: true,
        revealedRefund: true,
        nonRefundable: false,
        nonRefundableText: null,
      },
    });
    const b = await buyer();
    const o = await order(b, p);
    expect((await b.post(`/api/units/${o.units[0].unitId}/reveal`)).status).toBe(200);
    const res = await apply(b, o, { reason: 'NO_LONGER_NEEDED' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.state).toBe('PENDING_REVIEW');
    expect(res.body.reviewDueAt).toBe('2026-02-24T02:00:00.000Z');
    h.base.set(new Date('2026-02-24T01:59:00Z'));
    await sweep();
    expect((await detail(b, res.body.id)).state).toBe('PENDING_REVIEW');
    h.base.set(new Date('2026-02-24T02:00:01Z'));
    await sweep();
    const dl = await h.db.db
      .selectFrom('deadlines')
      .select(['kind', 'state', 'last_error'])
      .where('object_id', 'like', `${res.body.id}%`)
      .execute();
    expect(
      dl.filter((x) => x.last_error || x.state === 'OPEN'),
      JSON.stringify(dl),
    ).toEqual([]);
    expect((await detail(b, res.body.id)).state).toBe('REFUNDED');
    const key = await h.db.db
      .selectFrom('keys')
      .select('state')
      .where('product_id', '=', p.productId)
      .executeTakeFirstOrThrow();
    expect(key.state).toBe('VOIDED'); // revealed, refunded: voided, never back in stock
    await invariants();
  });

  it('holds the order’s settlement while its request is open, and settles after it ends', async () => {
    const { b, r, o, m } = await pending();
    h.base.advance(8 * 24 * HOUR); // past the window and the quality-claim period: settlement is due
    await sweep();
    const held = await h.db.db
      .selectFrom('orders')
      .select('settled_at')
      .where('id', '=', o.id)
      .executeTakeFirstOrThrow();
    expect(held.settled_at).toBeNull();
    const cur = await detail(m, r.id);
    expect(cur.state).toBe('SUPPORT_REVIEW'); // the merchant's deadline passed long ago
    const support = await h.loggedIn({ role: 'support' });
    const rej = await support.post<Detail>(`/api/refunds/${r.id}/decision`, {
      action: 'REJECT',
      version: cur.version,
      code: 'EVIDENCE_INVALID',
      acknowledgeWarnings: true,
    });
    expect(rej.status, JSON.stringify(rej.body)).toBe(200);
    expect(
      (await b.post(`/api/refunds/${r.id}/actions`, { action: 'ACCEPT', version: rej.body.version })).status,
    ).toBe(200);
    h.base.advance(2 * HOUR);
    await sweep();
    const settled = await h.db.db
      .selectFrom('orders')
      .select('settled_at')
      .where('id', '=', o.id)
      .executeTakeFirstOrThrow();
    expect(settled.settled_at).not.toBeNull();
    await invariants();
  });

  it('a request needing judgement goes to support when the merchant is silent', async () => {
    const { b, r } = await pending('OTHER');
    h.base.advance(30 * 24 * HOUR);
    await sweep();
    const d = await detail(b, r.id);
    expect(d.state).toBe('SUPPORT_REVIEW');
    const support = await h.loggedIn({ role: 'support' });
    const q = await support.get<{ items: { id: string }[] }>('/api/refunds?queue=support');
    expect(q.body.items.map((i) => i.id)).toContain(r.id);
  });
});

describe('payouts along the original path', () => {
  const sandboxPay = async (o: Order, payer: string) => {
    const id = o.payment.payUrl!.split('/').pop()!;
    expect((await h.client().post(`/api/sandbox/payments/${id}/pay`, { payerId: payer })).status).toBe(200);
  };

  it('WeChat refund ABNORMAL (frozen 零钱): the buyer takes it to the balance', async () => {
    const p = await stocked(h, 1);
    const b = await buyer(0);
    const o = await order(b, p, 1, 'WECHAT');
    await sandboxPay(o, 'wx-frozen');
    await sweep();
    const res = await apply(b, o, { reason: 'MISTAKEN_PURCHASE' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    for (let i = 0; i < 5 && (await detail(b, res.body.id)).state === 'REFUNDING'; i++) {
      h.base.advance(HOUR);
      await sweep();
    }
    const d = await detail(b, res.body.id);
    expect(d.state).toBe('REFUND_ABNORMAL');
    expect(d.actions).toContain('CHOOSE_BALANCE');
    const alerts = await h.db.db.selectFrom('alerts').select('kind').where('request_id', '=', d.id).execute();
    expect(alerts.map((a) => a.kind)).toContain('PAYOUT_ABNORMAL');
    // support's desk names the order and the request by their numbers, not by raw ids
    const support = await h.loggedIn({ role: 'support' });
    const desk = await support.get<{
      items: { kind: string; requestId: string | null; requestNo: string | null; orderNo: string | null }[];
    }>('/api/support/alerts');
    const mine = desk.body.items.find((a) => a.kind === 'PAYOUT_ABNORMAL' && a.requestId === d.id)!;
    const numbers = await h.db.db
      .selectFrom('refund_requests')
      .innerJoin('orders', 'orders.id', 'refund_requests.order_id')
      .select(['refund_requests.request_no', 'orders.order_no'])
      .where('refund_requests.id', '=', d.id)
      .executeTakeFirstOrThrow();
    expect(mine.requestNo).toBe(numbers.request_no);
    expect(mine.orderNo).toBe(numbers.order_no);
    const moved = await b.post<Detail>(`/api/refunds/${d.id}/actions`, {
      action: 'CHOOSE_BALANCE',
      version: d.version,
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.state).toBe('REFUNDED');
    expect(await walletBalance(h, b.userId)).toBe(p.prices.REGULAR);
    await invariants();
  });

  it('Alipay bank-card refund late past 5 working days: support alerted, buyer told', async () => {
    h.base.set(new Date('2026-06-01T02:00:00Z')); // Monday 10:00, no holiday in the next 8 days
    const p = await stocked(h, 1);
    const b = await buyer(0);
    const o = await order(b, p, 1, 'ALIPAY');
    await sandboxPay(o, 'ali-slow-bank');
    await sweep();
    const res = await apply(b, o, { reason: 'MISTAKEN_PURCHASE' });
    expect(res.body.state).toBe('REFUNDING');
    // The delay deadline is 5 working days after approval (holidays skipped); the slow bank takes 8 days.
    const due = await h.db.db
      .selectFrom('deadlines')
      .select('due_at')
      .where('kind', '=', 'PAYOUT_DELAY')
      .where('object_id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    const approvedAt = h.ctx.clock.now().getTime();
    expect(new Date(due.due_at).getTime() - approvedAt).toBe(7 * 24 * HOUR); // Mon → next Mon, 5 working days
    h.base.set(new Date(new Date(due.due_at).getTime() + 1000));
    await sweep();
    expect((await detail(b, res.body.id)).payouts[0].state).toBe('PROCESSING');
    const alerts = await h.db.db
      .selectFrom('alerts')
      .select('kind')
      .where('request_id', '=', res.body.id)
      .execute();
    expect(alerts.map((a) => a.kind)).toContain('PAYOUT_DELAYED');
    const note = await h.db.db
      .selectFrom('notifications')
      .select('kind')
      .where('user_id', '=', b.userId)
      .where('kind', '=', 'PAYOUT_DELAYED')
      .execute();
    expect(note.length).toBeGreaterThan(0);
  });
});

describe('bad uploads get clear 4xx errors and store nothing', () => {
  const cases: [string, Buffer, number, string | RegExp][] = [
    [
      'renamed.png',
      Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]),
      415,
      'evidence.type_not_allowed',
    ],
    ['empty.png', Buffer.alloc(0), 422, 'evidence.empty'],
    ['huge.png', Buffer.concat([png(10, 10), Buffer.alloc(11 * 1024 * 1024)]), 413, /too_large/], // refused by the multipart limit before it is even read whole
    ['bomb.png', png(4, 4, { w: 50_000, h: 50_000 }), 422, 'evidence.image_bomb'],
  ];
  it.each(cases)('%s', async (name, bytes, status, code) => {
    const b = await buyer();
    const before = await stored();
    const res = await upload(b, [{ name, bytes }]);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.code).toMatch(code);
    expect(await stored()).toEqual(before);
  });
  async function stored(): Promise<string[]> {
    const { readdir } = await import('node:fs/promises');
    const root = `${h.config.dataDir}/evidence`;
    return (await readdir(root, { recursive: true }).catch(() => [])).map(String).sort();
  }
});

describe('membership refunds', () => {
  async function buySuper(b: Client) {
    const res = await buyMembership(b, 'SUPER');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { orderId: (res.body as { id: string }).id };
  }
  const level = async (b: { userId: string }) =>
    (
      await h.db.db
        .selectFrom('users')
        .select('member_level')
        .where('id', '=', b.userId)
        .executeTakeFirstOrThrow()
    ).member_level;

  it('an unused 超会 is refunded in full at once, and its member prices end', async () => {
    const b = await buyer();
    const before = await walletBalance(h, b.userId);
    const { orderId } = await buySuper(b);
    expect(await level(b)).toBe('SUPER');
    const res = await b.req<Detail>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'NO_LONGER_NEEDED', description: '不需要了' },
      { 'idempotency-key': idem() },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.state).toBe('REFUNDED');
    expect(await level(b)).toBe('REGULAR');
    expect(await walletBalance(h, b.userId)).toBe(before);
    await invariants();
  });

  it('a queued 超会 period takes effect when its term starts, after the period before it was refunded', async () => {
    const b = await buyer();
    const p = await stocked(h, 4);
    const first = await buySuper(b);
    const second = await buySuper(b);
    type Periods = { items: { orderId: string; startsAt: string; endsAt: string; state: string }[] };
    const periods = (await b.get<Periods>('/api/me/memberships')).body.items;
    const queued = periods.find((m) => m.orderId === second.orderId)!;
    const running = periods.find((m) => m.orderId === first.orderId)!;
    expect(queued.startsAt).toBe(running.endsAt); // the second period waits for the first
    // the first (unused) period is refunded: nothing runs until the queued one starts
    const res = await b.req<Detail>(
      'POST',
      `/api/orders/${first.orderId}/refunds`,
      { reason: 'NO_LONGER_NEEDED', description: '第一期不需要了' },
      { 'idempotency-key': idem() },
    );
    expect(res.body.state, JSON.stringify(res.body)).toBe('REFUNDED');
    expect(await level(b)).toBe('REGULAR');
    expect((await order(b, p)).unitPriceFen).toBe(p.prices.REGULAR);
    // the queued term starts: checkout prices at SUPER at once, before any sweep has run
    h.base.set(new Date(Date.parse(queued.startsAt) + 1000));
    const atStart = await order(b, p);
    expect(atStart).toMatchObject({ unitPriceFen: p.prices.SUPER, buyerLevel: 'SUPER' });
    // and the sweeper brings the stored level (sessions, pages) along with it
    await h.app.kameng.sweep();
    expect(await level(b)).toBe('SUPER');
    expect((await b.get<{ user: { memberLevel: string } }>('/api/auth/me')).body.user.memberLevel).toBe(
      'SUPER',
    );
    // the queued term ends like any other
    h.base.set(new Date(Date.parse(queued.endsAt) + 1000));
    expect(await order(b, p)).toMatchObject({ unitPriceFen: p.prices.REGULAR, buyerLevel: 'REGULAR' });
    await h.app.kameng.sweep();
    expect(await level(b)).toBe('REGULAR');
    await invariants();
  });

  it('is not refundable once an order at a member price was placed', async () => {
    const b = await buyer();
    const { orderId } = await buySuper(b);
    const p = await stocked(h, 1);
    await order(b, p); // at the SUPER price
    const res = await b.req(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'NO_LONGER_NEEDED', description: '不需要了' },
      { 'idempotency-key': idem() },
    );
    expect(res.status).toBe(422);
    expect((res.body as { code: string }).code).toBe('refund.not_eligible');
    expect(await level(b)).toBe('SUPER');
  });
});

describe('review findings: deposit, repeated applications, keys under review', () => {
  const policy = {
    unactivatedRefund: true,
    windowHours: 72,
    noReasonRefund: true,
    revealedRefund: true,
    nonRefundable: false,
    nonRefundableText: null,
  };

  it('after settlement a refund comes from the merchant balance, then its 保证金 deposit', async () => {
    const p = await stocked(h, 1, { policy });
    await h.db.db
      .updateTable('merchants')
      .set({ deposit_fen: 500_000 })
      .where('id', '=', p.shop.merchantId)
      .execute();
    const b = await buyer();
    const o = await order(b, p);
    h.base.advance(8 * 24 * HOUR);
    await sweep(); // settled: the merchant's balance holds the price
    const m = await merchantOf(p);
    const before = (await m.get<{ payableFen: number; depositFen: number }>('/api/merchant/finance')).body;
    expect(before).toMatchObject({ payableFen: p.prices.REGULAR, depositFen: 500_000 });
    // The merchant's balance is paid out elsewhere (a withdrawal), leaving 100 fen.
    await unitOfWork(h.ctx, async (trx) => {
      const { ensureAccount, postTransaction } = await import('../../src/modules/payments/ledger.js');
      const { systemActor } = await import('../../src/platform/actor.js');
      const at = h.ctx.clock.now();
      const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', p.shop.merchantId, at);
      const out = await ensureAccount(trx, 'GATEWAY_CLEARING', 'withdrawals', at);
      await postTransaction(trx, systemActor('test'), at, {
        idempotencyKey: `withdraw-${o.id}`,
        kind: 'WITHDRAWAL',
        reference: { type: 'merchant', id: p.shop.merchantId },
        postings: [
          { accountId: payable.id, amountFen: -(p.prices.REGULAR - 100) },
          { accountId: out.id, amountFen: p.prices.REGULAR - 100 },
        ],
      });
    });
    // Past the quality-claim period only "other" (a person decides) remains; the merchant agrees.
    const applied = await apply(b, o, { reason: 'OTHER' });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const r = applied.body;
    const ok = await m.post<Detail>(`/api/refunds/${r.id}/decision`, {
      action: 'APPROVE',
      version: r.version,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.state).toBe('REFUNDED');
    const after = (await m.get<{ payableFen: number; depositFen: number }>('/api/merchant/finance')).body;
    expect(after).toEqual(
      expect.objectContaining({ payableFen: 0, depositFen: 500_000 - (p.prices.REGULAR - 100) }),
    );
    await invariants();
  });

  it('accepting a rejection and applying again does not restart the resubmission count', async () => {
    const p = await stocked(h, 1, { policy: { ...policy, noReasonRefund: false } });
    const b = await buyer();
    const o = await order(b, p);
    const m = await merchantOf(p);
    const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：面值不符\n') }]);
    for (let round = 1; round <= 3; round++) {
      const res = await apply(b, o, { reason: 'NOT_AS_DESCRIBED', files: [file] });
      expect(res.status, `round ${round}: ${JSON.stringify(res.body)}`).toBe(201);
      const rej = await m.post<Detail>(`/api/refunds/${res.body.id}/decision`, {
        action: 'REJECT',
        version: res.body.version,
        code: 'EVIDENCE_INVALID',
        acknowledgeWarnings: true,
      });
      expect(rej.status).toBe(200);
      expect(
        (await b.post(`/api/refunds/${res.body.id}/actions`, { action: 'ACCEPT', version: rej.body.version }))
          .status,
      ).toBe(200);
    }
    const fourth = await apply(b, o, { reason: 'NOT_AS_DESCRIBED', files: [file] });
    expect(fourth.status).toBe(409);
    expect((fourth.body as unknown as { code: string }).code).toBe('refund.resubmissions_exhausted');
  });

  it('a sealed key under an open request cannot be revealed; the same key with another body is a 422', async () => {
    const p = await stocked(h, 1, { policy });
    const p2 = await stocked(h, 1, { policy });
    const b = await buyer();
    const o = await order(b, p);
    const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：面值不符\n') }]);
    const key = idem();
    const r = await apply(b, o, { reason: 'NOT_AS_DESCRIBED', files: [file] }, key);
    expect(r.status).toBe(201);
    const reveal = await b.post(`/api/units/${o.units[0].unitId}/reveal`);
    expect(reveal.status).toBe(409);
    expect((reveal.body as { code: string }).code).toBe('inventory.unit_in_refund');
    // Another buyer cannot name this buyer's upload, even knowing its hash.
    const stranger = await buyer();
    const o2 = await order(stranger, p2);
    const stolen = await apply(stranger, o2, { reason: 'NOT_AS_DESCRIBED', files: [file] });
    expect(stolen.status).toBe(422);
    expect((stolen.body as unknown as { code: string }).code).toBe('evidence.not_uploaded');
    const other = await apply(b, o, { reason: 'OTHER', files: [file] }, key);
    expect(other.status).toBe(422);
    expect((other.body as unknown as { code: string }).code).toBe('order.idempotency_mismatch');
    // Cancelled: the key can be revealed again.
    expect(
      (await b.post(`/api/refunds/${r.body.id}/actions`, { action: 'CANCEL', version: r.body.version }))
        .status,
    ).toBe(200);
    expect((await b.post(`/api/units/${o.units[0].unitId}/reveal`)).status).toBe(200);
  });
});

describe('concurrency', () => {
  it('refund approvals racing the same buyer’s checkouts and the sweeper: no deadlock, no 500', async () => {
    const p = await stocked(h, 20, {
      policy: {
        unactivatedRefund: true,
        windowHours: 72,
        noReasonRefund: true,
        revealedRefund: true,
        nonRefundable: false,
        nonRefundableText: null,
      },
    });
    const b = await buyer();
    const m = await merchantOf(p);
    const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：面值不符\n') }]);
    const pending: Detail[] = [];
    for (let i = 0; i < 5; i++) {
      const o = await order(b, p);
      pending.push((await apply(b, o, { reason: 'NOT_AS_DESCRIBED', files: [file] })).body);
    }
    const results = await Promise.all([
      ...pending.map((r) =>
        m.post(`/api/refunds/${r.id}/decision`, { action: 'APPROVE', version: r.version }),
      ),
      ...Array.from({ length: 5 }, () => buy(b, p, 1)),
      h.app.kameng.sweep(),
    ]);
    for (const res of results.slice(0, 10) as { status: number; body: unknown }[])
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    for (const r of pending) expect((await detail(b, r.id)).state).toBe('REFUNDED');
    await invariants();
  });
});

describe('second review findings', () => {
  const policy = {
    unactivatedRefund: true,
    windowHours: 72,
    noReasonRefund: false,
    revealedRefund: false,
    nonRefundable: false,
    nonRefundableText: null,
  };

  it('applying, approving, chatting and revealing on one order at once: no deadlock, no 5xx, keys consistent', async () => {
    const p = await stocked(h, 3, { policy });
    const b = await buyer();
    const m = await merchantOf(p);
    const o = await order(b, p, 3);
    const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：面值不符\n') }]);
    const first = await apply(b, o, {
      reason: 'NOT_AS_DESCRIBED',
      unitIds: [o.units[0].unitId],
      files: [file],
    });
    expect(first.status).toBe(201);
    const results = await Promise.all([
      m.post(`/api/refunds/${first.body.id}/decision`, { action: 'APPROVE', version: first.body.version }),
      apply(b, o, { reason: 'MISTAKEN_PURCHASE', unitIds: [o.units[1].unitId] }),
      b.post(`/api/units/${o.units[1].unitId}/reveal`),
      b.post(`/api/orders/${o.id}/messages`, { body: '请尽快处理' }),
      m.post(`/api/orders/${o.id}/messages`, { body: '已收到' }),
    ]);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
    // Unit 2: either refunded at once while still sealed (reveal refused) or revealed first (its
    // instant refund then refused or judged on the revealed key) — never both.
    const [, second, reveal] = results;
    expect(second.status === 201 && second.body.state === 'REFUNDED' && reveal.status === 200).toBe(false);
    await invariants();
  });

  it('resubmissions are counted across requests for the same units', async () => {
    const p = await stocked(h, 1, { policy });
    const b = await buyer();
    const m = await merchantOf(p);
    const o = await order(b, p);
    const [file] = await refs(b, [{ name: 'chat.txt', bytes: Buffer.from('买家：面值不符\n') }]);
    const reject = async (d: Detail) =>
      (
        await m.post<Detail>(`/api/refunds/${d.id}/decision`, {
          action: 'REJECT',
          version: d.version,
          code: 'EVIDENCE_INVALID',
          acknowledgeWarnings: true,
        })
      ).body;
    const r1 = await reject((await apply(b, o, { reason: 'NOT_AS_DESCRIBED', files: [file] })).body);
    expect(
      (await b.post(`/api/refunds/${r1.id}/actions`, { action: 'ACCEPT', version: r1.version })).status,
    ).toBe(200);
    let r2 = await reject((await apply(b, o, { reason: 'NOT_AS_DESCRIBED', files: [file] })).body);
    const resubmit = (d: Detail) =>
      b.post<Detail>(`/api/refunds/${d.id}/actions`, {
        action: 'RESUBMIT',
        version: d.version,
        description: '再次提交',
        files: [file],
      });
    const again = await resubmit(r2);
    expect(again.status, JSON.stringify(again.body)).toBe(200); // third submission for the unit
    r2 = await reject(again.body);
    expect(r2.actions).not.toContain('RESUBMIT');
    const refused = await resubmit(r2);
    expect(refused.status).toBe(409);
    expect((refused.body as unknown as { code: string }).code).toBe('refund.resubmissions_exhausted');
  });
});

describe('commission on refunds after settlement', () => {
  it('returns exactly the commission taken, over several partial refunds (no fen lost to rounding)', async () => {
    const p = await stocked(h, 3, {
      prices: { REGULAR: 333, VIP: 333, SUPER: 333 },
      policy: {
        unactivatedRefund: true,
        windowHours: 24,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: false,
        nonRefundableText: null,
      },
    });
    const admin = await h.loggedIn({ role: 'admin' });
    expect(
      (await admin.req('PUT', `/api/admin/merchants/${p.shop.merchantId}/commission`, { commissionBp: 500 }))
        .status,
    ).toBe(200);
    const b = await buyer();
    const o = await order(b, p, 3);
    h.base.advance(8 * 24 * HOUR);
    await sweep(); // settled: 999 − floor(5% of 999) = 950 to the merchant
    const m = await merchantOf(p);
    const payable = async () =>
      (await m.get<{ payableFen: number }>('/api/merchant/finance')).body.payableFen;
    expect(await payable()).toBe(950);
    for (const unit of o.units) {
      const r = await apply(b, o, { reason: 'OTHER', unitIds: [unit.unitId], description: '按商家同意退款' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const ok = await m.post<Detail>(`/api/refunds/${r.body.id}/decision`, {
        action: 'APPROVE',
        version: r.body.version,
      });
      expect(ok.body.state).toBe('REFUNDED');
    }
    expect(await payable()).toBe(0); // 16 + 16 + 17 fen of commission came back from the platform
    await invariants();
  });
});
