/**
 * The checkout flash sale (bench/checkout.ts) against one instance, then against two instances on
 * the same PostgreSQL, in the same run (Stage 10, several instances). Each phase has a fresh
 * schema with one product of BENCH_KEYS card keys and BENCH_CONNECTIONS funded, logged-in buyers
 * (sessions made in process through the real login route; the servers find them in the database).
 * The servers are real processes (`node dist/server/server.js` when built, else tsx), production
 * mode; the load is autocannon in this process: one run of N connections against the single
 * instance; two runs of N/2 connections started together, one per instance, for the pair. Each run
 * goes until every connection has been told "sold out".
 *
 * Records orders/s (2xx only, first request to last 2xx), p50/p99 latency, and the checks after
 * each phase: no double delivery, no oversell, every 2xx an order, ledger verifies, wallets
 * conserved. Writes bench/results/checkout-instances-postgres.json; exits 1 when a check fails.
 *
 * This machine has 2 cores shared by the load generator, the server processes and PostgreSQL: a
 * second instance adds a process competing for the same cores, so the figure shows that two
 * instances sell correctly together and what they cost here, not how they scale with cores.
 *
 * DATABASE_URL (PostgreSQL) is required. BENCH_KEYS (default 3000) / BENCH_CONNECTIONS (default 50,
 * even) change the sale's size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import autocannon from 'autocannon';
import { sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { boot, type Booted } from '../src/boot.js';
import { hashPassword } from '../src/modules/accounts/passwords.js';
import { createAccount } from '../src/modules/catalog/merchants.js';
import { changeStatus, createProduct } from '../src/modules/catalog/products.js';
import { runImport, startBatch } from '../src/modules/inventory/import.js';
import { ensureAccount, postTransaction, verifyLedger } from '../src/modules/payments/ledger.js';
import { systemActor, type Actor } from '../src/platform/actor.js';
import { loadConfig } from '../src/platform/config.js';
import type { Db } from '../src/platform/db/dialect.js';
import { newId } from '../src/platform/ids.js';
import { unitOfWork } from '../src/platform/unit-of-work.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PASSWORD = 'bench-password-1';
const PRICES = { REGULAR: 9850, VIP: 9780, SUPER: 9690 };
const FUND_FEN = Math.ceil((KEYS * 4) / CONNECTIONS) * PRICES.REGULAR;
const BAILOUT = 200;
const ROOT = path.resolve(import.meta.dirname, '..');

// ---- server processes -----------------------------------------------------------------------

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const BUILT = path.join(ROOT, 'dist/server/server.js');
const useBuild = existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(path.join(ROOT, 'src'));

interface Server {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const args = useBuild ? [BUILT] : ['--import', 'tsx', path.join(ROOT, 'src/server.ts')];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
    child.stdout.on('data', () => {
      const m = /Listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (!m || !out.includes('API docs')) return;
      clearTimeout(timer);
      resolve({
        base: `http://127.0.0.1:${m[1]}`,
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening:\n${out}`));
    });
  });
}

// ---- load -----------------------------------------------------------------------------------

interface Buyer {
  headers: Record<string, string>;
  body: string;
}

interface Run {
  okAt: number[]; // performance.now() of each 2xx
  okLatency: number[];
  soldOut: number;
  otherFailures: Record<string, number>;
  errors: number;
  timeouts: number;
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

/** One autocannon run of `buyers.length` connections against `base` until each hears "sold out". */
async function sellOut(base: string, buyers: Buyer[], tag: string): Promise<Run> {
  const run: Run = { okAt: [], okLatency: [], soldOut: 0, otherFailures: {}, errors: 0, timeouts: 0 };
  const soldOutClients = new Set<number>();
  let failures = 0;
  let clients = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: buyers.length,
        duration: 600,
        timeout: 30,
        setupClient: (client) => {
          const index = clients++;
          const buyer = buyers[index % buyers.length];
          let seq = 0;
          let lastStatus = 0;
          client.setRequests([
            {
              method: 'POST',
              path: '/api/orders',
              body: buyer.body,
              setupRequest: (req) => ({
                ...req,
                headers: { ...buyer.headers, 'idempotency-key': `${tag}-${index}-${++seq}` },
              }),
              onResponse: (status, body) => {
                lastStatus = status;
                if (status >= 200 && status < 300) return;
                const code = `${status} ${codeOf(body)}`;
                if (code === '409 inventory.out_of_stock') {
                  run.soldOut++;
                  soldOutClients.add(index);
                  if (soldOutClients.size === buyers.length) instance.stop();
                  return;
                }
                run.otherFailures[code] = (run.otherFailures[code] ?? 0) + 1;
                if (++failures >= BAILOUT) instance.stop();
              },
            },
          ]);
          client.on('response', (_s: number, _b: number, responseTime: number) => {
            if (lastStatus < 200 || lastStatus >= 300) return;
            run.okAt.push(performance.now());
            run.okLatency.push(responseTime);
          });
        },
      },
      (err: unknown, r: autocannon.Result) =>
        err ? reject(err instanceof Error ? err : new Error('autocannon failed')) : resolve(r),
    );
  });
  run.errors = result.errors;
  run.timeouts = result.timeouts;
  return run;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return round1(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
}

/** Runs started together at `started`, read as one: orders/s from the start to the last 2xx. */
function combine(started: number, runs: Run[]) {
  const okAt = runs.flatMap((r) => r.okAt);
  const latency = runs.flatMap((r) => r.okLatency).sort((a, b) => a - b);
  const seconds = okAt.length > 0 ? (Math.max(...okAt) - started) / 1000 : 0;
  const otherFailures: Record<string, number> = {};
  for (const r of runs)
    for (const [k, v] of Object.entries(r.otherFailures)) otherFailures[k] = (otherFailures[k] ?? 0) + v;
  return {
    orders: okAt.length,
    seconds: Math.round(seconds * 100) / 100,
    ordersPerSec: seconds > 0 ? Math.round(okAt.length / seconds) : 0,
    latencyP50ms: percentile(latency, 0.5),
    latencyP99ms: percentile(latency, 0.99),
    latencyMaxMs: percentile(latency, 1),
    ordersPerInstance: runs.map((r) => r.okAt.length),
    soldOutResponses: runs.reduce((n, r) => n + r.soldOut, 0),
    otherFailures,
    connectionErrors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
  };
}

// ---- the sale ---------------------------------------------------------------------------------

interface Sale {
  productId: string;
  buyerIds: string[];
  buyers: Buyer[];
}

/** The shop, the product with KEYS keys and CONNECTIONS funded buyers, logged in through the real route. */
async function prepareSale(booted: Booted, env: NodeJS.ProcessEnv): Promise<Sale> {
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
    description: 'flash-sale benchmark, several instances',
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
  const productId = await createProduct(ctx, merchant, input);
  await changeStatus(ctx, merchant, productId, { version: 1, status: 'ON_SALE' });
  const body = Buffer.from(
    Array.from(
      { length: KEYS },
      (_, i) => `FS${String(i).padStart(8, '0')} pw-${i}-${randomBytes(6).toString('hex')}`,
    ).join('\n'),
  );
  const batch = await startBatch(ctx, merchant, {
    productId,
    source: 'CLI',
    fileName: 'flash-sale.txt',
    format: 'auto',
    bytesTotal: body.length,
  });
  const done = await runImport(ctx, merchant, batch, Readable.from([body]));
  if (done.imported !== KEYS) throw new Error(`imported ${done.imported} of ${KEYS} keys`);

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
  // The real login route in process (each buyer from its own address in 198.18.0.0/15); the
  // sessions are rows the server processes find.
  const app = await buildApp({
    config: loadConfig(env),
    handle: booted.handle,
    clock: booted.clock,
    testClock: null,
    vault: booted.vault,
    logger: false,
    webDir: '/nonexistent',
  });
  const buyerIds: string[] = [];
  const buyers: Buyer[] = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      const username = `bench-buyer-${i}`;
      const { user } = await createAccount(ctx, bench, {
        username,
        password: PASSWORD,
        passwordHash,
        role: 'buyer',
      });
      buyerIds.push(user.id);
      const at = booted.clock.now();
      await unitOfWork(booted, async (trx) => {
        const wallet = await ensureAccount(trx, 'WALLET', user.id, at);
        const clearing = await ensureAccount(trx, 'GATEWAY_CLEARING', 'sandbox-wechat', at);
        await postTransaction(trx, bench, at, {
          idempotencyKey: `bench-fund-${newId()}`,
          kind: 'TOPUP',
          reference: { type: 'bench', id: user.id },
          postings: [
            { accountId: clearing.id, amountFen: -FUND_FEN },
            { accountId: wallet.id, amountFen: FUND_FEN },
          ],
        });
      });
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username, password: PASSWORD },
        remoteAddress: `198.18.${(i >> 8) & 255}.${(i & 255) + 1}`,
      });
      const sid = res.cookies.find((c) => c.name === 'kameng_sid')?.value;
      const csrf: unknown = res.statusCode === 200 ? res.json<{ csrfToken: unknown }>().csrfToken : undefined;
      if (!sid || typeof csrf !== 'string') throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      buyers.push({
        headers: { 'content-type': 'application/json', cookie: `kameng_sid=${sid}`, 'x-csrf-token': csrf },
        body: checkoutBody,
      });
    }
  } finally {
    await app.close();
  }
  return { productId, buyerIds, buyers };
}

async function n(db: Db, query: RawBuilder<unknown>): Promise<number> {
  const r = await (query as RawBuilder<{ n: number | string | null }>).execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

const check = (ok: boolean, value: number | string) => ({ ok, value });
type Checks = Record<string, { ok: boolean; value: number | string }>;

async function saleChecks(db: Db, sale: Sale, responses: number): Promise<Checks> {
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
  const deliveredOrders = await n(
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
  const keysDeliveredTwice = await n(
    db,
    sql`select count(*) as n from (select e.key_id from key_events e join keys k on k.id = e.key_id
        where k.product_id = ${p} and e.kind = 'DELIVERED' group by e.key_id having count(*) > 1) d`,
  );
  const spent = await n(
    db,
    sql`select coalesce(sum(total_fen), 0) as n from orders where product_id = ${p} and state = 'DELIVERED'`,
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
      unitsWithTwoKeys === 0 && keysDeliveredTwice === 0 && withUnit === deliveredQty,
      `${unitsWithTwoKeys} units with 2+ keys, ${keysDeliveredTwice} keys delivered twice, ${withUnit} keys sold = ${deliveredQty} units delivered`,
    ),
    noOversell: check(
      total === KEYS && available + withUnit === KEYS && units === deliveredQty,
      `${deliveredQty} delivered of ${total} keys; ${available} available + ${withUnit} sold; ${units} units`,
    ),
    everyOrderDelivered: check(
      notDelivered === 0,
      `${deliveredOrders} delivered, ${notDelivered} in other states`,
    ),
    everyResponseIsAnOrder: check(
      responses === deliveredOrders,
      `${responses} 2xx responses, ${deliveredOrders} delivered orders`,
    ),
    soldOut: check(available === 0, `${available} keys left`),
    ledgerVerifies: check(
      ledger.ok,
      `${ledger.accounts} accounts, ${ledger.transactions} transactions, ${
        ledger.mismatchedAccounts.length + ledger.unbalancedTransactions.length
      } problems`,
    ),
    walletsConserved: check(
      wallets === funded - spent,
      `funded ${funded} − spent ${spent} = wallets ${wallets} fen`,
    ),
  };
}

// ---- phases -----------------------------------------------------------------------------------

async function phase(adminUrl: string, instances: 1 | 2) {
  const schema = `bench_inst${instances}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-bench-instances-'));
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: u.toString(),
    KAMENG_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    KAMENG_MASTER_KEY: randomBytes(32).toString('base64'),
    KAMENG_SEED_DEMO: 'never',
  };
  const servers: Server[] = [];
  try {
    const booted = await boot(loadConfig(env));
    try {
      console.log(`${instances} instance(s): preparing ${KEYS} keys and ${CONNECTIONS} buyers …`);
      const sale = await prepareSale(booted, env);
      for (const s of await Promise.allSettled(Array.from({ length: instances }, () => startServer(env))))
        if (s.status === 'fulfilled') servers.push(s.value);
        else throw s.reason;
      console.log(`${instances} instance(s): selling out …`);
      const per = CONNECTIONS / instances;
      const started = performance.now();
      const runs = await Promise.all(
        servers.map((s, i) =>
          sellOut(s.base, sale.buyers.slice(i * per, (i + 1) * per), `i${instances}-${i}`),
        ),
      );
      const load = combine(started, runs);
      await Promise.all(servers.map((s) => s.stop()));
      servers.length = 0;
      const checks = await saleChecks(booted.db, sale, load.orders);
      return { instances, connectionsPerInstance: per, ...load, checks };
    } finally {
      await booted.handle.close();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('bench/checkout-instances.ts needs DATABASE_URL (PostgreSQL)');
  if (CONNECTIONS % 2 !== 0) throw new Error('BENCH_CONNECTIONS must be even (split over two instances)');
  const one = await phase(adminUrl, 1);
  const two = await phase(adminUrl, 2);
  const ok = [one, two].every((p) => Object.values(p.checks).every((c) => c.ok));
  const row = (p: typeof one) => ({
    instances: p.instances,
    'orders/s': p.ordersPerSec,
    orders: p.orders,
    'per instance': p.ordersPerInstance.join(' + '),
    seconds: p.seconds,
    'p50 ms': p.latencyP50ms,
    'p99 ms': p.latencyP99ms,
    'other errors':
      Object.values(p.otherFailures).reduce((a, b) => a + b, 0) + p.connectionErrors + p.timeouts,
  });
  console.log(`\npostgres, ${KEYS} keys, ${CONNECTIONS} buyers/connections in all, quantity 1, balance:`);
  console.table([row(one), row(two)]);
  for (const p of [one, two]) {
    console.log(`checks, ${p.instances} instance(s):`);
    for (const [name, c] of Object.entries(p.checks))
      console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${name}: ${c.value}`);
    if (Object.keys(p.otherFailures).length > 0) console.log('  failures:', p.otherFailures);
  }
  const report = {
    engine: 'postgres',
    when: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    note:
      'Load generator, server processes and PostgreSQL share these cores (and, when measured, other work on the machine): ' +
      'a second instance competes for the same 2 cores, so this shows correctness and cost of two instances here, not scaling with cores.',
    server: useBuild ? 'node dist/server/server.js' : 'tsx src/server.ts',
    keys: KEYS,
    connections: CONNECTIONS,
    quantityPerOrder: 1,
    paymentMethod: 'BALANCE',
    oneInstance: one,
    twoInstances: two,
    ratioTwoToOne:
      one.ordersPerSec > 0 ? Math.round((two.ordersPerSec / one.ordersPerSec) * 100) / 100 : null,
    checksOk: ok,
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'checkout-instances-postgres.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\ntwo/one: ${report.ratioTwoToOne}; written bench/results/checkout-instances-postgres.json`);
  if (!ok) process.exitCode = 1;
}

await main();
