/**
 * The rows a balance checkout must write per purchase under the spec (order, payment, unit, key
 * SEALED with its two history rows, ledger transaction with two balance updates and two postings,
 * settlement deadline, hash-chained audit events), as synchronous precompiled better-sqlite3
 * statements over a Kameng database: a floor for what any checkout implementation can cost.
 * Experiment code, not product code. Used by raw-checkout.ts (no HTTP) and records-ceiling.ts (HTTP).
 */
import { createHash, randomUUID } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { harness, type Harness } from '../../test/helpers/app.js';
import { fund, stocked } from '../../test/helpers/orders.js';
import { newOrderedId } from '../../src/platform/ids.js';
import { canonicalJson } from '../../src/platform/audit.js';

export interface RawRows {
  h: Harness;
  db: Sqlite.Database;
  buyers: { id: string }[];
  /** Writes one purchase's rows (no audit yet); returns false when sold out. */
  purchase(buyerId: string, n: number, events: unknown[][]): boolean;
  /** Chains and writes the buffered audit events (once per transaction). */
  writeAudit(events: unknown[][]): void;
  close(): Promise<void>;
}

/** RAW_EVENTS audit events per purchase (default 5); RAW_LEAN=1 skips the payment and deadline rows. */
export async function rawRows(keys: number, options: { events: number; lean: boolean }): Promise<RawRows> {
  const EVENTS = options.events;
  const LEAN = options.lean;
  const h = await harness();
  const p = await stocked(h, keys);
  const buyers = await Promise.all(Array.from({ length: 50 }, () => h.account({ role: 'buyer' })));
  for (const b of buyers) await fund(h, b.id, 100_000_000);
  // escrow shard accounts exist after one real purchase each; create them up front here
  for (let i = 0; i < 16; i++)
    await sql`insert into ledger_accounts (id, kind, owner_id, balance_fen, allow_negative, version, created_at, updated_at)
      values (${randomUUID()}, 'ESCROW', ${`escrow-${i}`}, 0, 0, 1, ${new Date().toISOString()}, ${new Date().toISOString()})
      on conflict do nothing`.execute(h.db.db);
  const file = (await sql<{ file: string }>`pragma database_list`.execute(h.db.db)).rows[0].file;
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -24576');

  const st = {
    ctx: db.prepare(`select p.id, p.merchant_id, p.name, p.type, p.face_value_fen, p.validity_days, p.status,
        rp.id as policy_id, rp.version, rp.text_hash, rp.window_hours, m.status as m_status, m.commission_bp,
        u.member_level, u.level_expires_at
      from products p join merchants m on m.id = p.merchant_id join refund_policies rp on rp.id = p.current_policy_id
      join users u on u.id = ? where p.id = ?`),
    price:
      db.prepare(`select pp.price_fen, ml.max_qty_per_order from product_prices pp join member_levels ml on ml.level = pp.level
      where pp.product_id = ? and pp.level = ?`),
    order:
      db.prepare(`insert into orders (id, order_no, kind, buyer_id, merchant_id, product_id, quantity, unit_price_fen, total_fen,
        buyer_level, member_price, product_name, product_type, face_value_fen, validity_days, policy_id, policy_version,
        policy_text_hash, policy_confirmed_at, payment_method, state, paid_at, delivered_at, settle_after, commission_bp,
        idempotency_key, request_hash, version, created_at, updated_at)
      values (?, ?, 'GOODS', ?, ?, ?, 1, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, 'BALANCE', 'DELIVERED', ?, ?, ?, ?, ?, ?, 1, ?, ?)`),
    payment:
      db.prepare(`insert into payments (id, order_id, buyer_id, method, provider, amount_fen, state, paid_at, version, created_at, updated_at)
      values (?, ?, ?, 'BALANCE', 'balance', ?, 'PAID', ?, 1, ?, ?)`),
    unit: db.prepare(
      `insert into units (id, product_id, buyer_id, policy_id, order_id, created_at) values (?, ?, ?, ?, ?, ?)`,
    ),
    pick: db.prepare(`select id from keys where product_id = ? and state = 'AVAILABLE' order by id limit 1`),
    key: db.prepare(`update keys set state = 'SEALED', unit_id = ?, buyer_id = ?, reserved_at = ?, delivered_at = ?,
        version = version + 1, updated_at = ? where id = ? and state = 'AVAILABLE'`),
    events: db.prepare(`insert into key_events (id, key_id, unit_id, at, kind, actor_id, actor_role) values
        (?, ?, ?, ?, 'RESERVED', ?, 'buyer'), (?, ?, ?, ?, 'DELIVERED', ?, 'buyer')`),
    tx: db.prepare(`insert into ledger_transactions (id, idempotency_key, kind, reference_type, reference_id, fingerprint, created_at)
        values (?, ?, 'ORDER_PAYMENT', 'order', ?, ?, ?)`),
    debit:
      db.prepare(`update ledger_accounts set balance_fen = balance_fen - ?, version = version + 1, updated_at = ?
        where kind = 'WALLET' and owner_id = ? and balance_fen >= ? returning id`),
    credit:
      db.prepare(`update ledger_accounts set balance_fen = balance_fen + ?, version = version + 1, updated_at = ?
        where kind = 'ESCROW' and owner_id = ? returning id`),
    postings: db.prepare(
      `insert into ledger_postings (id, transaction_id, account_id, amount_fen, created_at) values (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`,
    ),
    deadline: db.prepare(
      `insert into deadlines (id, kind, object_id, due_at, state, attempts, created_at) values (?, 'SETTLEMENT', ?, ?, 'OPEN', 0, ?)`,
    ),
    head: db.prepare(`select seq, hash from audit_head where id = 1`),
    audit:
      db.prepare(`insert into audit_events (seq, id, at, actor_id, actor_role, action, object_type, object_id, data, prev_hash, hash)
        values (?, ?, ?, ?, 'buyer', ?, ?, ?, ?, ?, ?)`),
    setHead: db.prepare(`update audit_head set seq = ?, hash = ? where id = 1`),
  };

  function purchase(buyerId: string, n: number, events: unknown[][]): boolean {
    const at = new Date().toISOString();
    const c = st.ctx.get(buyerId, p.productId) as Record<string, string | number>;
    const pr = st.price.get(p.productId, 'REGULAR') as { price_fen: number };
    const orderId = newOrderedId(Date.now());
    const paymentId = newOrderedId(Date.now());
    const unitId = newOrderedId(Date.now());
    st.order.run(
      orderId,
      `KM${Date.now()}${n}`,
      buyerId,
      c.merchant_id,
      c.id,
      pr.price_fen,
      pr.price_fen,
      c.member_level,
      c.name,
      c.type,
      c.face_value_fen,
      c.validity_days,
      c.policy_id,
      c.version,
      c.text_hash,
      at,
      at,
      at,
      at,
      c.commission_bp,
      `k-${buyerId}-${n}`,
      'hash',
      at,
      at,
    );
    if (!LEAN) st.payment.run(paymentId, orderId, buyerId, pr.price_fen, at, at, at);
    st.unit.run(unitId, c.id, buyerId, c.policy_id, orderId, at);
    const key = st.pick.get(p.productId) as { id: string } | undefined;
    if (!key) return false;
    if (st.key.run(unitId, buyerId, at, at, at, key.id).changes !== 1) throw new Error('key conflict');
    st.events.run(
      newOrderedId(Date.now()),
      key.id,
      unitId,
      at,
      buyerId,
      newOrderedId(Date.now()),
      key.id,
      unitId,
      at,
      buyerId,
    );
    const txId = newOrderedId(Date.now());
    st.tx.run(txId, `payment:${paymentId}`, orderId, 'fp', at);
    const w = st.debit.get(pr.price_fen, at, buyerId, pr.price_fen) as { id: string } | undefined;
    if (!w) throw new Error('insufficient');
    const e = st.credit.get(pr.price_fen, at, `escrow-${n % 16}`) as { id: string };
    st.postings.run(randomUUID(), txId, w.id, -pr.price_fen, at, randomUUID(), txId, e.id, pr.price_fen, at);
    if (!LEAN) st.deadline.run(newOrderedId(Date.now()), orderId, at, at);
    for (const action of [
      'order.created',
      'keys.delivered',
      'payment.paid',
      'order.delivered',
      'ledger.posted',
    ].slice(0, EVENTS))
      events.push([
        at,
        buyerId,
        action,
        'order',
        orderId,
        canonicalJson({ orderId, keyId: key.id, amount: pr.price_fen }),
      ]);
    return true;
  }

  function writeAudit(events: unknown[][]): void {
    let { seq, hash } = st.head.get() as { seq: number; hash: string };
    for (const [at, actor, action, type, id, data] of events) {
      seq += 1;
      const eid = newOrderedId(Date.now());
      const next = createHash('sha256')
        .update(hash)
        .update('\n')
        .update(canonicalJson([seq, eid, at, actor, 'buyer', action, type, id, data]))
        .digest('hex');
      st.audit.run(seq, eid, at, actor, action, type, id, data, hash, next);
      hash = next;
    }
    st.setHead.run(seq, hash);
  }

  return {
    h,
    db,
    buyers,
    purchase,
    writeAudit,
    close: async () => {
      db.close();
      await h.close();
    },
  };
}
