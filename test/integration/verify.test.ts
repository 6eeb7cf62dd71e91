/**
 * `kameng verify` (Stage 9, issue 14): a clean seeded demo database verifies clean; each check
 * finds a row corrupted behind the application's back (raw SQL, in a transaction rolled back after
 * the check, so every case starts from the same clean database); the audit chain cannot be
 * recomputed after deleting an event (item 8: keyed chain and exported head).
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDatabase, type VerifyReport } from '../../src/modules/admin/index.js';
import { seedDemo, seedDemoKeys } from '../../src/modules/demo/seed.js';
import { seedDemoOrders, seedDemoRefunds } from '../../src/modules/demo/refunds.js';
import { canonicalJson } from '../../src/platform/audit.js';
import { auditHeadFile } from '../../src/platform/audit-head.js';
import type { Db } from '../../src/platform/db/dialect.js';
import type { Database } from '../../src/platform/db/schema.js';
import { harness, type Harness } from '../helpers/app.js';
import { testEngine } from '../helpers/db.js';

let h: Harness;
const TS = '2026-01-05T03:00:00.000Z';

beforeAll(async () => {
  h = await harness();
  await seedDemo(h.ctx);
  await seedDemoKeys(h.app.kameng.ctx);
  await seedDemoOrders(h.app.kameng.ctx);
  await seedDemoRefunds(h.app.kameng.ctx);
  await h.app.kameng.sweep(); // exports the audit head outside the database
});
afterAll(() => h.close());

const verify = (db: Db): Promise<VerifyReport> =>
  verifyDatabase({ db, engine: h.db.engine, clock: h.ctx.clock, dataDir: h.config.dataDir });

const failed = (r: VerifyReport): string[] => r.checks.filter((c) => !c.ok).map((c) => c.id);

class Rollback extends Error {}

/** Corrupts the database in a transaction, verifies inside it, and rolls the corruption back. */
async function verifyCorrupted(corrupt: (trx: Kysely<Database>) => Promise<void>): Promise<VerifyReport> {
  let report: VerifyReport | undefined;
  await h.db.db
    .transaction()
    .execute(async (trx) => {
      await corrupt(trx);
      report = await verify(trx);
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return report!;
}

const run = (trx: Kysely<Database>, text: string) => sql.raw(text).execute(trx);
const dropAppendOnly = (trx: Kysely<Database>) =>
  testEngine() === 'postgres'
    ? run(trx, 'drop trigger audit_events_append_only on audit_events')
    : run(trx, 'drop trigger audit_events_no_delete').then(() =>
        run(trx, 'drop trigger audit_events_no_update'),
      );

const sealedKey = `(select id from keys where state = 'SEALED' order by id limit 1)`;

describe('kameng verify', () => {
  it('a clean seeded demo database verifies clean, every check run', async () => {
    const r = await verify(h.db.db);
    expect(failed(r)).toEqual([]);
    expect(r.checks.map((c) => c.id)).toEqual([
      'ledger.balanced',
      'ledger.balances',
      'escrow',
      'keys.one_unit',
      'keys.refunded_sold',
      'keys.refund_state',
      'refunds.per_unit',
      'refunds.per_payment',
      'refunds.per_order',
      'orders.keys',
      'refunds.payout',
      'audit.events',
      'audit.chain',
      'audit.head',
      'states.requests',
      'states.disputes',
    ]);
    expect(r.checks.find((c) => c.id === 'audit.head')?.note).toMatch(/exported head/);
  });

  // One deliberately corrupted row per check; the check named must find it.
  const cases: [string, string[]][] = [
    [
      'ledger.balanced',
      [
        `insert into ledger_postings (id, transaction_id, account_id, amount_fen, created_at)
         select 'corrupt-posting', transaction_id, account_id, 1, created_at from ledger_postings
         order by id limit 1`,
      ],
    ],
    [
      'ledger.balances',
      [
        `update ledger_accounts set balance_fen = balance_fen + 1
         where id = (select id from ledger_accounts where kind = 'WALLET' order by id limit 1)`,
      ],
    ],
    [
      'escrow',
      [
        `update orders set settled_at = '${TS}' where id = (select o.id from orders o
         join payments p on p.order_id = o.id and p.state = 'PAID'
         where o.kind = 'GOODS' and o.payment_method <> 'CHANNEL' order by o.id limit 1)`,
      ],
    ],
    [
      'keys.one_unit',
      [
        `insert into key_events (id, key_id, unit_id, at, kind, actor_id, actor_role, ip, user_agent, detail)
         select 'corrupt-event', ${sealedKey}, u.id, '${TS}', 'DELIVERED', null, 'system', null, null, null
         from units u where u.id <> (select unit_id from keys where id = ${sealedKey}) order by u.id limit 1`,
      ],
    ],
    [
      'keys.refunded_sold',
      [
        `update units set refunded_at = '${TS}' where id = (select unit_id from keys where id = ${sealedKey})`,
      ],
    ],
    ['keys.refund_state', [`update keys set state = 'VOIDED', voided_at = '${TS}' where id = ${sealedKey}`]],
    [
      'keys.refund_state',
      [
        `update keys set state = 'AVAILABLE', unit_id = null, buyer_id = null, delivered_at = null,
         first_revealed_at = '${TS}' where id = ${sealedKey}`,
      ],
    ],
    [
      'refunds.per_unit',
      [
        `update refund_request_units set amount_fen = 100000000
         where request_id = (select id from refund_requests where state = 'REFUNDED' order by id limit 1)`,
      ],
    ],
    [
      'refunds.per_payment',
      [
        `update payouts set amount_fen = amount_fen + 100000000
         where id = (select id from payouts order by id limit 1)`,
      ],
    ],
    [
      'refunds.per_order',
      [
        `update payments set amount_fen = 1
         where id = (select payment_id from payouts order by id limit 1)`,
      ],
    ],
    [
      'orders.keys',
      [
        `update keys set state = 'INVALID', invalid_at = '${TS}', invalid_reason = 'x' where id = ${sealedKey}`,
      ],
    ],
    [
      'orders.keys',
      [
        // a paid order closed as if its payment were late, with neither delivery nor a payout
        `update orders set state = 'EXPIRED' where id = (select o.id from orders o
           join payments p on p.order_id = o.id and p.state = 'PAID'
           where o.state = 'DELIVERED' and o.kind = 'GOODS' order by o.id limit 1)`,
      ],
    ],
    [
      'refunds.payout',
      [
        `update payouts set refund_request_id = null
         where refund_request_id = (select id from refund_requests where state = 'REFUNDED' order by id limit 1)`,
      ],
    ],
    [
      'audit.events',
      [
        `update refund_requests set state = 'CANCELLED', closed_at = '${TS}'
         where id = (select id from refund_requests where state = 'PENDING_REVIEW' order by id limit 1)`,
      ],
    ],
    [
      'states.requests',
      [
        `update refund_requests set review_due_at = null
         where id = (select id from refund_requests where state = 'PENDING_REVIEW' order by id limit 1)`,
      ],
    ],
    [
      'states.disputes',
      [
        `update disputes set decision_due_at = null
         where id = (select id from disputes where state = 'ARBITRATION' order by id limit 1)`,
      ],
    ],
  ];

  it.each(cases)('%s finds a corrupted row', async (check, statements) => {
    const r = await verifyCorrupted(async (trx) => {
      for (const s of statements) {
        const res = await run(trx, s);
        expect(Number(res.numAffectedRows ?? 1), s).toBeGreaterThan(0);
      }
    });
    expect(failed(r)).toContain(check);
    const c = r.checks.find((x) => x.id === check)!;
    expect(c.problems).toBeGreaterThan(0);
    expect(c.examples.length).toBeGreaterThan(0);
  });

  it('an event deleted and the chain recomputed after it (the old unkeyed rule) is found', async () => {
    const r = await verifyCorrupted(async (trx) => {
      await dropAppendOnly(trx);
      const { rows } = await sql<{ n: number }>`select max(seq) as n from audit_events`.execute(trx);
      const victim = Number(rows[0].n) - 3;
      await sql`delete from audit_events where seq = ${victim}`.execute(trx);
      const prevRow = await trx
        .selectFrom('audit_events')
        .select('hash')
        .where('seq', '=', victim - 1)
        .executeTakeFirstOrThrow();
      let prev = prevRow.hash;
      const tail = await trx
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', victim)
        .orderBy('seq')
        .execute();
      let seq = victim;
      for (const e of tail) {
        // what anyone who can write the database can compute: no key
        const body = canonicalJson([
          seq,
          e.id,
          e.at,
          e.actor_id,
          e.actor_role,
          e.action,
          e.object_type,
          e.object_id,
          e.data,
        ]);
        const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
        await trx
          .updateTable('audit_events')
          .set({ seq, prev_hash: prev, hash })
          .where('seq', '=', e.seq)
          .execute();
        await sql`update audit_events set key_id = null where seq = ${seq}`.execute(trx);
        prev = hash;
        seq++;
      }
      await trx
        .updateTable('audit_head')
        .set({ seq: seq - 1, hash: prev })
        .where('id', '=', 1)
        .execute();
    });
    expect(failed(r)).toContain('audit.chain');
    expect(failed(r)).toContain('audit.head');
  });

  it('the last events deleted and the head moved back: the chain is whole, the exported head is not', async () => {
    const r = await verifyCorrupted(async (trx) => {
      await dropAppendOnly(trx);
      const { rows } = await sql<{ n: number }>`select max(seq) as n from audit_events`.execute(trx);
      const last = Number(rows[0].n);
      await sql`delete from audit_events where seq = ${last}`.execute(trx);
      const prev = await trx
        .selectFrom('audit_events')
        .select('hash')
        .where('seq', '=', last - 1)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('audit_head')
        .set({ seq: last - 1, hash: prev.hash })
        .where('id', '=', 1)
        .execute();
    });
    // the chain itself still verifies: only the head exported outside the database tells
    expect(failed(r)).not.toContain('audit.chain');
    expect(failed(r)).toContain('audit.head');
    expect(r.checks.find((c) => c.id === 'audit.head')?.examples[0]).toMatch(/past the chain's end/);
  });

  it('GET /api/admin/verify: the same report for an admin, refused to anyone else', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const res = await admin.get<VerifyReport>('/api/admin/verify');
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.checks).toHaveLength(16);
    expect(res.body.checks[0].id).toBe('ledger.balanced');
    expect(res.body.checks[0].title['zh-CN']).toBe('每笔记账交易借贷平衡');
    const support = await h.loggedIn({ role: 'support' });
    expect((await support.get('/api/admin/verify')).status).toBe(403);
    expect((await h.client().get('/api/admin/verify')).status).toBe(401);
  });

  it('the audit head is exported to a file outside the database and to the log', async () => {
    const { readFileSync } = await import('node:fs');
    // a sweep within a minute of the last export writes nothing; the next one exports the new head
    const before = readFileSync(auditHeadFile(h.config.dataDir), 'utf8');
    await h.loggedIn({ role: 'buyer' }); // moves the head
    await h.app.kameng.sweep();
    expect(readFileSync(auditHeadFile(h.config.dataDir), 'utf8')).toBe(before);
    h.base.advance(60_000);
    await h.app.kameng.sweep();
    const lines = readFileSync(auditHeadFile(h.config.dataDir), 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]) as { seq: number; hash: string };
    const head = await h.db.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
    expect(last).toMatchObject({ seq: head.seq, hash: head.hash });
    expect(h.logs.some((l) => l.includes('"auditHead"') && l.includes(head.hash))).toBe(true);
  });
});
