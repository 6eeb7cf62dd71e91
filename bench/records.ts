/**
 * The records ceiling of `npm run bench:checkout` (Stage 10): how fast a checkout could go on this
 * machine and engine if it did nothing but write the rows the spec requires per purchase — with
 * none of the product's work (no session, validation, idempotency, rule checks, query building).
 * A minimal Fastify route writes, per purchase of one key paid from the balance:
 * the buyer/product/policy/price read (the buyer's row locked), the order and payment rows, the
 * unit, the key moved AVAILABLE → SEALED (the oldest available, skipping locked keys on
 * PostgreSQL), its two history rows, the settlement deadline, the ledger transaction with its two
 * balance updates and two postings, and five HMAC-chained audit events with the head moved.
 *
 * SQLite: precompiled synchronous better-sqlite3 statements, group-committed like the product.
 * PostgreSQL: the fewest round trips those rows allow — BEGIN, the read, one data-modifying-CTE
 * write, the audit head locked, the events inserted with the head moved, COMMIT — with named
 * (prepared) statements. Run over a second product of the benchmark's own database, so table
 * sizes and indexes are the product's.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';

export interface RecordsSale {
  productId: string;
  policyId: string;
  merchantId: string;
  buyerIds: string[];
  priceFen: number;
}

/** The first failure of a raw route is printed (a ceiling that fails measures nothing). */
function reportFirstError(app: FastifyInstance): void {
  let told = false;
  app.setErrorHandler((error, _req, reply) => {
    if (!told) console.error('records ceiling failed:', error);
    told = true;
    return reply.code(500).send({ code: 'records.failed' });
  });
}

/** What the order snapshots of its product, shop and policy. */
interface Snapshot {
  name: string;
  type: string;
  face_value_fen: number;
  validity_days: number | null;
  text_hash: string;
  commission_bp: number;
  price_fen: number;
}

export interface RecordsCeiling {
  app: FastifyInstance;
  close(): Promise<void>;
}

const AUDIT_KEY = randomBytes(32);
const hmac = (prev: string, body: string) =>
  createHmac('sha256', AUDIT_KEY).update(`${prev}\n${body}`).digest('hex');
const orderNo = () => `KM${Date.now()}${Math.floor(Math.random() * 1e6)}`;
const DAY = 86_400_000;

/** The five audit events of one purchase, as the product records them (order, payment, keys, order, ledger). */
function auditBodies(
  orderId: string,
  paymentId: string,
  keyId: string,
  unitId: string,
  txId: string,
  buyer: string,
) {
  return [
    ['order.created', 'order', orderId, { orderId, quantity: 1 }],
    ['payment.paid', 'payment', paymentId, { from: 'PENDING', to: 'PAID', orderId }],
    [
      'keys.delivered',
      'keys',
      keyId,
      { from: 'AVAILABLE', path: ['RESERVED', 'SEALED'], ids: [keyId], units: [unitId] },
    ],
    ['order.delivered', 'order', orderId, { from: 'PENDING_PAYMENT', to: 'DELIVERED', units: 1 }],
    ['ledger.posted', 'order', orderId, { transactionId: txId, buyer }],
  ] as const;
}

export function recordsCeilingSqlite(file: string, sale: RecordsSale): RecordsCeiling {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -24576');
  const wallets = new Map(
    (
      db.prepare(`select owner_id, id from ledger_accounts where kind = 'WALLET'`).all() as {
        owner_id: string;
        id: string;
      }[]
    ).map((r) => [r.owner_id, r.id]),
  );
  const escrow = (
    db.prepare(`select id from ledger_accounts where kind = 'ESCROW'`).all() as { id: string }[]
  ).map((r) => r.id);
  const st = {
    read: db.prepare(`select u.member_level, p.status, p.name, p.type, p.face_value_fen, p.validity_days,
        rp.version, rp.text_hash, m.commission_bp, pp.price_fen from users u
      join products p on p.id = ? join merchants m on m.id = p.merchant_id
      join refund_policies rp on rp.id = p.current_policy_id
      join product_prices pp on pp.product_id = p.id and pp.level = 'REGULAR' where u.id = ?`),
    order: db.prepare(`insert into orders (id, order_no, kind, buyer_id, merchant_id, product_id, quantity,
        unit_price_fen, total_fen, buyer_level, member_price, product_name, product_type, face_value_fen,
        validity_days, policy_id, policy_version, policy_text_hash, policy_confirmed_at, commission_bp,
        payment_method, state, paid_at, delivered_at, settle_after, idempotency_key, request_hash, version,
        created_at, updated_at)
      values (?, ?, 'GOODS', ?, ?, ?, 1, ?, ?, 'REGULAR', 0, ?, ?, ?, ?, ?, 1, ?, ?, ?, 'BALANCE', 'DELIVERED', ?, ?, ?,
        ?, 'h', 2, ?, ?)`),
    payment:
      db.prepare(`insert into payments (id, order_id, buyer_id, method, provider, amount_fen, state, paid_at,
        version, created_at, updated_at) values (?, ?, ?, 'BALANCE', 'balance', ?, 'PAID', ?, 2, ?, ?)`),
    unit: db.prepare(
      `insert into units (id, product_id, buyer_id, policy_id, order_id, created_at) values (?, ?, ?, ?, ?, ?)`,
    ),
    key: db.prepare(`update keys set state = 'SEALED', unit_id = ?, buyer_id = ?, reserved_at = ?, delivered_at = ?,
        updated_at = ?, version = version + 2
      where id = (select id from keys where product_id = ? and state = 'AVAILABLE' order by id limit 1) returning id`),
    event: db.prepare(`insert into key_events (id, key_id, unit_id, at, kind, actor_id, actor_role)
      values (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, null, 'system')`),
    deadline: db.prepare(`insert into deadlines (id, kind, object_id, due_at, state, attempts, created_at)
      values (?, 'SETTLEMENT', ?, ?, 'OPEN', 0, ?)`),
    tx: db.prepare(`insert into ledger_transactions (id, idempotency_key, kind, reference_type, reference_id,
        fingerprint, created_at) values (?, ?, 'ORDER_PAYMENT', 'order', ?, ?, ?)`),
    balance:
      db.prepare(`update ledger_accounts set balance_fen = balance_fen + ?, version = version + 1, updated_at = ?
      where id = ? and (allow_negative = 1 or balance_fen + ? >= 0)`),
    postings: db.prepare(`insert into ledger_postings (id, transaction_id, account_id, amount_fen, created_at)
      values (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`),
    head: db.prepare(`select seq, hash, key_id from audit_head where id = 1`),
    audit:
      db.prepare(`insert into audit_events (seq, id, at, actor_id, actor_role, action, object_type, object_id,
        data, prev_hash, hash, key_id) values (?, ?, ?, ?, 'buyer', ?, ?, ?, ?, ?, ?, ?)`),
    moveHead: db.prepare(`update audit_head set seq = ?, hash = ? where id = 1`),
  };
  let n = 0;
  /** One purchase's rows; its audit events are buffered for the group's chain. */
  function purchase(buyer: string, events: unknown[][]): boolean {
    const ctx = st.read.get(sale.productId, buyer) as Snapshot | undefined;
    if (!ctx) throw new Error('no context');
    const at = new Date().toISOString();
    const [orderId, paymentId, unitId, txId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    st.order.run(
      orderId,
      orderNo(),
      buyer,
      sale.merchantId,
      sale.productId,
      ctx.price_fen,
      ctx.price_fen,
      ctx.name,
      ctx.type,
      ctx.face_value_fen,
      ctx.validity_days,
      sale.policyId,
      ctx.text_hash,
      at,
      ctx.commission_bp,
      at,
      at,
      new Date(Date.now() + 7 * DAY).toISOString(),
      `r-${n++}`,
      at,
      at,
    );
    st.payment.run(paymentId, orderId, buyer, ctx.price_fen, at, at, at);
    st.unit.run(unitId, sale.productId, buyer, sale.policyId, orderId, at);
    const key = st.key.get(unitId, buyer, at, at, at, sale.productId) as { id: string } | undefined;
    if (!key) return false;
    st.event.run(
      randomUUID(),
      key.id,
      unitId,
      at,
      'RESERVED',
      buyer,
      'buyer',
      randomUUID(),
      key.id,
      unitId,
      at,
      'DELIVERED',
    );
    st.deadline.run(randomUUID(), orderId, at, at);
    st.tx.run(txId, `payment:${paymentId}`, orderId, 'f', at);
    const wallet = wallets.get(buyer)!;
    const shard = escrow[n % escrow.length];
    for (const [id, amount] of [wallet, shard]
      .sort()
      .map((id) => [id, id === wallet ? -ctx.price_fen : ctx.price_fen] as const))
      if (st.balance.run(amount, at, id, amount).changes !== 1) throw new Error('insufficient');
    st.postings.run(
      randomUUID(),
      txId,
      wallet,
      -ctx.price_fen,
      at,
      randomUUID(),
      txId,
      shard,
      ctx.price_fen,
      at,
    );
    for (const [action, type, id, data] of auditBodies(orderId, paymentId, key.id, unitId, txId, buyer))
      events.push([at, buyer, action, type, id, JSON.stringify(data)]);
    return true;
  }
  const group = db.transaction((buyers: string[]): boolean[] => {
    const events: unknown[][] = [];
    const out = buyers.map((b) => {
      db.exec('savepoint job');
      const ok = purchase(b, events);
      if (ok) db.exec('release job');
      else db.exec('rollback to job; release job');
      return ok;
    });
    const head = st.head.get() as { seq: number; hash: string; key_id: string | null };
    let { seq, hash } = head;
    for (const [at, buyer, action, type, id, data] of events as string[][]) {
      const next = hmac(hash, `${seq + 1}${at}${buyer}${action}${type}${id}${data}`);
      st.audit.run(++seq, randomUUID(), at, buyer, action, type, id, data, hash, next, head.key_id);
      hash = next;
    }
    st.moveHead.run(seq, hash);
    return out;
  });
  type Job = { buyer: string; resolve: (ok: boolean) => void; reject: (e: unknown) => void };
  const queue: Job[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const jobs = queue.splice(0, 64);
    try {
      const results = group.immediate(jobs.map((j) => j.buyer));
      jobs.forEach((j, i) => j.resolve(results[i]));
    } catch (error) {
      jobs.forEach((j) => j.reject(error));
    }
    if (queue.length > 0 && !scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const app = Fastify({ logger: false });
  reportFirstError(app);
  app.post('/buy', async (req, reply) => {
    const buyer = sale.buyerIds[(req.body as { buyer: number }).buyer % sale.buyerIds.length];
    const ok = await new Promise<boolean>((resolve, reject) => {
      queue.push({ buyer, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    return ok ? reply.code(201).send({ ok }) : reply.code(409).send({ code: 'inventory.out_of_stock' });
  });
  return {
    app,
    close: async () => {
      await app.close();
      db.close();
    },
  };
}

export async function recordsCeilingPostgres(url: string, sale: RecordsSale): Promise<RecordsCeiling> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const wallets = new Map(
    (
      await pool.query<{ owner_id: string; id: string }>(
        `select owner_id, id from ledger_accounts where kind = 'WALLET'`,
      )
    ).rows.map((r) => [r.owner_id, r.id]),
  );
  const escrow = (
    await pool.query<{ id: string }>(`select id from ledger_accounts where kind = 'ESCROW'`)
  ).rows.map((r) => r.id);
  let n = 0;
  const app = Fastify({ logger: false });
  reportFirstError(app);
  app.post('/buy', async (req, reply) => {
    const buyer = sale.buyerIds[(req.body as { buyer: number }).buyer % sale.buyerIds.length];
    const at = new Date().toISOString();
    const [orderId, paymentId, unitId, txId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const wallet = wallets.get(buyer)!;
    const shard = escrow[n++ % escrow.length];
    const c = await pool.connect();
    try {
      await c.query('begin');
      const ctx = await c.query<Snapshot>({
        name: 'records_read',
        text: `select u.member_level, p.status, p.name, p.type, p.face_value_fen, p.validity_days, rp.version,
            rp.text_hash, m.commission_bp, pp.price_fen from users u
          join products p on p.id = $1 join merchants m on m.id = p.merchant_id
          join refund_policies rp on rp.id = p.current_policy_id
          join product_prices pp on pp.product_id = p.id and pp.level = 'REGULAR' where u.id = $2
          for no key update of u`,
        values: [sale.productId, buyer],
      });
      const row = ctx.rows[0];
      const price = Number(row.price_fen);
      const write = await c.query<{ key_id: string | null; balances: string }>({
        name: 'records_write',
        text: `with o as (insert into orders (id, order_no, kind, buyer_id, merchant_id, product_id, quantity,
              unit_price_fen, total_fen, buyer_level, member_price, product_name, product_type, face_value_fen,
              validity_days, policy_id, policy_version, policy_text_hash, policy_confirmed_at, commission_bp,
              payment_method, state, paid_at, delivered_at, settle_after, idempotency_key, request_hash, version,
              created_at, updated_at)
            values ($1, $2, 'GOODS', $3, $4, $5, 1, $6, $6, 'REGULAR', false, $22, $23, $24, $25, $7, 1, $26, $8, $27,
              'BALANCE', 'DELIVERED', $8, $8, $9, $10, 'h', 2, $8, $8)),
          p as (insert into payments (id, order_id, buyer_id, method, provider, amount_fen, state, paid_at, version,
              created_at, updated_at) values ($11, $1, $3, 'BALANCE', 'balance', $6, 'PAID', $8, 2, $8, $8)),
          u as (insert into units (id, product_id, buyer_id, policy_id, order_id, created_at) values ($12, $5, $3, $7, $1, $8)),
          k as (update keys set state = 'SEALED', unit_id = $12, buyer_id = $3, reserved_at = $8, delivered_at = $8,
              updated_at = $8, version = keys.version + 2
            where id = (select id from keys where product_id = $5 and state = 'AVAILABLE' order by id limit 1
              for update skip locked) returning keys.id),
          e as (insert into key_events (id, key_id, unit_id, at, kind, actor_id, actor_role)
            select $13, k.id, $12, $8::timestamptz, 'RESERVED', $3::text, 'buyer' from k
            union all select $14, k.id, $12, $8::timestamptz, 'DELIVERED', null, 'system' from k),
          d as (insert into deadlines (id, kind, object_id, due_at, state, attempts, created_at)
            values ($15, 'SETTLEMENT', $1, $9, 'OPEN', 0, $8)),
          t as (insert into ledger_transactions (id, idempotency_key, kind, reference_type, reference_id, fingerprint,
              created_at) values ($16, $17, 'ORDER_PAYMENT', 'order', $1, 'f', $8)),
          b as (update ledger_accounts set balance_fen = ledger_accounts.balance_fen + v.amount,
              version = ledger_accounts.version + 1, updated_at = $8
            from (values ($18::text, -$6::bigint), ($19::text, $6::bigint)) as v(id, amount)
            where ledger_accounts.id = v.id and (ledger_accounts.allow_negative or ledger_accounts.balance_fen + v.amount >= 0)
            returning ledger_accounts.id),
          l as (insert into ledger_postings (id, transaction_id, account_id, amount_fen, created_at)
            values ($20, $16, $18, -$6::bigint, $8), ($21, $16, $19, $6::bigint, $8))
          select (select id from k) as key_id, (select count(*) from b) as balances`,
        values: [
          orderId,
          orderNo(),
          buyer,
          sale.merchantId,
          sale.productId,
          price,
          sale.policyId,
          at,
          new Date(Date.now() + 7 * DAY).toISOString(),
          `r-${n}-${randomUUID()}`,
          paymentId,
          unitId,
          randomUUID(),
          randomUUID(),
          randomUUID(),
          txId,
          `payment:${paymentId}`,
          wallet,
          shard,
          randomUUID(),
          randomUUID(),
          row.name,
          row.type,
          row.face_value_fen,
          row.validity_days,
          row.text_hash,
          row.commission_bp,
        ],
      });
      const keyId = write.rows[0].key_id;
      if (!keyId || Number(write.rows[0].balances) !== 2) {
        await c.query('rollback');
        return reply.code(409).send({ code: 'inventory.out_of_stock' });
      }
      const head = await c.query<{ seq: string; hash: string; key_id: string | null }>({
        name: 'records_head',
        text: 'select seq, hash, key_id from audit_head where id = 1 for no key update',
      });
      let seq = Number(head.rows[0].seq);
      let hash = head.rows[0].hash;
      const values: unknown[] = [];
      const rows: string[] = [];
      for (const [action, type, id, data] of auditBodies(orderId, paymentId, keyId, unitId, txId, buyer)) {
        const body = JSON.stringify(data);
        const next = hmac(hash, `${seq + 1}${at}${buyer}${action}${type}${id}${body}`);
        const i = values.length;
        values.push(
          ++seq,
          randomUUID(),
          at,
          buyer,
          'buyer',
          action,
          type,
          id,
          body,
          hash,
          next,
          head.rows[0].key_id,
        );
        rows.push(`(${Array.from({ length: 12 }, (_, j) => `$${i + j + 1}`).join(', ')})`);
        hash = next;
      }
      values.push(seq, hash);
      await c.query({
        name: 'records_audit',
        text: `with e as (insert into audit_events (seq, id, at, actor_id, actor_role, action, object_type, object_id,
            data, prev_hash, hash, key_id) values ${rows.join(', ')})
          update audit_head set seq = $${values.length - 1}, hash = $${values.length} where id = 1`,
        values,
      });
      await c.query('commit');
      return reply.code(201).send({ orderId, keyId });
    } catch (error) {
      await c.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  });
  return {
    app,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}
