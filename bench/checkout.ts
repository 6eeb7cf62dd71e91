/**
 * `npm run bench:checkout`: the flash sale. One product with 10,000 card keys, 50 concurrent buyers
 * (one per connection, each its own logged-in account with a funded wallet) paying by balance
 * through `POST /api/orders` over HTTP, quantity 1, until the product is sold out. In the same run
 * and on the same engine, two ceilings loaded the same way: the records ceiling (bench/records.ts —
 * the spec's rows per purchase written raw, the bound Stage 10 measures the checkout against) and
 * the bare ceiling (a minimal route doing only insert-order + take-key). Before the sale, one
 * checkout at a time: the statements a 1-key checkout sends and its median time, against a
 * 1,000-key 超会 order's.
 *
 * Records orders/s (2xx only, over the whole sell-out and per tenth of the stock, to show the key
 * pick stays flat while the stock drains), p50/p99 latency, the ratios, and checks after each run:
 * no double delivery, no oversell, ledger balanced, wallets conserved. Exits non-zero when a check
 * fails. SQLite always; PostgreSQL too, in the same run, when DATABASE_URL is set (in a private
 * schema, dropped at the end; BENCH_ENGINES=postgres skips SQLite). Load generator and server share
 * this machine's cores. Results in bench/results/checkout-<engine>.json.
 *
 * BENCH_KEYS / BENCH_CONNECTIONS change the sale's size; BENCH_CEILING=0 skips the ceilings and
 * writes no results file (for profiling the checkout alone under `node --cpu-prof`);
 * BENCH_INSTANCES=2 runs bench/checkout-instances.ts instead (one vs two app processes on one
 * PostgreSQL).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import autocannon from 'autocannon';
import Sqlite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { boot, type Booted } from '../src/boot.js';
import { loadConfig } from '../src/platform/config.js';
import { hashPassword } from '../src/modules/accounts/passwords.js';
import { createAccount } from '../src/modules/catalog/merchants.js';
import { changeStatus, createProduct } from '../src/modules/catalog/products.js';
import { runImport, startBatch } from '../src/modules/inventory/import.js';
import { ensureAccount, postTransaction, verifyLedger } from '../src/modules/payments/ledger.js';
import { systemActor, type Actor } from '../src/platform/actor.js';
import type { Db } from '../src/platform/db/dialect.js';
import { newId } from '../src/platform/ids.js';
import { unitOfWork } from '../src/platform/unit-of-work.js';
import { statementsOf } from '../test/helpers/statements.js';
import { recordsCeilingPostgres, recordsCeilingSqlite, type RecordsSale } from './records.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WITH_CEILING = process.env.BENCH_CEILING !== '0';
const PASSWORD = 'bench-password-1';
const PRICES = { REGULAR: 9850, VIP: 9780, SUPER: 9690 };
/** Each wallet holds enough for four times its fair share, so no buyer runs dry first. */
const FUND_FEN = Math.ceil((KEYS * 4) / CONNECTIONS) * PRICES.REGULAR;
/** Requests failing for any other reason than sold-out beyond this count abort the run. */
const BAILOUT = 200;

// ---------------------------------------------------------------------------------------------
// Load: one autocannon instance, one buyer per connection, a fresh Idempotency-Key per request,
// until every connection has been told the product is sold out.

export interface Buyer {
  headers: Record<string, string>;
  body: string;
}

interface Tenth {
  upToSold: number;
  ordersPerSec: number;
  latencyP50ms: number;
  latencyP99ms: number;
}

export interface LoadResult {
  orders: number;
  seconds: number;
  ordersPerSec: number;
  latencyP50ms: number;
  latencyP99ms: number;
  latencyMaxMs: number;
  soldOutResponses: number;
  otherFailures: Record<string, number>;
  connectionErrors: number;
  timeouts: number;
  tenths: Tenth[];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return round1(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
}

function codeOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'code' in parsed) return String(parsed.code);
  } catch {
    // not JSON
  }
  return 'unknown';
}

export async function sellOut(base: string, urlPath: string, buyers: Buyer[]): Promise<LoadResult> {
  const okAt: number[] = []; // ms since start, one per 2xx, in arrival order
  const okLatency: number[] = [];
  const soldOutClients = new Set<number>();
  const otherFailures: Record<string, number> = {};
  let failures = 0;
  let soldOut = 0;
  let clients = 0;
  let started = 0;
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: 600, // a safety net: the run stops at sell-out
        timeout: 30,
        setupClient: (client) => {
          const index = clients++;
          const buyer = buyers[index % buyers.length];
          let seq = 0;
          let lastStatus = 0;
          client.setRequests([
            {
              method: 'POST',
              path: urlPath,
              body: buyer.body,
              setupRequest: (req) => ({
                ...req,
                headers: { ...buyer.headers, 'idempotency-key': `b${run}-${index}-${++seq}` },
              }),
              onResponse: (status, body) => {
                lastStatus = status;
                if (status >= 200 && status < 300) return;
                const code = `${status} ${codeOf(body)}`;
                if (status === 409 && code === '409 inventory.out_of_stock') {
                  soldOut++;
                  soldOutClients.add(index);
                  // Every connection is sequential: once each has been told "sold out", no
                  // order response is still on its way.
                  if (soldOutClients.size === CONNECTIONS) instance.stop();
                  return;
                }
                otherFailures[code] = (otherFailures[code] ?? 0) + 1;
                if (++failures >= BAILOUT) instance.stop();
              },
            },
          ]);
          client.on('response', (_status: number, _bytes: number, responseTime: number) => {
            if (lastStatus < 200 || lastStatus >= 300) return;
            okAt.push(performance.now() - started);
            okLatency.push(responseTime);
          });
        },
      },
      (err: unknown, r: autocannon.Result) =>
        err
          ? reject(err instanceof Error ? err : new Error('autocannon failed', { cause: err }))
          : resolve(r),
    );
    started = performance.now();
  });

  const orders = okAt.length;
  const seconds = orders > 0 ? okAt[orders - 1] / 1000 : 0;
  const sorted = [...okLatency].sort((a, b) => a - b);
  const tenths: Tenth[] = [];
  for (let t = 0; t < 10; t++) {
    const from = Math.floor((t * orders) / 10);
    const to = Math.floor(((t + 1) * orders) / 10);
    if (to <= from) continue;
    const span = okAt[to - 1] - (from === 0 ? 0 : okAt[from - 1]);
    const lat = okLatency.slice(from, to).sort((a, b) => a - b);
    tenths.push({
      upToSold: to,
      ordersPerSec: Math.round(((to - from) * 1000) / span),
      latencyP50ms: percentile(lat, 0.5),
      latencyP99ms: percentile(lat, 0.99),
    });
  }
  return {
    orders,
    seconds: Math.round(seconds * 100) / 100,
    ordersPerSec: seconds > 0 ? Math.round(orders / seconds) : 0,
    latencyP50ms: percentile(sorted, 0.5),
    latencyP99ms: percentile(sorted, 0.99),
    latencyMaxMs: percentile(sorted, 1),
    soldOutResponses: soldOut,
    otherFailures,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    tenths,
  };
}

// ---------------------------------------------------------------------------------------------
// The ceiling: a minimal Fastify app with one route, one transaction: insert an order, take a key.

interface Ceiling {
  app: FastifyInstance;
  checks(): Promise<Record<string, { ok: boolean; value: number | string }>>;
  close(): Promise<void>;
}

const check = (ok: boolean, value: number | string) => ({ ok, value });

class SoldOut extends Error {}

export async function ceilingSqlite(file: string): Promise<Ceiling> {
  const raw = new Sqlite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  raw.exec(`
    create table ceiling_orders (id text primary key, buyer integer not null, created_at text not null);
    create table ceiling_keys (
      id integer primary key, state text not null,
      order_id text references ceiling_orders (id), sold_at text);
    create index ceiling_keys_available on ceiling_keys (id) where state = 'AVAILABLE';
  `);
  const addKey = raw.prepare(`insert into ceiling_keys (id, state) values (?, 'AVAILABLE')`);
  raw.transaction(() => {
    for (let i = 1; i <= KEYS; i++) addKey.run(i);
  })();
  const insertOrder = raw.prepare('insert into ceiling_orders (id, buyer, created_at) values (?, ?, ?)');
  const takeKey = raw.prepare(`
    update ceiling_keys set state = 'SOLD', order_id = ?, sold_at = ?
    where id = (select id from ceiling_keys where state = 'AVAILABLE' order by id limit 1)
    returning id`);
  const purchase = raw.transaction((orderId: string, buyer: number, at: string): number => {
    insertOrder.run(orderId, buyer, at);
    const key = takeKey.get(orderId, at) as { id: number } | undefined;
    if (!key) throw new SoldOut();
    return key.id;
  });
  const app = Fastify({ logger: false });
  app.post('/buy', async (req, reply) => {
    const orderId = randomUUID();
    try {
      const keyId = purchase.immediate(orderId, buyerOf(req.body), new Date().toISOString());
      return reply.code(201).send({ orderId, keyId });
    } catch (error) {
      if (error instanceof SoldOut) return reply.code(409).send({ code: 'inventory.out_of_stock' });
      throw error;
    }
  });
  const count = (q: string): number => (raw.prepare(q).get() as { n: number }).n;
  return {
    app,
    checks: async () => ceilingChecks(count),
    close: async () => {
      await app.close();
      raw.close();
    },
  };
}

async function ceilingPostgres(url: string): Promise<Ceiling> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(`
    create table ceiling_orders (id uuid primary key, buyer integer not null, created_at timestamptz not null);
    create table ceiling_keys (
      id bigint primary key, state text not null,
      order_id uuid references ceiling_orders (id), sold_at timestamptz);
    create index ceiling_keys_available on ceiling_keys (id) where state = 'AVAILABLE';
    insert into ceiling_keys (id, state) select g, 'AVAILABLE' from generate_series(1, ${KEYS}) g;
    analyze ceiling_keys;
  `);
  const app = Fastify({ logger: false });
  app.post('/buy', async (req, reply) => {
    const orderId = randomUUID();
    const at = new Date();
    const c = await pool.connect();
    try {
      await c.query('begin');
      await c.query({
        name: 'ceiling_insert_order',
        text: 'insert into ceiling_orders (id, buyer, created_at) values ($1, $2, $3)',
        values: [orderId, buyerOf(req.body), at],
      });
      const key = await c.query<{ id: string }>({
        name: 'ceiling_take_key',
        text: `update ceiling_keys set state = 'SOLD', order_id = $1, sold_at = $2
               where id = (select id from ceiling_keys where state = 'AVAILABLE'
                           order by id limit 1 for update skip locked)
               returning id`,
        values: [orderId, at],
      });
      if (key.rows.length === 0) {
        await c.query('rollback');
        return reply.code(409).send({ code: 'inventory.out_of_stock' });
      }
      await c.query('commit');
      return reply.code(201).send({ orderId, keyId: Number(key.rows[0].id) });
    } catch (error) {
      await c.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  });
  return {
    app,
    checks: async () => {
      const counts = new Map<string, number>();
      for (const q of CEILING_COUNTS) {
        const r = await pool.query<{ n: string }>(q);
        counts.set(q, Number(r.rows[0].n));
      }
      return ceilingChecks((q) => counts.get(q) ?? Number.NaN);
    },
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

function buyerOf(body: unknown): number {
  return body && typeof body === 'object' && 'buyer' in body && typeof body.buyer === 'number'
    ? body.buyer
    : 0;
}

const CEILING_COUNTS = [
  `select count(*) as n from ceiling_keys`,
  `select count(*) as n from ceiling_keys where state = 'AVAILABLE'`,
  `select count(*) as n from ceiling_keys where state = 'SOLD' and order_id is not null`,
  `select count(*) as n from ceiling_orders`,
  `select count(*) as n from (select order_id from ceiling_keys where order_id is not null
     group by order_id having count(*) > 1) d`,
] as const;

function ceilingChecks(count: (q: string) => number) {
  const [total, available, sold, orders, doubled] = CEILING_COUNTS.map(count);
  return {
    everyOrderHasOneKey: check(sold === orders && doubled === 0, `${orders} orders, ${sold} keys sold`),
    noOversell: check(total === KEYS && available + sold === KEYS, `${available} available + ${sold} sold`),
  };
}

// ---------------------------------------------------------------------------------------------
// The real checkout: a shop, a product on sale with KEYS keys, CONNECTIONS funded buyers.

interface Sale {
  productId: string;
  buyerIds: string[];
  buyers: Buyer[];
  /** A second product with as many keys, sold by the records ceiling's raw route. */
  records: RecordsSale;
  /** A third product (1,020 keys) and a 超会 buyer, for the 1-key vs 1,000-key orders. */
  probe: { productId: string; buyer: Buyer; superPrice: number };
}

async function prepareSale(booted: Booted, app: FastifyInstance): Promise<Sale> {
  const ctx = { db: booted.db, engine: booted.engine, clock: booted.clock, vault: booted.vault };
  const passwordHash = await hashPassword(PASSWORD);
  const bench = systemActor('bench');
  const shop = await createAccount(ctx, bench, {
    username: 'bench-shop',
    password: PASSWORD,
    passwordHash,
    role: 'merchant',
    merchantName: '秒杀测试店',
  });
  const merchant: Actor = {
    kind: 'user',
    id: shop.user.id,
    role: 'merchant',
    memberLevel: 'REGULAR',
    merchantId: shop.merchantId,
  };
  const input = {
    type: 'CARD_KEY' as const,
    name: '秒杀点卡 100元',
    description: 'flash-sale benchmark',
    faceValueFen: 10000,
    validityDays: 365,
    prices: PRICES,
    policy: {
      unactivatedRefund: true,
      windowHours: 24,
      noReasonRefund: false,
      revealedRefund: false,
      nonRefundable: false,
      nonRefundableText: null,
    },
  };
  const stock = async (name: string, keys: number, prefix: string): Promise<string> => {
    const id = await createProduct(ctx, merchant, { ...input, name });
    await changeStatus(ctx, merchant, id, { version: 1, status: 'ON_SALE' });
    const lines = Array.from(
      { length: keys },
      (_, i) => `${prefix}${String(i).padStart(8, '0')} pw-${i}-${randomBytes(6).toString('hex')}`,
    );
    const body = Buffer.from(lines.join('\n'));
    const batch = await startBatch(ctx, merchant, {
      productId: id,
      source: 'CLI',
      fileName: `${prefix}.txt`,
      format: 'auto',
      bytesTotal: body.length,
    });
    const done = await runImport(ctx, merchant, batch, Readable.from([body]));
    if (done.imported !== keys) throw new Error(`imported ${done.imported} of ${keys} keys`);
    return id;
  };
  const productId = await stock(input.name, KEYS, 'FS');
  const recordsProductId = await stock('记录上限点卡', KEYS, 'RC');
  const probeProductId = await stock('千件点卡', 1020, 'PB');
  // every escrow shard open before any run, as on a platform that has sold before
  await unitOfWork(booted, async (trx) => {
    for (let i = 0; i < 16; i++) await ensureAccount(trx, 'ESCROW', `escrow-${i}`, booted.clock.now());
  });

  const checkoutBody = JSON.stringify({
    productId,
    quantity: 1,
    paymentMethod: 'BALANCE',
    policyVersion: 1,
    policyConfirmed: true,
    faceValueFen: input.faceValueFen,
    validityDays: input.validityDays,
    unitPriceFen: input.prices.REGULAR,
  });
  const buyerIds: string[] = [];
  const buyers: Buyer[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    // each buyer logs in from its own address (the route allows 30 logins a minute per address)
    const buyer = await loggedInBuyer(booted, app, {
      username: `bench-buyer-${i}`,
      passwordHash,
      fundFen: FUND_FEN,
      address: `198.18.0.${i + 1}`,
    });
    buyerIds.push(buyer.userId);
    buyers.push({ headers: buyer.headers, body: checkoutBody });
  }
  const policy = await booted.db
    .selectFrom('products')
    .select('current_policy_id')
    .where('id', '=', recordsProductId)
    .executeTakeFirstOrThrow();
  const probe = await loggedInBuyer(booted, app, {
    username: 'bench-super',
    passwordHash,
    memberLevel: 'SUPER',
    fundFen: 1020 * PRICES.SUPER,
    address: '198.18.1.1',
  });
  return {
    productId,
    buyerIds,
    buyers,
    records: {
      productId: recordsProductId,
      policyId: policy.current_policy_id,
      merchantId: shop.merchantId!,
      buyerIds,
      priceFen: PRICES.REGULAR,
    },
    probe: { productId: probeProductId, buyer: probe, superPrice: PRICES.SUPER },
  };
}

/**
 * A buyer with a funded wallet (a top-up posted from the sandbox clearing account), logged in
 * through the real login route in process, from the benchmarking range 198.18.0.0/15.
 */
async function loggedInBuyer(
  booted: Booted,
  app: FastifyInstance,
  b: { username: string; passwordHash: string; memberLevel?: 'SUPER'; fundFen: number; address: string },
): Promise<Buyer & { userId: string }> {
  const ctx = { db: booted.db, engine: booted.engine, clock: booted.clock, vault: booted.vault };
  const bench = systemActor('bench');
  const { user } = await createAccount(ctx, bench, {
    username: b.username,
    password: PASSWORD,
    passwordHash: b.passwordHash,
    role: 'buyer',
    ...(b.memberLevel ? { memberLevel: b.memberLevel } : {}),
  });
  const at = booted.clock.now();
  await unitOfWork(booted, async (trx) => {
    const wallet = await ensureAccount(trx, 'WALLET', user.id, at);
    const clearing = await ensureAccount(trx, 'GATEWAY_CLEARING', 'sandbox-wechat', at);
    await postTransaction(trx, bench, at, {
      idempotencyKey: `bench-fund-${newId()}`,
      kind: 'TOPUP',
      reference: { type: 'bench', id: user.id },
      postings: [
        { accountId: clearing.id, amountFen: -b.fundFen },
        { accountId: wallet.id, amountFen: b.fundFen },
      ],
    });
  });
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: b.username, password: PASSWORD },
    remoteAddress: b.address,
  });
  const sid = res.cookies.find((c) => c.name === 'kameng_sid')?.value;
  const csrf: unknown = res.statusCode === 200 ? res.json<{ csrfToken: unknown }>().csrfToken : undefined;
  if (!sid || typeof csrf !== 'string') throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return {
    userId: user.id,
    headers: { 'content-type': 'application/json', cookie: `kameng_sid=${sid}`, 'x-csrf-token': csrf },
    body: '',
  };
}

/**
 * One checkout at a time over HTTP: the statements a 1-key balance checkout sends (session check
 * included) and its median time, against a 1,000-key 超会 order's (the cost must not grow with
 * the quantity: target ≤ 10×).
 */
async function quantityProbe(base: string, sale: Sale) {
  const { productId, buyer, superPrice } = sale.probe;
  const order = async (quantity: number) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/orders`, {
      method: 'POST',
      headers: { ...buyer.headers, 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        productId,
        quantity,
        paymentMethod: 'BALANCE',
        policyVersion: 1,
        policyConfirmed: true,
        faceValueFen: 10000,
        validityDays: 365,
        unitPriceFen: superPrice,
      }),
    });
    const ms = performance.now() - t0;
    if (res.status !== 201) throw new Error(`probe order of ${quantity}: ${res.status} ${await res.text()}`);
    return ms;
  };
  await order(1); // warm-up
  const counted = await statementsOf(() => order(1));
  const singles: number[] = [];
  for (let i = 0; i < 15; i++) singles.push(await order(1));
  const big = await statementsOf(() => order(1000));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    statementsPerCheckout: counted.statements.length,
    statementsPer1000KeyCheckout: big.statements.length,
    statements: counted.statements.map((q) => q.slice(0, 90)),
    oneKeyMedianMs: round1(median(singles)),
    thousandKeysMs: round1(big.result),
    ratio: round1(big.result / median(singles)),
  };
}

async function n(db: Db, query: RawBuilder<unknown>): Promise<number> {
  const r = await (query as RawBuilder<{ n: number | string | null }>).execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

async function saleChecks(db: Db, sale: Sale, responses: number) {
  const p = sale.productId;
  const total = await n(db, sql`select count(*) as n from keys where product_id = ${p}`);
  const available = await n(
    db,
    sql`select count(*) as n from keys where product_id = ${p} and state = 'AVAILABLE'`,
  );
  const withUnit = await n(
    db,
    sql`select count(*) as n from keys where product_id = ${p} and unit_id is not null`,
  );
  const sealed = await n(
    db,
    sql`select count(*) as n from keys where product_id = ${p} and unit_id is not null
        and state in ('SEALED', 'REVEALED', 'ACTIVATED')`,
  );
  const delivered = await n(
    db,
    sql`select count(*) as n from orders where product_id = ${p} and state = 'DELIVERED'`,
  );
  const deliveredQty = await n(
    db,
    sql`select coalesce(sum(quantity), 0) as n from orders where product_id = ${p} and state = 'DELIVERED'`,
  );
  const notDelivered = await n(
    db,
    sql`select count(*) as n from orders where product_id = ${p} and state <> 'DELIVERED'`,
  );
  const units = await n(db, sql`select count(*) as n from units where product_id = ${p}`);
  const unitsWithTwoKeys = await n(
    db,
    sql`select count(*) as n from (select unit_id from keys where product_id = ${p} and unit_id is not null
        group by unit_id having count(*) > 1) d`,
  );
  const ordersWithWrongKeys = await n(
    db,
    sql`select count(*) as n from (
          select o.id from orders o
          left join units u on u.order_id = o.id
          left join keys k on k.unit_id = u.id and k.state = 'SEALED'
          where o.product_id = ${p} and o.state = 'DELIVERED'
          group by o.id, o.quantity having count(k.id) <> o.quantity) d`,
  );
  const keysDeliveredTwice = await n(
    db,
    sql`select count(*) as n from (select e.key_id from key_events e join keys k on k.id = e.key_id
        where k.product_id = ${p} and e.kind = 'DELIVERED' group by e.key_id having count(*) > 1) d`,
  );
  const spent = await n(
    db,
    // what these buyers bought: this sale and the records ceiling's (its raw route pays from the same wallets)
    sql`select coalesce(sum(total_fen), 0) as n from orders where state = 'DELIVERED'
        and buyer_id in (${sql.join(sale.buyerIds)})`,
  );
  const wallets = await n(
    db,
    sql`select coalesce(sum(balance_fen), 0) as n from ledger_accounts
        where kind = 'WALLET' and owner_id in (${sql.join(sale.buyerIds)})`,
  );
  const ledger = await verifyLedger(db);
  const funded = FUND_FEN * sale.buyerIds.length;
  return {
    noDoubleDelivery: check(
      unitsWithTwoKeys === 0 &&
        ordersWithWrongKeys === 0 &&
        keysDeliveredTwice === 0 &&
        sealed === deliveredQty,
      `${unitsWithTwoKeys} units with 2+ keys, ${ordersWithWrongKeys} orders without exactly quantity sealed keys, ` +
        `${keysDeliveredTwice} keys delivered twice, ${sealed} keys sold = ${deliveredQty} units delivered`,
    ),
    noOversell: check(
      total === KEYS && deliveredQty <= KEYS && available + withUnit === KEYS && units === deliveredQty,
      `${deliveredQty} delivered of ${total} keys; ${available} available + ${withUnit} sold; ${units} units`,
    ),
    everyOrderDelivered: check(notDelivered === 0, `${delivered} delivered, ${notDelivered} in other states`),
    everyResponseIsAnOrder: check(
      responses === delivered,
      `${responses} 2xx responses, ${delivered} delivered orders`,
    ),
    soldAtLeast90Percent: check(
      deliveredQty >= 0.9 * KEYS,
      `${Math.round((deliveredQty * 1000) / KEYS) / 10}%`,
    ),
    ledgerVerifies: check(
      ledger.ok,
      `${ledger.accounts} accounts, ${ledger.transactions} transactions, ` +
        `${ledger.mismatchedAccounts.length + ledger.unbalancedTransactions.length} problems`,
    ),
    walletsConserved: check(
      wallets === funded - spent,
      `funded ${funded} − spent ${spent} = wallets ${wallets} fen`,
    ),
  };
}

// ---------------------------------------------------------------------------------------------

type Checks = Record<string, { ok: boolean; value: number | string }>;

/** The code measured: the commit, and whether src/ had uncommitted changes at the time. */
function codeState(): { commit: string; srcUncommittedFiles: number } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
    return { commit, srcUncommittedFiles: dirty.split('\n').filter(Boolean).length };
  } catch {
    return null;
  }
}

const allOk = (c: Checks): boolean => Object.values(c).every((x) => x.ok);

function printChecks(title: string, c: Checks): void {
  console.log(`\n${title}`);
  for (const [name, { ok, value }] of Object.entries(c))
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${value}`);
}

interface EngineRun {
  engine: 'sqlite' | 'postgres';
  checkout: LoadResult;
  records: LoadResult | null;
  ceiling: LoadResult | null;
  probe: Awaited<ReturnType<typeof quantityProbe>>;
  checks: Checks;
  ceilingChecks: Checks | null;
}

/** One engine's run: the records ceiling's sale, the bare ceiling's, the checkout's, the probe. */
async function runEngine(adminUrl: string | undefined): Promise<EngineRun> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-bench-checkout-'));
  let databaseUrl: string | undefined;
  let schema: string | null = null;
  if (adminUrl) {
    schema = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = u.toString();
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    KAMENG_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    KAMENG_MASTER_KEY: randomBytes(32).toString('base64'),
    KAMENG_SEED_DEMO: 'never',
  };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const config = loadConfig(env);
  const buyersOfRoute = Array.from({ length: CONNECTIONS }, (_, i) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ buyer: i }),
  }));
  try {
    const booted = await boot(config);
    const app = await buildApp({
      config,
      handle: booted.handle,
      clock: booted.clock,
      testClock: null,
      vault: booted.vault,
      logger: false,
      webDir: '/nonexistent',
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    console.log(`${booted.engine}: preparing ${KEYS} keys and ${CONNECTIONS} funded, logged-in buyers …`);
    const sale = await prepareSale(booted, app);
    console.log(`${booted.engine}: 1-key and 1,000-key orders, one at a time …`);
    const probe = await quantityProbe(base, sale);

    let ceiling: { load: LoadResult; checks: Checks } | null = null;
    let records: LoadResult | null = null;
    if (WITH_CEILING) {
      const r =
        booted.engine === 'postgres' && databaseUrl
          ? await recordsCeilingPostgres(databaseUrl, sale.records)
          : recordsCeilingSqlite(config.sqlitePath, sale.records);
      const recordsBase = await r.app.listen({ host: '127.0.0.1', port: 0 });
      console.log(`${booted.engine}: records ceiling: selling out …`);
      records = await sellOut(recordsBase, '/buy', buyersOfRoute);
      await r.close();

      const c =
        booted.engine === 'postgres' && databaseUrl
          ? await ceilingPostgres(databaseUrl)
          : await ceilingSqlite(path.join(dataDir, 'ceiling.db'));
      const ceilingBase = await c.app.listen({ host: '127.0.0.1', port: 0 });
      console.log(`${booted.engine}: bare ceiling: selling out …`);
      const load = await sellOut(ceilingBase, '/buy', buyersOfRoute);
      const checks = await c.checks();
      await c.close();
      ceiling = { load, checks };
    }

    console.log(`${booted.engine}: checkout: selling out …`);
    const load = await sellOut(base, '/api/orders', sale.buyers);
    await app.close(); // waits for any request still in flight
    const checks = await saleChecks(booted.db, sale, load.orders);
    await booted.handle.close();
    return {
      engine: booted.engine,
      checkout: load,
      records,
      ceiling: ceiling?.load ?? null,
      probe,
      checks,
      ceilingChecks: ceiling?.checks ?? null,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (adminUrl && schema) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
}

const ratioOf = (a: number, b: number | undefined): number | null =>
  b ? Math.round((a / b) * 100) / 100 : null;

/**
 * SQLite always; PostgreSQL too when DATABASE_URL is set — in the same run, so the two engines'
 * figures (and PostgreSQL ≥ 0.5 × SQLite) are read against each other on the same machine state.
 */
async function main(): Promise<void> {
  if (process.env.BENCH_INSTANCES === '2') {
    // one vs two app processes on one PostgreSQL (bench/checkout-instances.ts)
    execFileSync('npx', ['tsx', 'bench/checkout-instances.ts'], { stdio: 'inherit' });
    return;
  }
  const code = codeState();
  const runs: EngineRun[] = [];
  if (process.env.BENCH_ENGINES !== 'postgres') runs.push(await runEngine(undefined));
  if (process.env.DATABASE_URL) runs.push(await runEngine(process.env.DATABASE_URL));
  const sqliteRun = runs.find((r) => r.engine === 'sqlite');

  let allChecksOk = true;
  for (const r of runs) {
    const ratio = r.records ? ratioOf(r.checkout.ordersPerSec, r.records.ordersPerSec) : null;
    const checksOk = allOk(r.checks) && (r.ceilingChecks ? allOk(r.ceilingChecks) : true);
    allChecksOk &&= checksOk;
    const pgVsSqlite =
      r.engine === 'postgres' && sqliteRun
        ? ratioOf(r.checkout.ordersPerSec, sqliteRun.checkout.ordersPerSec)
        : null;
    const targets = {
      recordsCeiling: {
        target: 'checkout ≥ 0.8 × the records ceiling (orders/s, same run)',
        value: ratio,
        met: ratio !== null && ratio >= 0.8,
      },
      ...(r.engine === 'sqlite'
        ? {
            p99Under100ms: {
              target: 'p99 < 100 ms at 50 connections',
              value: r.checkout.latencyP99ms,
              met: r.checkout.latencyP99ms < 100,
            },
          }
        : {
            statements: {
              target: '≤ 12 statements per checkout (session check included)',
              value: r.probe.statementsPerCheckout,
              met: r.probe.statementsPerCheckout <= 12,
            },
            ...(pgVsSqlite !== null
              ? {
                  halfOfSqlite: {
                    target: 'PostgreSQL ≥ 0.5 × SQLite (orders/s, same run)',
                    value: pgVsSqlite,
                    met: pgVsSqlite >= 0.5,
                  },
                }
              : {}),
          }),
      thousandKeys: {
        target: 'a 1,000-key order ≤ 10 × a 1-key order',
        value: r.probe.ratio,
        met: r.probe.ratio <= 10,
      },
      checksPass: {
        target: 'zero double deliveries, zero oversell, ledger verifies',
        value: checksOk,
        met: checksOk,
      },
    };
    const row = (name: string, l: LoadResult) => ({
      run: name,
      'orders/s': l.ordersPerSec,
      orders: l.orders,
      seconds: l.seconds,
      'p50 ms': l.latencyP50ms,
      'p99 ms': l.latencyP99ms,
      'max ms': l.latencyMaxMs,
      'sold-out 409s': l.soldOutResponses,
      'other errors':
        Object.values(l.otherFailures).reduce((a, b) => a + b, 0) + l.connectionErrors + l.timeouts,
    });
    console.log(`\n${r.engine}, ${KEYS} keys, ${CONNECTIONS} buyers/connections, quantity 1:`);
    console.table([
      row('checkout POST /api/orders', r.checkout),
      ...(r.records ? [row('records ceiling (raw rows)', r.records)] : []),
      ...(r.ceiling ? [row('bare ceiling (order + key)', r.ceiling)] : []),
    ]);
    console.log('checkout per tenth of the stock:');
    console.table(r.checkout.tenths);
    if (Object.keys(r.checkout.otherFailures).length > 0)
      console.log('checkout failures:', r.checkout.otherFailures);
    console.log(
      `statements per checkout: ${r.probe.statementsPerCheckout} (1,000 keys: ${r.probe.statementsPer1000KeyCheckout}); ` +
        `1 key ${r.probe.oneKeyMedianMs} ms (median of 15), 1,000 keys ${r.probe.thousandKeysMs} ms (${r.probe.ratio}×)`,
    );
    printChecks('checkout checks:', r.checks);
    if (r.ceilingChecks) printChecks('bare ceiling checks:', r.ceilingChecks);
    for (const [name, t] of Object.entries(targets))
      console.log(`  ${t.met ? 'met    ' : 'NOT MET'} ${name}: ${t.target} (${String(t.value)})`);

    if (r.records) {
      const report = {
        engine: r.engine,
        when: new Date().toISOString(),
        machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
        loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10),
        code,
        keys: KEYS,
        connections: CONNECTIONS,
        buyers: CONNECTIONS,
        quantityPerOrder: 1,
        paymentMethod: 'BALANCE',
        checkout: r.checkout,
        recordsCeiling: r.records,
        bareCeiling: r.ceiling,
        ratioToRecordsCeiling: ratio,
        ratioToBareCeiling: r.ceiling ? ratioOf(r.checkout.ordersPerSec, r.ceiling.ordersPerSec) : null,
        postgresToSqlite: pgVsSqlite,
        quantity: r.probe,
        targets,
        targetsMet: Object.values(targets).every((t) => t.met),
        checks: { checkout: r.checks, ceiling: r.ceilingChecks, ok: checksOk },
      };
      const dir = path.resolve('bench/results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `checkout-${r.engine}.json`), `${JSON.stringify(report, null, 2)}\n`);
    }
  }
  if (!allChecksOk) process.exitCode = 1;
}

// Run as a script (npm run bench:checkout); imported, it only lends its load and ceiling.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
