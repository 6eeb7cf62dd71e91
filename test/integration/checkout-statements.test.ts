/**
 * Stage 10: a checkout's cost does not grow with its quantity. The statements a balance checkout
 * sends (through the real route, session check included) are counted: at most 12 on PostgreSQL,
 * and the same number for 1,000 keys as for one. The two ways of writing the plan — PostgreSQL's
 * one statement and the portable statement-by-statement write SQLite uses — give the same records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkout } from '../../src/modules/orders/index.js';
import type { CheckoutInput } from '../../src/modules/orders/checkout.js';
import type { UserActor } from '../../src/platform/actor.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { verifyLedger } from '../../src/modules/payments/ledger.js';
import { harness, type Harness } from '../helpers/app.js';
import { buy, fund, idem, stocked, viewerPrice } from '../helpers/orders.js';
import { statementsOf } from '../helpers/statements.js';
import { testEngine } from '../helpers/db.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const postgres = () => h.db.engine === 'postgres';

describe('checkout statements', () => {
  it('a balance checkout sends the same statements for 1,000 keys as for one (≤ 12 on PostgreSQL)', async () => {
    const p = await stocked(h, 1003);
    const b = await h.loggedIn({ role: 'buyer', memberLevel: 'SUPER' });
    await fund(h, b.userId, 1003 * p.prices.SUPER);
    const price = await viewerPrice(b, p.productId);
    // the first order of an escrow shard may open its account; count steady-state orders
    expect((await buy(b, p, 1)).status).toBe(201);
    const one = await statementsOf(() => buy(b, p, 1, 'BALANCE', idem(), { unitPriceFen: price }));
    expect(one.result.status, JSON.stringify(one.result.body)).toBe(201);
    const many = await statementsOf(() => buy(b, p, 1000, 'BALANCE', idem(), { unitPriceFen: price }));
    expect(many.result.status, JSON.stringify(many.result.body)).toBe(201);
    const body = many.result.body as { state: string; quantity: number; payment: { state: string } };
    expect([body.state, body.quantity, body.payment.state]).toEqual(['DELIVERED', 1000, 'PAID']);

    // an escrow shard opened on first use adds its few statements to that order only
    const opening = (s: string[]) =>
      s.filter((q) => q.includes('ledger_accounts') && !q.startsWith('with')).length;
    expect(many.statements.length - opening(many.statements)).toBe(
      one.statements.length - opening(one.statements),
    );
    if (postgres()) {
      expect(one.statements.length - opening(one.statements), one.statements.join('\n')).toBeLessThanOrEqual(
        12,
      );
      // one write statement carries the order, payment, units, keys, history, deadline and money
      expect(one.statements.filter((q) => q.startsWith('with o as (insert into "orders"'))).toHaveLength(1);
    }
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('a replayed Idempotency-Key is caught by the unique index, not a read before the write', async () => {
    const p = await stocked(h, 2);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const key = idem();
    const first = await statementsOf(() => buy(b, p, 1, 'BALANCE', key));
    expect(first.result.status).toBe(201);
    expect(first.statements.some((q) => q.includes('"idempotency_key" ='))).toBe(false);
    const again = await buy(b, p, 1, 'BALANCE', key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect((again.body as { id: string }).id).toBe((first.result.body as { id: string }).id);
  });
});

/** The records one checkout wrote, with every generated id replaced by its role. */
async function recordsOf(orderId: string, fromSeq: number, toSeq: number) {
  const db = h.db.db;
  const order = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  const payment = await db
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  const units = await db.selectFrom('units').selectAll().where('order_id', '=', orderId).execute();
  const keys = await db
    .selectFrom('keys')
    .selectAll()
    .where(
      'unit_id',
      'in',
      units.map((u) => u.id),
    )
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('key_events')
    .selectAll()
    .where(
      'key_id',
      'in',
      keys.map((k) => k.id),
    )
    .orderBy('kind')
    .orderBy('key_id')
    .execute();
  const deadlines = await db.selectFrom('deadlines').selectAll().where('object_id', '=', orderId).execute();
  const transactions = await db
    .selectFrom('ledger_transactions')
    .selectAll()
    .where('reference_id', '=', orderId)
    .execute();
  const postings =
    transactions.length === 0
      ? []
      : await db
          .selectFrom('ledger_postings')
          .selectAll()
          .where(
            'transaction_id',
            'in',
            transactions.map((t) => t.id),
          )
          .orderBy('amount_fen')
          .execute();
  const audit = await db
    .selectFrom('audit_events')
    .select(['action', 'object_type', 'object_id', 'actor_id', 'actor_role', 'at', 'data'])
    .where('seq', '>', fromSeq)
    .where('seq', '<=', toSeq)
    .orderBy('seq')
    .execute();
  // roles: keys in id order, each unit named after the key it got
  const roles = new Map<string, string>([
    [order.id, 'ORDER'],
    [order.order_no, 'ORDER_NO'],
    [payment.id, 'PAYMENT'],
    ...keys.map((k, i): [string, string] => [k.id, `KEY${i}`]),
    ...keys.map((k, i): [string, string] => [k.unit_id!, `UNIT${i}`]),
    ...transactions.map((t): [string, string] => [t.id, 'TX']),
    ...deadlines.map((d): [string, string] => [d.id, 'DEADLINE']),
    ...events.map((e): [string, string] => [e.id, 'EVENT']),
    ...postings.map((p): [string, string] => [p.id, 'POSTING']),
    ...postings.map((p): [string, string] => [p.account_id, `ACCOUNT${p.amount_fen < 0 ? 'FROM' : 'TO'}`]),
  ]);
  const named = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (_k, v: unknown) => {
        if (typeof v !== 'string') return v;
        let out = v;
        for (const [id, role] of roles) out = out.split(id).join(role);
        return out;
      }),
    );
  const strip = <T extends object>(rows: T[], ...drop: string[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !drop.includes(k))));
  return named({
    order: strip([order], 'idempotency_key', 'request_hash'),
    // the sandbox gateway names its own pay page
    payment: strip([payment], 'pay_url'),
    units,
    keys: strip(
      keys,
      'batch_id',
      'line_no',
      'serial_masked',
      'lookup_hmac',
      'secret_hmac',
      'ciphertext',
      'data_key_id',
    ),
    events,
    deadlines,
    // the fingerprint hashes the accounts' ids, which differ between the two escrow shards
    transactions: strip(transactions, 'idempotency_key', 'fingerprint'),
    postings,
    audit: audit.map((a) => ({ ...a, data: JSON.parse(a.data) as unknown })),
  });
}

// the portable write is SQLite's only write: there is nothing to compare on SQLite
describe.runIf(testEngine() === 'postgres')('the two writes of a checkout', () => {
  it('PostgreSQL’s one-statement write and the portable write give identical records', async () => {
    const p = await stocked(h, 12);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const actor: UserActor = {
      kind: 'user',
      id: b.userId,
      role: 'buyer',
      memberLevel: 'REGULAR',
      merchantId: null,
    };
    const input: CheckoutInput = {
      productId: p.productId,
      quantity: 3,
      paymentMethod: 'BALANCE',
      policyVersion: p.policyVersion,
      policyConfirmed: true,
      faceValueFen: p.faceValueFen,
      validityDays: p.validityDays,
      unitPriceFen: p.prices.REGULAR,
    };
    const ctx = h.app.kameng.ctx;
    const head = async () =>
      Number((await h.db.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq);
    const records = [];
    for (const write of ['portable', 'batched'] as const) {
      for (const method of ['BALANCE', 'WECHAT'] as const) {
        const before = await head();
        const r = await checkout(ctx, actor, idem(), { ...input, paymentMethod: method }, { write });
        records.push({ write, method, records: await recordsOf(r.orderId, before, await head()) });
      }
    }
    const [portableBalance, portableGateway, batchedBalance, batchedGateway] = records;
    expect(batchedBalance.records).toEqual(portableBalance.records);
    expect(batchedGateway.records).toEqual(portableGateway.records);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
  });
});
