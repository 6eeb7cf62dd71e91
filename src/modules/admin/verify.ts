/**
 * `kameng verify` and GET /api/admin/verify (Stage 9, issue 14): the whole database checked against
 * the invariants of domain spec §12, as a report a person can read. Every check is one or a few
 * aggregate SQL statements the database streams (grouped sums, anti-joins on indexed columns), so
 * nothing is loaded into memory but a handful of example rows per check — except the audit chain,
 * which is walked in seq order a thousand events at a time (its hashes must be recomputed).
 *
 * The checks (ids are stable: the crash test and the console read them):
 * - ledger.balanced      every ledger transaction's postings sum to zero
 * - ledger.balances      every account's balance equals the sum of its postings (and is not
 *                        negative unless the account allows it)
 * - escrow               per goods order, what escrow holds for it equals paid − paid out while it is
 *                        unsettled; after settlement at most what its open payouts still need
 *                        (a channel's orders are paid and refunded on the channel, not through escrow)
 * - keys.one_unit        no key delivered to a second unit without a sealed refund in between
 * - keys.refunded_sold   no refunded unit whose key is still sold (reserved, sealed, revealed)
 * - keys.refund_state    no revealed key back in stock; no key voided in a unit without a reveal
 *                        (a sealed refund returns the key to stock, it never voids it)
 * - refunds.per_unit / refunds.per_payment / refunds.per_order   refunded ≤ paid
 * - orders.keys          every delivered goods order has its units, each with its live key
 * - refunds.payout       every request in refund (REFUNDING, REFUNDED, REFUND_ABNORMAL) has its payout
 * - audit.events         every aggregate row not in an initial state has the audit event of the
 *                        move into its current state (anti-join on audit_events(object_type, object_id))
 * - audit.chain          the keyed hash chain verifies (audit-chain.ts)
 * - audit.head           every line of the exported head (audit-head.log) matches the chain
 * - states.requests / states.disputes   rows in states their transition tables have, with the
 *                        deadline or decision each state requires
 */
import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { verifyAuditChain } from '../../platform/audit.js';
import { AUDIT_HEAD_FILE, auditHeadFile, readHeadFile } from '../../platform/audit-head.js';
import { columnTypes, type Db, type Engine } from '../../platform/db/dialect.js';
import { machines, type AggregateTable } from '../../platform/fsm.js';
import { fail } from '../../platform/errors.js';

export interface VerifyCheck {
  id: string;
  title: { 'zh-CN': string; en: string };
  ok: boolean;
  /** How many rows break the invariant (at least; `examples` shows the first few). */
  problems: number;
  examples: string[];
  note?: string;
  ms: number;
}

export interface VerifyReport {
  ok: boolean;
  engine: Engine;
  at: string;
  ms: number;
  checks: VerifyCheck[];
}

export const verifyReportSchema = z.object({
  ok: z.boolean(),
  engine: z.enum(['sqlite', 'postgres']),
  at: z.string(),
  ms: z.number(),
  checks: z.array(
    z.object({
      id: z.string(),
      title: z.object({ 'zh-CN': z.string(), en: z.string() }),
      ok: z.boolean(),
      problems: z.number(),
      examples: z.array(z.string()),
      note: z.string().optional(),
      ms: z.number(),
    }),
  ),
});

export interface VerifyContext {
  db: Db;
  engine: Engine;
  clock: { now(): Date };
  /** Where the exported audit head is (audit-head.ts). */
  dataDir: string;
}

const EXAMPLES = 5;
const COUNT_CAP = 10_000;

type Found = { problems: number; examples: string[]; note?: string };

/** Rows of `query` are violations: counted (up to a cap) and the first few described. */
async function violations(
  db: Db,
  query: RawBuilder<unknown>,
  describe: (row: Record<string, unknown>) => string,
): Promise<Found> {
  const rows = (await sql<Record<string, unknown>>`select * from (${query}) v limit ${EXAMPLES}`.execute(db))
    .rows;
  if (rows.length === 0) return { problems: 0, examples: [] };
  const counted = await sql<{
    n: number | string;
  }>`select count(*) as n from (select 1 as one from (${query}) v limit ${COUNT_CAP}) c`.execute(db);
  return { problems: Number(counted.rows[0]?.n ?? rows.length), examples: rows.map(describe) };
}

const merge = (...found: Found[]): Found => ({
  problems: found.reduce((n, f) => n + f.problems, 0),
  examples: found.flatMap((f) => f.examples).slice(0, EXAMPLES),
});

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const LIVE_KEY = sql`('RESERVED', 'SEALED', 'REVEALED', 'ACTIVATED')`;
const SOLD_KEY = sql`('RESERVED', 'SEALED', 'REVEALED')`;
/** Requests whose money is (being) paid back. */
const REFUNDING = sql`('APPROVED', 'REFUNDING', 'REFUNDED', 'REFUND_ABNORMAL')`;

interface CheckDef {
  id: string;
  zh: string;
  en: string;
  run(ctx: VerifyContext): Promise<Found>;
}

/** Aggregates whose moves are audited one row per event (keys move in bulk, one event per move). */
const AUDITED: readonly AggregateTable[] = [
  'orders',
  'payments',
  'payouts',
  'withdrawals',
  'refund_requests',
  'disputes',
  'dispute_statements',
  'key_batches',
  'memberships',
  'channel_refunds',
  'products',
];

const CHECKS: readonly CheckDef[] = [
  {
    id: 'ledger.balanced',
    zh: '每笔记账交易借贷平衡',
    en: 'every ledger transaction balances',
    run: ({ db }) =>
      violations(
        db,
        sql`select transaction_id as id, sum(amount_fen) as s from ledger_postings
          group by transaction_id having sum(amount_fen) <> 0`,
        (r) => `transaction ${str(r.id)}: postings sum to ${str(r.s)}`,
      ),
  },
  {
    id: 'ledger.balances',
    zh: '账户余额等于分录合计',
    en: 'account balances equal the sum of their postings',
    run: ({ db, engine }) =>
      violations(
        db,
        sql`select a.id, a.kind, a.owner_id, a.balance_fen, coalesce(p.s, 0) as s,
            case when a.allow_negative = ${columnTypes(engine).true} then 1 else 0 end as allow_negative
          from ledger_accounts a
          left join (select account_id, sum(amount_fen) as s from ledger_postings group by account_id) p
            on p.account_id = a.id
          where a.balance_fen <> coalesce(p.s, 0) or (a.balance_fen < 0 and a.allow_negative = ${columnTypes(engine).false})`,
        (r) =>
          `${str(r.kind)} ${str(r.owner_id)}: balance ${str(r.balance_fen)}, postings ${str(r.s)}${Number(r.balance_fen) < 0 && Number(r.allow_negative) === 0 ? ' (negative)' : ''}`,
      ),
  },
  {
    id: 'escrow',
    zh: '担保账户等于未结算的已付订单',
    en: 'escrow equals the unsettled paid orders',
    run: async ({ db }) =>
      merge(
        await violations(
          db,
          sql`select o.id, o.order_no, o.settled_at, coalesce(h.fen, 0) as held,
              coalesce(pd.fen, 0) as paid, coalesce(po.fen, 0) as paid_out, coalesce(op.fen, 0) as open_payouts
            from orders o
            left join (select t.reference_id as order_id, sum(p.amount_fen) as fen
                from ledger_postings p
                join ledger_accounts a on a.id = p.account_id and a.kind = 'ESCROW'
                join ledger_transactions t on t.id = p.transaction_id and t.reference_type = 'order'
                group by t.reference_id) h on h.order_id = o.id
            left join (select order_id, sum(amount_fen) as fen from payments where state = 'PAID'
                group by order_id) pd on pd.order_id = o.id
            left join (select order_id, sum(amount_fen) as fen from payouts where state = 'SUCCESS'
                group by order_id) po on po.order_id = o.id
            left join (select order_id, sum(amount_fen) as fen from payouts
                where state in ('PENDING', 'PROCESSING', 'ABNORMAL') group by order_id) op on op.order_id = o.id
            where o.kind = 'GOODS' and o.payment_method <> 'CHANNEL' and (
              (o.settled_at is null and coalesce(h.fen, 0) <> coalesce(pd.fen, 0) - coalesce(po.fen, 0))
              or (o.settled_at is not null
                and (coalesce(h.fen, 0) < 0 or coalesce(h.fen, 0) > coalesce(op.fen, 0))))`,
          (r) =>
            `order ${str(r.order_no)}: escrow holds ${str(r.held)}, paid ${str(r.paid)}, paid out ${str(r.paid_out)}${r.settled_at ? `, settled, open payouts ${str(r.open_payouts)}` : ', unsettled'}`,
        ),
        await violations(
          db,
          sql`select t.id, t.kind, t.reference_type from ledger_postings p
            join ledger_accounts a on a.id = p.account_id and a.kind = 'ESCROW'
            join ledger_transactions t on t.id = p.transaction_id
            where t.reference_type <> 'order'`,
          (r) => `transaction ${str(r.id)} (${str(r.kind)}) moves escrow for a ${str(r.reference_type)}`,
        ),
      ),
  },
  {
    id: 'keys.one_unit',
    zh: '一个卡密只交付给一个单元',
    en: 'no key in two units',
    run: ({ db }) =>
      violations(
        db,
        sql`select d.key_id, count(distinct d.unit_id) as units from key_events d
          where d.kind = 'DELIVERED' and d.unit_id is not null
          group by d.key_id
          having count(distinct d.unit_id) > 1 +
            (select count(*) from key_events r where r.key_id = d.key_id and r.kind = 'RETURNED')`,
        (r) => `key ${str(r.key_id)} delivered to ${str(r.units)} units without a sealed refund between`,
      ),
  },
  {
    id: 'keys.refunded_sold',
    zh: '已退款单元的卡密不再处于售出状态',
    en: 'no refunded unit whose key is still sold',
    run: ({ db }) =>
      violations(
        db,
        sql`select u.id, k.id as key_id, k.state from units u
          join keys k on k.unit_id = u.id and k.state in ${SOLD_KEY}
          where u.refunded_at is not null`,
        (r) => `unit ${str(r.id)} is refunded but its key ${str(r.key_id)} is ${str(r.state)}`,
      ),
  },
  {
    id: 'keys.refund_state',
    zh: '未揭示退款的卡密未作废，已揭示退款的卡密未回库',
    en: 'no sealed-refunded key voided, no revealed-refunded key back in stock',
    run: ({ db }) =>
      violations(
        db,
        sql`select id, state from keys
          where (state = 'AVAILABLE' and first_revealed_at is not null)
            or (state = 'VOIDED' and unit_id is not null and first_revealed_at is null)`,
        (r) =>
          r.state === 'AVAILABLE'
            ? `key ${str(r.id)} was revealed but is back in stock`
            : `key ${str(r.id)} was voided in its unit without ever being revealed (a sealed refund returns it to stock)`,
      ),
  },
  {
    id: 'refunds.per_unit',
    zh: '每个单元退款不超过实付',
    en: 'refunded ≤ paid per unit',
    run: ({ db }) =>
      violations(
        db,
        sql`select ru.unit_id, sum(ru.amount_fen) as refunded, max(o.unit_price_fen) as price
          from refund_request_units ru
          join refund_requests r on r.id = ru.request_id and r.state in ${REFUNDING}
          join units u on u.id = ru.unit_id
          join orders o on o.id = u.order_id
          group by ru.unit_id having sum(ru.amount_fen) > max(o.unit_price_fen)`,
        (r) => `unit ${str(r.unit_id)}: refunded ${str(r.refunded)} of ${str(r.price)}`,
      ),
  },
  {
    id: 'refunds.per_payment',
    zh: '每笔支付退回不超过支付金额',
    en: 'refunded ≤ paid per payment',
    run: ({ db }) =>
      violations(
        db,
        sql`select p.id, p.amount_fen, sum(o.amount_fen) as paid_out from payments p
          join payouts o on o.payment_id = p.id and o.state <> 'CLOSED'
          group by p.id, p.amount_fen having sum(o.amount_fen) > p.amount_fen`,
        (r) => `payment ${str(r.id)}: ${str(r.paid_out)} paid back of ${str(r.amount_fen)}`,
      ),
  },
  {
    id: 'refunds.per_order',
    zh: '每个订单退款不超过实付',
    en: 'refunded ≤ paid per order',
    run: ({ db }) =>
      violations(
        db,
        sql`select o.order_id, sum(o.amount_fen) as paid_out,
            (select coalesce(sum(p.amount_fen), 0) from payments p
              where p.order_id = o.order_id and p.state = 'PAID') as paid
          from payouts o where o.state <> 'CLOSED'
          group by o.order_id
          having sum(o.amount_fen) > (select coalesce(sum(p.amount_fen), 0) from payments p
              where p.order_id = o.order_id and p.state = 'PAID')`,
        (r) => `order ${str(r.order_id)}: ${str(r.paid_out)} paid back of ${str(r.paid)} paid`,
      ),
  },
  {
    id: 'orders.keys',
    zh: '已付款订单都有其卡密',
    en: 'no paid order without its keys',
    run: async ({ db }) =>
      merge(
        await violations(
          db,
          sql`select o.id, o.order_no, o.quantity,
              (select count(*) from units u where u.order_id = o.id) as units
            from orders o
            where o.kind = 'GOODS' and o.state = 'DELIVERED'
              and (select count(*) from units u where u.order_id = o.id) <> o.quantity`,
          (r) => `order ${str(r.order_no)}: ${str(r.units)} unit(s) for quantity ${str(r.quantity)}`,
        ),
        await violations(
          db,
          sql`select o.order_no, u.id from units u
            join orders o on o.id = u.order_id and o.state = 'DELIVERED' and o.kind = 'GOODS'
            where u.refunded_at is null
              and not exists (select 1 from keys k where k.unit_id = u.id and k.state in ${LIVE_KEY})`,
          (r) => `order ${str(r.order_no)}: unit ${str(r.id)} holds no key`,
        ),
        // money that arrived for a closed order (a late payment) is delivered or paid back
        await violations(
          db,
          sql`select o.order_no, o.state from orders o
            join payments p on p.order_id = o.id and p.state = 'PAID'
            where o.state in ('EXPIRED', 'CANCELLED')
              and not exists (select 1 from payouts po where po.payment_id = p.id and po.purpose = 'LATE_PAYMENT')`,
          (r) =>
            `order ${str(r.order_no)} is ${str(r.state)}: its payment arrived but was neither delivered nor paid back`,
        ),
      ),
  },
  {
    id: 'refunds.payout',
    zh: '已批准的退款都有退款付款',
    en: 'no approved refund without its payout',
    run: ({ db }) =>
      violations(
        db,
        sql`select r.id, r.request_no, r.state from refund_requests r
          join orders o on o.id = r.order_id and o.payment_method <> 'CHANNEL'
          where r.state in ('REFUNDING', 'REFUNDED', 'REFUND_ABNORMAL') and r.amount_fen > 0
            and not exists (select 1 from payouts p where p.refund_request_id = r.id)`,
        (r) => `request ${str(r.request_no)} is ${str(r.state)} without a payout`,
      ),
  },
  {
    id: 'audit.events',
    zh: '每次状态变更都有审计事件',
    en: 'every state change has its audit event',
    run: async ({ db }) => {
      const found: Found[] = [];
      for (const m of machines()) {
        if (!AUDITED.includes(m.def.table)) continue;
        const initial = new Set<string>(m.def.initial);
        for (const state of Object.keys(m.def.transitions)) {
          if (initial.has(state)) continue;
          const action = m.def.action ? m.def.action(state) : `${m.def.name}.${state.toLowerCase()}`;
          found.push(
            await violations(
              db,
              sql`select t.id from ${sql.table(m.def.table)} t
                where ${sql.ref(`t.${m.def.column}`)} = ${state}
                  and not exists (select 1 from audit_events a
                    where a.object_type = ${m.def.name} and a.object_id = t.id and a.action = ${action})`,
              (r) => `${m.def.name} ${str(r.id)} is ${state} without a ${action} event`,
            ),
          );
        }
      }
      return merge(...found);
    },
  },
  {
    id: 'audit.chain',
    zh: '审计链（带密钥）校验通过',
    en: 'the keyed audit chain verifies',
    run: async ({ db }) => {
      const r = await verifyAuditChain(db);
      const note =
        r.unkeyedUpTo && r.unkeyedUpTo > 0
          ? `events 1–${r.unkeyedUpTo} predate the keyed chain (migration 0015) and are checked unkeyed / 1–${r.unkeyedUpTo} 号事件早于密钥链，按旧规则校验`
          : undefined;
      return r.ok
        ? { problems: 0, examples: [], note: `${r.count} events${note ? `; ${note}` : ''}` }
        : {
            problems: 1,
            examples: [`broken at seq ${r.brokenAtSeq}: ${r.reason ?? ''}`],
            ...(note ? { note } : {}),
          };
    },
  },
  {
    id: 'audit.head',
    zh: '导出的链头与审计链一致',
    en: 'the exported audit head matches the chain',
    run: async ({ db, dataDir }) => {
      const head = await readHeadFile(auditHeadFile(dataDir));
      // The report reaches the console over HTTP: it names the file, not the server's paths.
      const shown = `<data dir>/${AUDIT_HEAD_FILE}`;
      if (!head.exists) return { problems: 0, examples: [], note: `no exported head yet (${shown})` };
      const chain = await verifyAuditChain(db, 1000, new Set(head.lines.keys()));
      const examples: string[] = head.malformed.map((n) => `line ${n} of ${shown} is malformed`);
      let last = 0;
      for (const [seq, hash] of head.lines) {
        last = Math.max(last, seq);
        if (seq > chain.count)
          examples.push(`exported head seq ${seq} is past the chain's end (${chain.count}): events deleted`);
        else if (chain.hashesAt?.get(seq) !== hash)
          examples.push(`exported head seq ${seq} does not match the chain: events edited or recomputed`);
      }
      return {
        problems: examples.length,
        examples: examples.slice(0, EXAMPLES),
        note: `${head.lines.size} exported head(s), last seq ${last}, chain ${chain.count}`,
      };
    },
  },
  {
    id: 'states.requests',
    zh: '退款申请状态合法且期限齐全',
    en: 'refund requests in allowed states, with their deadlines',
    run: async ({ db }) => {
      const states = statesOf('refund_requests');
      return violations(
        db,
        sql`select id, request_no, state from refund_requests
          where state not in (${sql.join(states)})
            or (state in ('PENDING_REVIEW', 'SUPPORT_REVIEW') and review_due_at is null)
            or (state = 'AWAITING_BUYER' and supplement_due_at is null)
            or (state = 'REJECTED' and escalation_due_at is null)
            or (state in ('REFUNDED', 'CANCELLED', 'CLOSED') and closed_at is null)
            or (state = 'DISPUTED' and not exists (select 1 from disputes d where d.request_id = refund_requests.id))`,
        (r) => `request ${str(r.request_no)} is ${str(r.state)} without what that state requires`,
      );
    },
  },
  {
    id: 'states.disputes',
    zh: '纠纷状态合法且期限齐全',
    en: 'disputes in allowed states, with their deadlines',
    run: async ({ db }) => {
      const states = statesOf('disputes');
      return violations(
        db,
        sql`select id, dispute_no, state from disputes
          where state not in (${sql.join(states)})
            or evidence_due_at is null
            or (state = 'ARBITRATION' and decision_due_at is null)
            or (state = 'DECIDED' and (outcome is null or decided_at is null))
            or (state <> 'DECIDED' and outcome is not null)`,
        (r) => `dispute ${str(r.dispute_no)} is ${str(r.state)} without what that state requires`,
      );
    },
  },
];

function statesOf(table: AggregateTable): string[] {
  const m = machines().find((x) => x.def.table === table);
  if (!m) throw new Error(`no state machine for ${table}`);
  return Object.keys(m.def.transitions);
}

/** The ids of the checks, in report order. */
export const VERIFY_CHECKS: readonly string[] = CHECKS.map((c) => c.id);

/** Runs every check (or those in `only`); a check that cannot run is a problem, not a crash. */
export async function verifyDatabase(ctx: VerifyContext, only?: readonly string[]): Promise<VerifyReport> {
  const started = Date.now();
  const checks: VerifyCheck[] = [];
  for (const c of CHECKS) {
    if (only && !only.includes(c.id)) continue;
    const t = Date.now();
    let found: Found;
    try {
      found = await c.run(ctx);
    } catch (error) {
      found = {
        problems: 1,
        examples: [`the check failed to run: ${error instanceof Error ? error.message : String(error)}`],
      };
    }
    checks.push({
      id: c.id,
      title: { 'zh-CN': c.zh, en: c.en },
      ok: found.problems === 0,
      problems: found.problems,
      examples: found.examples,
      ...(found.note ? { note: found.note } : {}),
      ms: Date.now() - t,
    });
  }
  return {
    ok: checks.every((c) => c.ok),
    engine: ctx.engine,
    at: ctx.clock.now().toISOString(),
    ms: Date.now() - started,
    checks,
  };
}

/** The admin endpoint's entry: admins only. */
export function verifyForAdmin(ctx: VerifyContext, actor: Actor): Promise<VerifyReport> {
  if (actor.kind !== 'user' || actor.role !== 'admin') fail('auth.forbidden');
  return verifyDatabase(ctx);
}

/** The report as text for a terminal (zh-CN and English labels). */
export function formatReport(r: VerifyReport): string {
  const lines = [`Kameng 数据校验 / database verification — ${r.engine}, ${r.at}, ${r.ms} ms`, ''];
  for (const c of r.checks) {
    lines.push(
      `${c.ok ? '[ OK ]' : '[FAIL]'} ${c.id.padEnd(20)} ${c.title['zh-CN']} / ${c.title.en}${c.ok ? '' : ` — ${c.problems} problem(s)`}`,
    );
    if (c.note) lines.push(`         ${c.note}`);
    for (const e of c.examples) lines.push(`         - ${e}`);
  }
  const failed = r.checks.filter((c) => !c.ok).length;
  lines.push(
    '',
    failed === 0
      ? `全部 ${r.checks.length} 项通过 / all ${r.checks.length} checks passed`
      : `${failed} 项未通过 / ${failed} of ${r.checks.length} checks FAILED`,
  );
  return lines.join('\n');
}
