/**
 * `npm run bench:scale`: the Stage 10 read paths at data scale, on the database
 * `npm run bench:generate` filled (DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/kameng_scale).
 *
 * Boots the real app in process (the state file the generator wrote holds the master key and the
 * accounts' password), logs in over HTTP as the heavy buyer, the big merchant and the admin, and
 * drives SCALE_CONNECTIONS (20) concurrent clients with autocannon for SCALE_SECONDS (10) against
 * each endpoint in turn, after a short warm-up:
 * - baseline: GET /api/auth/me (the cheapest authenticated route; same session check as the others);
 * - the buyer's order list: first page, and a deep page (the cursor 5,000 orders down);
 * - the refund pre-check of one delivered order (POST /api/orders/:id/refund-precheck);
 * - the big merchant's review queue (GET /api/refunds?queue=open);
 * - the admin dashboard (GET /api/admin/dashboard, 30 days);
 * - last, the big merchant's home (GET /api/merchant/home), for information.
 * Each endpoint is measured again with one client alone (its service time, without queueing).
 * Reports p50/p99/max latency and requests/s (2xx only; any other status fails the run) and writes
 * bench/results/scale-postgres.json and .md. Load generator and server share this machine's cores.
 * SCALE_LABEL adds a suffix to the result files (e.g. "before").
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { boot } from '../../src/boot.js';
import { loadConfig } from '../../src/platform/config.js';
import { statePath, type ScaleState } from './state.js';

const CONNECTIONS = Number(process.env.SCALE_CONNECTIONS ?? 20);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 10);
const WARMUP = Number(process.env.SCALE_WARMUP ?? 2);
const SERIAL_SECONDS = Number(process.env.SCALE_SERIAL_SECONDS ?? 3);
const TARGET_P99_MS = 20;

interface Session {
  cookie: string;
  csrf: string;
}

interface Measured {
  name: string;
  method: string;
  path: string;
  requests: number;
  requestsPerSec: number;
  latencyP50ms: number;
  latencyP99ms: number;
  latencyMaxms: number;
  non2xx: number;
  bytesPerResponse: number;
  /** One client alone (no queueing): the endpoint's own service time. */
  serial?: { requestsPerSec: number; latencyP50ms: number; latencyP99ms: number };
}

async function load(
  base: string,
  name: string,
  s: Session,
  method: 'GET' | 'POST',
  urlPath: string,
  body: string | undefined,
  seconds: number,
  connections = CONNECTIONS,
): Promise<Measured> {
  const result = await autocannon({
    url: base + urlPath,
    connections,
    duration: seconds,
    timeout: 60,
    method,
    headers: {
      cookie: s.cookie,
      'x-csrf-token': s.csrf,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body } : {}),
  });
  const ok = result['2xx'];
  return {
    name,
    method,
    path: urlPath,
    requests: ok,
    requestsPerSec: Math.round(ok / seconds),
    latencyP50ms: result.latency.p50,
    latencyP99ms: result.latency.p99,
    latencyMaxms: result.latency.max,
    non2xx: result.non2xx + result.errors + result.timeouts,
    bytesPerResponse: ok ? Math.round(result.throughput.total / Math.max(1, result.requests.total)) : 0,
  };
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required (the database bench:generate filled)');
  const state = JSON.parse(readFileSync(statePath(url), 'utf8')) as ScaleState;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    KAMENG_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kameng-scale-run-')),
    LOG_LEVEL: 'silent',
    KAMENG_MASTER_KEY: state.masterKey,
    KAMENG_SEED_DEMO: 'never',
    DATABASE_URL: url,
  });
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

  let address = 0;
  const login = async (username: string): Promise<Session & { userId: string }> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username, password: state.password },
      remoteAddress: `198.18.1.${++address}`,
    });
    const sid = res.cookies.find((c) => c.name === 'kameng_sid')?.value;
    const json = res.statusCode === 200 ? res.json<{ csrfToken: string; user: { id: string } }>() : null;
    if (!sid || !json) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    return { cookie: `kameng_sid=${sid}`, csrf: json.csrfToken, userId: json.user.id };
  };
  const buyer = await login(state.heavyBuyer);
  const merchant = await login(state.bigMerchant);
  const admin = await login(state.admin);

  // What to ask for: a cursor 5,000 orders down the heavy buyer's list, and its newest delivered
  // order that no request holds (the pre-check's subject).
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const facts = await c.query<{ orders: string; deep: string; pre: string; queue: string; units: string }>(
    `select (select count(*) from orders where buyer_id = $1)::text as orders,
            (select id from orders where buyer_id = $1 order by id desc offset 5000 limit 1) as deep,
            (select o.id from orders o where o.buyer_id = $1 and o.state = 'DELIVERED' and o.quantity = 1
               and not exists (select 1 from refund_requests r where r.order_id = o.id)
             order by o.id desc limit 1) as pre,
            (select count(*) from refund_requests r join merchants m on m.id = r.merchant_id
               where m.owner_user_id = $2 and r.state = 'PENDING_REVIEW')::text as queue,
            (select count(*) from orders)::text as units`,
    [buyer.userId, merchant.userId],
  );
  const f = facts.rows[0];
  const size = await c.query<{ s: string }>(
    `select pg_size_pretty(pg_database_size(current_database())) as s`,
  );
  const counts = await c.query<{ orders: string; keys: string }>(
    `select (select count(*) from orders)::text as orders, (select count(*) from keys)::text as keys`,
  );
  await c.end();
  console.log(
    `${counts.rows[0].orders} orders, ${counts.rows[0].keys} keys (${size.rows[0].s}); heavy buyer ${f.orders} orders; big merchant ${f.queue} requests pending review`,
  );

  const endpoints: [string, Session, 'GET' | 'POST', string, string | undefined][] = [
    ['baseline: GET /api/auth/me', buyer, 'GET', '/api/auth/me', undefined],
    ['buyer order list, first page', buyer, 'GET', '/api/orders', undefined],
    [
      'buyer order list, deep page (cursor 5,000 down)',
      buyer,
      'GET',
      `/api/orders?cursor=${f.deep}`,
      undefined,
    ],
    [
      'refund pre-check',
      buyer,
      'POST',
      `/api/orders/${f.pre}/refund-precheck`,
      JSON.stringify({ reason: 'NO_LONGER_NEEDED' }),
    ],
    ['merchant review queue', merchant, 'GET', '/api/refunds?queue=open', undefined],
    ['admin dashboard (30 days)', admin, 'GET', '/api/admin/dashboard', undefined],
    // Last: at this size it answers in seconds (the stock count of its low-stock panel reads every
    // key of the shop), and requests still running would weigh on whatever came after.
    ['merchant home (sales, pending reviews, low stock)', merchant, 'GET', '/api/merchant/home', undefined],
  ];
  const results: Measured[] = [];
  for (const [name, s, method, p, body] of endpoints) {
    // One request first: it must answer 200 (a wrong fixture is not a measurement).
    const probe = await app.inject({
      method,
      url: p,
      headers: {
        cookie: s.cookie,
        'x-csrf-token': s.csrf,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { payload: body } : {}),
    });
    if (probe.statusCode !== 200) throw new Error(`${name}: ${probe.statusCode} ${probe.body.slice(0, 300)}`);
    if (WARMUP > 0) await load(base, name, s, method, p, body, WARMUP);
    const m = await load(base, name, s, method, p, body, SECONDS);
    const one = await load(base, name, s, method, p, body, SERIAL_SECONDS, 1);
    m.serial = {
      requestsPerSec: one.requestsPerSec,
      latencyP50ms: one.latencyP50ms,
      latencyP99ms: one.latencyP99ms,
    };
    results.push(m);
    console.log(
      `${name.padEnd(50)} ${String(m.requestsPerSec).padStart(6)} req/s  p50 ${m.latencyP50ms} ms  p99 ${m.latencyP99ms} ms  max ${m.latencyMaxms} ms${m.non2xx ? `  non-2xx ${m.non2xx}` : ''}  | 1 client: p50 ${one.latencyP50ms} ms p99 ${one.latencyP99ms} ms`,
    );
  }
  await app.close();
  await booted.handle.close();

  const failed = results.filter((r) => r.non2xx > 0);
  const out = {
    benchmark: 'bench:scale',
    engine: 'postgres',
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? '',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    note: 'server (in process) and autocannon share this machine; other processes may have been running',
    data: {
      orders: Number(counts.rows[0].orders),
      keys: Number(counts.rows[0].keys),
      databaseSize: size.rows[0].s,
      heavyBuyerOrders: Number(f.orders),
      bigMerchantPendingReview: Number(f.queue),
    },
    connections: CONNECTIONS,
    seconds: SECONDS,
    targetP99ms: TARGET_P99_MS,
    results: results.map((r) => ({
      ...r,
      meetsTarget: r.requests > 0 && r.latencyP99ms < TARGET_P99_MS,
      p99OverBaseline: Math.round((r.latencyP99ms / results[0].latencyP99ms) * 100) / 100,
    })),
  };
  const label = process.env.SCALE_LABEL ? `-${process.env.SCALE_LABEL}` : '';
  const dir = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `scale-postgres${label}.json`), `${JSON.stringify(out, null, 2)}\n`);
  const md = [
    `# bench:scale — PostgreSQL, ${out.data.orders.toLocaleString('en')} orders, ${out.data.keys.toLocaleString('en')} keys (${out.data.databaseSize})`,
    '',
    `${out.at}; ${CONNECTIONS} concurrent clients, ${SECONDS} s per endpoint after ${WARMUP} s warm-up; ${out.machine.cpus} cores shared by server and load generator. Heavy buyer: ${f.orders} orders; big merchant: ${f.queue} requests pending review. Target p99 < ${TARGET_P99_MS} ms.`,
    '',
    `| endpoint | req/s | p50 ms | p99 ms | max ms | p99 < 20 ms | p99 ÷ baseline p99 | 1 client: p50 / p99 ms |`,
    '|---|---:|---:|---:|---:|:---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.requestsPerSec} | ${r.latencyP50ms} | ${r.latencyP99ms} | ${r.latencyMaxms} | ${r.requests === 0 ? 'no (none answered in the window)' : r.latencyP99ms < TARGET_P99_MS ? 'yes' : 'no'} | ${(r.latencyP99ms / results[0].latencyP99ms).toFixed(2)} | ${r.serial?.latencyP50ms ?? '-'} / ${r.serial?.latencyP99ms ?? '-'} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, `scale-postgres${label}.md`), md);
  if (failed.length) {
    console.error(`non-2xx responses: ${failed.map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
