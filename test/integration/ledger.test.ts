import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureAccount,
  postTransaction,
  verifyLedger,
  type MoneyMovement,
} from '../../src/modules/payments/ledger.js';
import { systemActor } from '../../src/platform/actor.js';
import { constraintKind } from '../../src/platform/db/dialect.js';
import { DomainError } from '../../src/platform/errors.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Harness } from '../helpers/app.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const actor = systemActor('test');
const tx = <T>(fn: (trx: typeof h.db.db) => Promise<T>) => unitOfWork(h.ctx, fn);
const account = (kind: 'WALLET' | 'GATEWAY_CLEARING' | 'ESCROW', owner: string) =>
  tx((trx) => ensureAccount(trx, kind, owner, h.ctx.clock.now()));
const post = (m: MoneyMovement) => tx((trx) => postTransaction(trx, actor, h.ctx.clock.now(), m));
const balance = async (id: string) =>
  Number(
    (
      await h.db.db
        .selectFrom('ledger_accounts')
        .select('balance_fen')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).balance_fen,
  );
let seq = 0;
const topUp = (walletId: string, clearingId: string, fen: number, key = `topup-${++seq}`) =>
  post({
    idempotencyKey: key,
    kind: 'TOPUP',
    reference: { type: 'topup', id: key },
    postings: [
      { accountId: clearingId, amountFen: -fen },
      { accountId: walletId, amountFen: fen },
    ],
  });

describe('ledger', () => {
  it('applies balanced movements in fen and refuses unbalanced or fractional ones', async () => {
    const w = await account('WALLET', 'u-1');
    const c = await account('GATEWAY_CLEARING', 'sandbox-wechat');
    await topUp(w.id, c.id, 10_000);
    expect([await balance(w.id), await balance(c.id)]).toEqual([10_000, -10_000]);
    await expect(
      post({
        idempotencyKey: 'bad-1',
        kind: 'X',
        reference: { type: 'x', id: '1' },
        postings: [
          { accountId: w.id, amountFen: 1 },
          { accountId: c.id, amountFen: 2 },
        ],
      }),
    ).rejects.toThrow(/does not balance/);
    await expect(
      post({
        idempotencyKey: 'bad-2',
        kind: 'X',
        reference: { type: 'x', id: '1' },
        postings: [
          { accountId: w.id, amountFen: 0.5 },
          { accountId: c.id, amountFen: -0.5 },
        ],
      }),
    ).rejects.toThrow(/whole fen/);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
  });

  it('a replay under the same idempotency key changes nothing; a different movement under it is 422', async () => {
    const w = await account('WALLET', 'u-2');
    const c = await account('GATEWAY_CLEARING', 'sandbox-alipay');
    const first = await topUp(w.id, c.id, 500, 'notify-42');
    const again = await topUp(w.id, c.id, 500, 'notify-42');
    expect(again).toEqual({ transactionId: first.transactionId, replayed: true });
    expect(await balance(w.id)).toBe(500);
    const other = await topUp(w.id, c.id, 900, 'notify-42').catch((e: unknown) => e);
    expect(other).toBeInstanceOf(DomainError);
    expect(other).toMatchObject({ code: 'ledger.idempotency_conflict', status: 422 });
    expect(await balance(w.id)).toBe(500);
  });

  it('a wallet never goes negative; a refused spend rolls back the whole transaction', async () => {
    const w = await account('WALLET', 'u-3');
    const e = await account('ESCROW', 'platform');
    const c = await account('GATEWAY_CLEARING', 'sandbox-wechat');
    await topUp(w.id, c.id, 300);
    const spend = (k: string, fen: number) =>
      post({
        idempotencyKey: k,
        kind: 'ORDER_PAYMENT',
        reference: { type: 'order', id: k },
        postings: [
          { accountId: w.id, amountFen: -fen },
          { accountId: e.id, amountFen: fen },
        ],
      });
    await expect(spend('too-much', 301)).rejects.toMatchObject({ code: 'ledger.insufficient_funds' });
    expect(await balance(w.id)).toBe(300);
    expect(
      await h.db.db
        .selectFrom('ledger_transactions')
        .select('id')
        .where('idempotency_key', '=', 'too-much')
        .execute(),
    ).toEqual([]);
  });

  it('30 concurrent spends of ¥1.00 against ¥10.00: exactly 10 succeed, none overdraws', async () => {
    const w = await account('WALLET', 'u-4');
    const e = await account('ESCROW', 'platform');
    const c = await account('GATEWAY_CLEARING', 'sandbox-wechat');
    await topUp(w.id, c.id, 1000);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        post({
          idempotencyKey: `race-${i}`,
          kind: 'ORDER_PAYMENT',
          reference: { type: 'order', id: `race-${i}` },
          postings: [
            { accountId: w.id, amountFen: -100 },
            { accountId: e.id, amountFen: 100 },
          ],
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ledger.insufficient_funds' });
    expect(await balance(w.id)).toBe(0);
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
  });

  it('money is conserved over any random sequence of movements (property)', async () => {
    const c = await account('GATEWAY_CLEARING', 'prop-gateway');
    const wallets = await Promise.all([1, 2, 3, 4].map((i) => account('WALLET', `prop-${i}`)));
    const move = fc.record({ from: fc.nat(4), to: fc.nat(4), fen: fc.integer({ min: 1, max: 5000 }) });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(move, { minLength: 1, maxLength: 20 }), async (moves) => {
        for (const mv of moves) {
          const ids = [c.id, ...wallets.map((w) => w.id)];
          const from = ids[mv.from];
          const to = ids[mv.to];
          if (from === to) continue;
          await post({
            idempotencyKey: `prop-${++n}`,
            kind: 'TRANSFER',
            reference: { type: 'prop', id: String(n) },
            postings: [
              { accountId: from, amountFen: -mv.fen },
              { accountId: to, amountFen: mv.fen },
            ],
          }).catch((e: unknown) => {
            if (!(e instanceof DomainError)) throw e;
          });
        }
        const rows = await h.db.db
          .selectFrom('ledger_accounts')
          .select(['kind', 'balance_fen'])
          .where('owner_id', 'like', 'prop-%')
          .execute();
        const total = rows.reduce((sum, r) => sum + Number(r.balance_fen), 0);
        return total === 0 && rows.every((r) => r.kind !== 'WALLET' || Number(r.balance_fen) >= 0);
      }),
      { numRuns: 25 },
    );
    expect((await verifyLedger(h.db.db)).ok).toBe(true);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('postings are append-only and the balance CHECK holds even against a direct write', async () => {
    const w = await account('WALLET', 'u-5');
    const direct = await h.db.db
      .updateTable('ledger_accounts')
      .set({ balance_fen: -1 })
      .where('id', '=', w.id)
      .execute()
      .catch((e: unknown) => constraintKind(e));
    expect(direct).toBe('check');
    const edit = await h.db.db
      .updateTable('ledger_postings')
      .set({ amount_fen: 1 })
      .execute()
      .catch((e: unknown) => constraintKind(e));
    expect(edit).toBe('append_only');
  });
});
