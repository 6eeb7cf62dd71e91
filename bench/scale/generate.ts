/**
 * `npm run bench:generate`: fills a private PostgreSQL database (DATABASE_URL, e.g.
 * postgres://postgres@127.0.0.1:5432/kameng_scale) with a Stage 10 data set — by default
 * 1,000,000 orders and 5,000,000 card keys — for `npm run bench:scale`.
 *
 * The database's `public` schema is dropped and recreated, then the app opens it the ordinary way
 * (`boot`: migrations, crypto keys, member levels). The people and products come from the app's own
 * functions (accounts, merchants, products with their refund policies, one real key import, so the
 * data key and key batch are genuine); the volume is written with set-based SQL (generate_series,
 * INSERT … SELECT) inside the database, with the secondary indexes of the big tables dropped
 * meanwhile and rebuilt after.
 *
 * What is written, and how it relates (src/platform/db/schema.ts):
 * - buyers (SCALE_BUYERS, 100,000), member levels skewed to REGULAR; one heavy buyer with 1% of all
 *   orders, nine more with 0.2% each, the rest on a power-law;
 * - merchants (SCALE_MERCHANTS, 100) with five products each, and one big merchant with twenty
 *   products taking 30% of the orders;
 * - orders over the last 365 days (UUIDv7 ids in time order, like the app's), goods paid by
 *   balance: 95% DELIVERED, 3% REFUNDED, 2% EXPIRED (unpaid, no units); quantity 1 (85%), 2 (10%)
 *   or 3–5; a payment row per paid order; settled when past their settle time;
 * - one unit per key sold, each with its key (SEALED, REVEALED or ACTIVATED; VOIDED when refunded)
 *   — the rest of the SCALE_KEYS keys AVAILABLE in stock. Ciphertexts are random bytes (never
 *   revealed by the benchmark);
 * - refund requests on ~7% of delivered orders in every state (REFUNDED for the refunded orders,
 *   closed, cancelled, rejected, disputed, with support, awaiting the buyer) with their units, and
 *   open PENDING_REVIEW ones (SCALE_BIG_QUEUE for the big merchant, 4,000 by default) with their
 *   REFUND_REVIEW deadlines;
 * - not written: per-order ledger postings, key events and audit events (the audit chain is hashed
 *   and keyed; the benchmark's endpoints do not read postings or key history).
 *
 * The accounts' password and the master key are written to the state file printed at the end
 * (os.tmpdir()/kameng-scale-<database>.json), which `bench:scale` reads.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import pg from 'pg';
import { boot } from '../../src/boot.js';
import { loadConfig } from '../../src/platform/config.js';
import { hashPassword } from '../../src/modules/accounts/passwords.js';
import { createAccount } from '../../src/modules/catalog/merchants.js';
import { changeStatus, createProduct } from '../../src/modules/catalog/products.js';
import { runImport, startBatch } from '../../src/modules/inventory/import.js';
import { systemActor, type Actor } from '../../src/platform/actor.js';
import { statePath, type ScaleState } from './state.js';

const ORDERS = Number(process.env.SCALE_ORDERS ?? 1_000_000);
const KEYS = Number(process.env.SCALE_KEYS ?? 5_000_000);
const BUYERS = Number(process.env.SCALE_BUYERS ?? 100_000);
const MERCHANTS = Number(process.env.SCALE_MERCHANTS ?? 100);
const BIG_QUEUE = Number(process.env.SCALE_BIG_QUEUE ?? 4_000);
const SCALE_PASSWORD = 'scale-password-1';

const t0 = performance.now();
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const log = (m: string): void => console.log(`[${elapsed()}] ${m}`);

async function step(c: pg.Client, label: string, text: string, params: unknown[] = []): Promise<void> {
  const s = performance.now();
  const r = await c.query(text, params);
  const rows = Array.isArray(r)
    ? ''
    : r.rowCount !== null
      ? ` (${r.rowCount.toLocaleString('en')} rows)`
      : '';
  log(`${label}${rows} in ${((performance.now() - s) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required (a private database, e.g. …/kameng_scale)');
  const dbName = new URL(url).pathname.replace(/^\//, '');
  if (['', 'test', 'postgres', 'template0', 'template1'].includes(dbName))
    throw new Error(`refusing to overwrite database "${dbName}": use a private one such as kameng_scale`);

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('drop schema if exists public cascade');
  await c.query('create schema public');
  log(`${dbName}: schema public recreated`);

  const masterKey = randomBytes(32).toString('base64');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-scale-gen-'));
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    KAMENG_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    KAMENG_MASTER_KEY: masterKey,
    KAMENG_SEED_DEMO: 'never',
    DATABASE_URL: url,
  });
  const booted = await boot(config);
  log('migrated and booted through the app');
  const ctx = { db: booted.db, engine: booted.engine, clock: booted.clock, vault: booted.vault };
  const gen = systemActor('bench-generate');
  const passwordHash = await hashPassword(SCALE_PASSWORD);

  await createAccount(ctx, gen, {
    username: 'scale-admin',
    password: SCALE_PASSWORD,
    passwordHash,
    role: 'admin',
  });
  const heavy = await createAccount(ctx, gen, {
    username: 'scale-heavy-buyer',
    password: SCALE_PASSWORD,
    passwordHash,
    role: 'buyer',
  });
  const policy = {
    unactivatedRefund: true,
    windowHours: 72,
    noReasonRefund: true,
    revealedRefund: false,
    nonRefundable: false,
    nonRefundableText: null,
  };
  const products: { id: string; merchantId: string; big: boolean }[] = [];
  let firstProduct: { id: string; merchant: Actor } | null = null;
  for (let m = 0; m <= MERCHANTS; m++) {
    const big = m === 0;
    const shop = await createAccount(ctx, gen, {
      username: big ? 'scale-big-merchant' : `scale-merchant-${m}`,
      password: SCALE_PASSWORD,
      passwordHash,
      role: 'merchant',
      merchantName: big ? '大卖家点卡专营' : `卡店 ${m}`,
    });
    const merchant: Actor = {
      kind: 'user',
      id: shop.user.id,
      role: 'merchant',
      memberLevel: 'REGULAR',
      merchantId: shop.merchantId,
    };
    for (let p = 0; p < (big ? 20 : 5); p++) {
      const face = [1000, 3000, 5000, 10000, 20000][p % 5];
      const id = await createProduct(ctx, merchant, {
        type: 'CARD_KEY',
        name: `${big ? '大卖家' : `店${m}`} 点卡 ${face / 100}元 #${p}`,
        description: 'scale data set',
        faceValueFen: face,
        validityDays: 365,
        prices: {
          REGULAR: Math.round(face * 0.98),
          VIP: Math.round(face * 0.97),
          SUPER: Math.round(face * 0.96),
        },
        policy,
      });
      await changeStatus(ctx, merchant, id, { version: 1, status: 'ON_SALE' });
      products.push({ id, merchantId: shop.merchantId!, big });
      firstProduct ??= { id, merchant };
    }
  }
  log(`${MERCHANTS + 1} merchants and ${products.length} products created through the app`);

  // One genuine import: its data key and batch are what the bulk keys point at.
  const lines = Array.from(
    { length: 10 },
    (_, i) => `SC${String(i).padStart(8, '0')} pw-${randomBytes(6).toString('hex')}`,
  );
  const body = Buffer.from(lines.join('\n'));
  const batch = await startBatch(ctx, firstProduct!.merchant, {
    productId: firstProduct!.id,
    source: 'CLI',
    fileName: 'scale-seed.txt',
    format: 'auto',
    bytesTotal: body.length,
  });
  await runImport(ctx, firstProduct!.merchant, batch, Readable.from([body]));
  await booted.handle.close();
  log('one real key import done; app closed, bulk SQL follows');

  await c.query(`set synchronous_commit = off`);
  // Foreign keys hold by construction here; their per-row triggers would cost most of the load.
  await c.query(`set session_replication_role = replica`);
  await c.query(`set maintenance_work_mem = '512MB'`);
  await c.query(`set work_mem = '256MB'`);
  await c.query(`create function pg_temp.uuid7(ms bigint, r text) returns text language sql immutable as $$
    select substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 14, 3) || '-8' || substr(h, 18, 3)
      || '-' || substr(h, 21, 12) from (select lpad(to_hex(ms), 12, '0') || r as h) x $$`);
  const nowMs = Date.now();
  const startMs = nowMs - 365 * 86_400_000;
  const tmpl = (
    await c.query<{ batch_id: string; data_key_id: string; product_id: string }>(
      `select batch_id, data_key_id, product_id from keys limit 1`,
    )
  ).rows[0];

  // Secondary indexes of the big tables go while they fill (constraints' indexes stay).
  const big = ['orders', 'payments', 'units', 'keys', 'refund_requests', 'refund_request_units', 'deadlines'];
  const idx = await c.query<{ indexname: string; indexdef: string }>(
    `select i.indexname, i.indexdef from pg_indexes i
      where i.schemaname = 'public' and i.tablename = any($1)
        and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`,
    [big],
  );
  for (const r of idx.rows) await c.query(`drop index ${r.indexname}`);
  log(`${idx.rowCount} secondary indexes dropped for the load`);

  await step(
    c,
    'product map',
    `create temp table gp as
       select row_number() over (order by p.created_at, p.id) as n,
              p.id, p.merchant_id, p.name, p.type, p.face_value_fen, p.validity_days, p.current_policy_id,
              rp.version as policy_version, rp.text_hash, pp.price_fen,
              (mu.username = 'scale-big-merchant') as big
         from products p join merchants m on m.id = p.merchant_id join users mu on mu.id = m.owner_user_id
         join refund_policies rp on rp.id = p.current_policy_id
         join product_prices pp on pp.product_id = p.id and pp.level = 'REGULAR'`,
  );
  await c.query(`alter table gp add column k bigint`);
  await c.query(`update gp set k = x.k from (select id, row_number() over (partition by big order by n) as k from gp) x
    where x.id = gp.id`);
  await c.query(`create unique index on gp (big, k)`);
  await c.query(`create unique index on gp (n)`);
  const nBig = products.filter((p) => p.big).length;
  const nSmall = products.length - nBig;

  await step(
    c,
    'buyers',
    `insert into users (id, username, username_key, password_hash, display_name, role, member_level,
        level_expires_at, status, version, created_at, updated_at)
      select pg_temp.uuid7(${startMs - 86_400_000}::bigint + i * 60, md5('b' || i)), 'scale-buyer-' || i, 'scale-buyer-' || i,
             $1::text, '买家' || i, 'buyer',
             case when i % 50 = 0 then 'SUPER' when i % 10 = 0 then 'VIP' else 'REGULAR' end,
             case when i % 10 = 0 then now() + interval '180 days' else null end,
             'ACTIVE', 1, now() - interval '400 days', now() - interval '400 days'
        from generate_series(1, ${BUYERS - 1}) i`,
    [passwordHash],
  );
  await step(
    c,
    'buyer map',
    `create temp table gb as
       select 0::bigint as n, '${heavy.user.id}'::text as id
       union all
       select row_number() over (order by id), id from users where username like 'scale-buyer-%'`,
  );
  await c.query('create unique index on gb (n)');

  // The orders, one generated row each, then written to orders/payments/units/keys.
  await step(
    c,
    'order plan',
    `create temp table go as
       select i,
              ${startMs}::bigint + (i::bigint * ${365 * 86_400_000}::bigint) / ${ORDERS} as ms,
              case when r1 < 0.01 then 0
                   when r1 < 0.028 then 1 + (i % 9)
                   else 10 + floor(${BUYERS - 11} * power(random(), 2))::int end as buyer_n,
              r2 < 0.3 as big,
              case when r2 < 0.3 then 1 + (i % ${nBig}) else 1 + (i % ${nSmall}) end as pk,
              case when r3 < 0.85 then 1 when r3 < 0.95 then 2 else 3 + (i % 3) end as qty,
              case when r4 < 0.02 then 'EXPIRED' when r4 < 0.05 then 'REFUNDED' else 'DELIVERED' end as state
         from (select i, random() as r1, random() as r2, random() as r3, random() as r4
                 from generate_series(1, ${ORDERS}) i) s`,
  );
  await step(
    c,
    'orders',
    `insert into orders (id, order_no, kind, buyer_id, merchant_id, product_id, quantity, unit_price_fen, total_fen,
        buyer_level, member_price, product_name, product_type, face_value_fen, validity_days, policy_id,
        policy_version, policy_text_hash, policy_confirmed_at, payment_method, state, expires_at, paid_at,
        delivered_at, settle_after, settled_at, commission_bp, commission_fen, idempotency_key, request_hash,
        version, created_at, updated_at)
      select pg_temp.uuid7(go.ms, md5('o' || go.i)),
             'KM' || to_char(to_timestamp(go.ms / 1000.0) at time zone 'Asia/Shanghai', 'YYMMDD') || lpad(go.i::text, 10, '0'),
             'GOODS', gb.id, gp.merchant_id, gp.id, go.qty, gp.price_fen, gp.price_fen * go.qty,
             'REGULAR', false, gp.name, gp.type, gp.face_value_fen, gp.validity_days, gp.current_policy_id,
             gp.policy_version, gp.text_hash, to_timestamp(go.ms / 1000.0), 'BALANCE', go.state,
             to_timestamp(go.ms / 1000.0) + interval '15 minutes',
             case when go.state <> 'EXPIRED' then to_timestamp(go.ms / 1000.0 + 1) end,
             case when go.state <> 'EXPIRED' then to_timestamp(go.ms / 1000.0 + 1) end,
             case when go.state = 'DELIVERED' then to_timestamp(go.ms / 1000.0 + 1) + interval '7 days' end,
             case when go.state = 'DELIVERED' and go.ms < ${nowMs - 7 * 86_400_000}::bigint
                  then to_timestamp(go.ms / 1000.0 + 1) + interval '7 days' end,
             case when go.state <> 'EXPIRED' then 500 end,
             case when go.state <> 'EXPIRED' then (gp.price_fen * go.qty * 5) / 100 end,
             'gen-' || go.i, md5('r' || go.i), 1, to_timestamp(go.ms / 1000.0), to_timestamp(go.ms / 1000.0 + 1)
        from go join gb on gb.n = go.buyer_n join gp on gp.big = go.big and gp.k = go.pk`,
  );
  await step(
    c,
    'payments',
    `insert into payments (id, order_id, buyer_id, method, provider, amount_fen, state, provider_trade_no, payer_ref,
        pay_url, paid_at, closed_at, version, created_at, updated_at)
      select pg_temp.uuid7((extract(epoch from o.created_at) * 1000)::bigint, md5('p' || o.id)), o.id, o.buyer_id,
             'BALANCE', 'balance', o.total_fen,
             case when o.state = 'EXPIRED' then 'CLOSED' else 'PAID' end, null, null, null, o.paid_at,
             case when o.state = 'EXPIRED' then o.expires_at end, 1, o.created_at, o.updated_at
        from orders o`,
  );
  await step(
    c,
    'units',
    `insert into units (id, product_id, buyer_id, policy_id, created_at, order_id, refunded_at, refund_barred_at)
      select pg_temp.uuid7((extract(epoch from o.created_at) * 1000)::bigint, md5('u' || o.id || '-' || k)),
             o.product_id, o.buyer_id, o.policy_id, o.delivered_at, o.id,
             case when o.state = 'REFUNDED' then o.delivered_at + interval '2 days' end, null
        from orders o cross join lateral generate_series(1, o.quantity) k
       where o.state <> 'EXPIRED'`,
  );
  const sold = Number((await c.query<{ n: string }>('select count(*) as n from units')).rows[0].n);
  await step(
    c,
    'keys sold',
    `insert into keys (id, product_id, merchant_id, batch_id, line_no, state, serial_masked, lookup_hmac, secret_hmac,
        data_key_id, ciphertext, unit_id, buyer_id, reserved_at, delivered_at, first_revealed_at, activated_at,
        activated_by, activation_source, activated_before_delivery, voided_at, invalid_at, invalid_reason,
        replacement_key_id, version, created_at, updated_at)
      select pg_temp.uuid7((extract(epoch from u.created_at) * 1000)::bigint - 86400000 * 20, md5('k' || u.id)),
             u.product_id, o.merchant_id, '${tmpl.batch_id}', 0, st.state,
             'SC****' || right(md5(u.id), 4), decode(md5('l' || u.id), 'hex'),
             decode(md5('s' || u.id) || md5('t' || u.id), 'hex'), '${tmpl.data_key_id}',
             decode(md5('c' || u.id) || md5('d' || u.id) || md5('e' || u.id), 'hex'),
             u.id, u.buyer_id, u.created_at, u.created_at,
             case when st.state in ('REVEALED', 'ACTIVATED') then u.created_at + interval '5 minutes' end,
             case when st.state = 'ACTIVATED' then u.created_at + interval '1 hour' end,
             null, case when st.state = 'ACTIVATED' then 'REPORT' end, false,
             case when st.state = 'VOIDED' then u.refunded_at end, null, null, null, 1,
             u.created_at - interval '20 days', u.created_at
        from units u join orders o on o.id = u.order_id
        cross join lateral (select case when u.refunded_at is not null then 'VOIDED'
                                         when right(u.id, 1) in ('0', '1', '2', '3', '4', '5', '6', '7', '8') then 'SEALED'
                                         when right(u.id, 1) in ('9', 'a', 'b', 'c', 'd') then 'REVEALED'
                                         else 'ACTIVATED' end as state) st`,
  );
  const available = Math.max(0, KEYS - sold);
  await step(
    c,
    'keys in stock',
    `insert into keys (id, product_id, merchant_id, batch_id, line_no, state, serial_masked, lookup_hmac, secret_hmac,
        data_key_id, ciphertext, version, created_at, updated_at, activated_before_delivery)
      select pg_temp.uuid7(${nowMs - 30 * 86_400_000}::bigint + i / 100, md5('a' || i)),
             gp.id, gp.merchant_id, '${tmpl.batch_id}', i, 'AVAILABLE', 'SC****' || right(md5('a' || i), 4),
             decode(md5('la' || i), 'hex'), decode(md5('sa' || i) || md5('ta' || i), 'hex'), '${tmpl.data_key_id}',
             decode(md5('ca' || i) || md5('da' || i) || md5('ea' || i), 'hex'), 1,
             now() - interval '30 days', now() - interval '30 days', false
        from generate_series(1, ${available}) i join gp on gp.n = 1 + (i % ${products.length})`,
  );

  // Refund requests: every refunded order has its REFUNDED request; ~4% of delivered ones one in
  // another state; the big merchant's newest delivered orders wait in its review queue.
  await step(
    c,
    'refund plan',
    `create temp table gr as
       select o.id as order_id, o.buyer_id, o.merchant_id, o.total_fen, o.delivered_at, o.created_at, o.idempotency_key,
              case when o.state = 'REFUNDED' then 'REFUNDED'
                   when x.r < 0.015 then 'CLOSED' when x.r < 0.025 then 'CANCELLED'
                   when x.r < 0.030 then 'REJECTED' when x.r < 0.032 then 'DISPUTED'
                   when x.r < 0.034 then 'SUPPORT_REVIEW' when x.r < 0.036 then 'AWAITING_BUYER'
                   else 'PENDING_REVIEW' end as state
         from (select o.*, random() as r from orders o where o.state in ('REFUNDED', 'DELIVERED')) o
         cross join lateral (select o.r) x
        where o.state = 'REFUNDED' or x.r < 0.04`,
  );
  // The big merchant's review queue: its newest delivered orders without a request.
  await step(
    c,
    'big merchant queue',
    `insert into gr
       select o.id, o.buyer_id, o.merchant_id, o.total_fen, o.delivered_at, o.created_at, o.idempotency_key, 'PENDING_REVIEW'
         from orders o join gp on gp.id = o.product_id and gp.big
        where o.state = 'DELIVERED' and o.buyer_id <> '${heavy.user.id}'
          and not exists (select 1 from gr where gr.order_id = o.id)
        order by o.id desc limit ${BIG_QUEUE}`,
  );
  await step(
    c,
    'refund requests',
    `insert into refund_requests (id, request_no, order_id, buyer_id, merchant_id, scope, reason, description, amount_fen,
        state, reviewer, submissions, review_due_at, supplement_due_at, escalation_due_at, deadline_warnings,
        eligibility, auto_approvable, large, info_request, decision_code, decision_note, decided_by, decided_role,
        decided_at, decision_warnings, idempotency_key, request_hash, version, created_at, updated_at, closed_at)
      select pg_temp.uuid7((extract(epoch from t.at) * 1000)::bigint, md5('q' || gr.order_id)),
             'RF' || to_char(t.at at time zone 'Asia/Shanghai', 'YYMMDD') || lpad((row_number() over ())::text, 10, '0'),
             gr.order_id, gr.buyer_id, gr.merchant_id, 'FULL',
             (array['NOT_AS_DESCRIBED', 'DEFECTIVE', 'MISTAKEN_PURCHASE', 'NO_LONGER_NEEDED'])[1 + (abs(hashtext(gr.order_id)) % 4)],
             '卡密无法使用', gr.total_fen, gr.state,
             case when gr.state = 'SUPPORT_REVIEW' then 'SUPPORT' else 'MERCHANT' end, 1,
             case when gr.state = 'PENDING_REVIEW' then greatest(t.at, now() - interval '1 day') + interval '2 days' end,
             case when gr.state = 'AWAITING_BUYER' then now() + interval '3 days' end,
             case when gr.state = 'REJECTED' then now() + interval '5 days' end,
             null, '{"units":[],"summary":{"status":"ALL"}}'::jsonb, false, false, null,
             case when gr.state in ('REFUNDED', 'DISPUTED') then 'APPROVED' when gr.state in ('REJECTED', 'CLOSED') then 'NOT_MERCHANT_FAULT' end,
             null,
             case when gr.state in ('REFUNDED', 'REJECTED', 'CLOSED', 'DISPUTED') then gr.merchant_id end,
             case when gr.state in ('REFUNDED', 'REJECTED', 'CLOSED', 'DISPUTED') then 'merchant' end,
             case when gr.state in ('REFUNDED', 'REJECTED', 'CLOSED', 'DISPUTED') then t.at + interval '20 hours' end,
             null, 'rf-' || gr.idempotency_key, md5('rq' || gr.order_id), 1, t.at, t.at + interval '20 hours',
             case when gr.state in ('REFUNDED', 'CLOSED', 'CANCELLED') then t.at + interval '1 day' end
        from gr cross join lateral (select least(gr.delivered_at + interval '1 day',
                                               now() - interval '10 minutes') as at) t`,
  );
  await step(
    c,
    'refund request units',
    `insert into refund_request_units (request_id, unit_id, amount_fen, released_at)
      select r.id, u.id, r.amount_fen / o.quantity, r.closed_at
        from refund_requests r join orders o on o.id = r.order_id join units u on u.order_id = o.id`,
  );
  await step(
    c,
    'review deadlines',
    `insert into deadlines (id, kind, object_id, due_at, state, attempts, last_error, fired_at, created_at)
      select pg_temp.uuid7((extract(epoch from r.created_at) * 1000)::bigint, md5('dl' || r.id)), 'REFUND_REVIEW',
             r.id || ':' || r.version, r.review_due_at, 'OPEN', 0, null, null, r.created_at
        from refund_requests r where r.state = 'PENDING_REVIEW'`,
  );
  await step(
    c,
    'settlement deadlines',
    `insert into deadlines (id, kind, object_id, due_at, state, attempts, last_error, fired_at, created_at)
      select pg_temp.uuid7((extract(epoch from o.delivered_at) * 1000)::bigint, md5('ds' || o.id)), 'SETTLEMENT',
             o.id, o.settle_after, case when o.settled_at is null then 'OPEN' else 'DONE' end, 0, null,
             o.settled_at, o.delivered_at
        from orders o where o.state = 'DELIVERED'`,
  );

  await c.query(`set session_replication_role = origin`);
  for (const r of idx.rows) {
    const s = performance.now();
    await c.query(r.indexdef);
    log(`index ${r.indexname} rebuilt in ${((performance.now() - s) / 1000).toFixed(1)} s`);
  }
  await step(c, 'vacuum analyze', 'vacuum analyze');
  const counts = await c.query<{ t: string; n: string }>(
    `select 'orders' as t, count(*)::text as n from orders union all select 'keys', count(*)::text from keys
     union all select 'units', count(*)::text from units union all select 'refund_requests', count(*)::text from refund_requests
     union all select 'deadlines', count(*)::text from deadlines union all select 'users', count(*)::text from users`,
  );
  const size = await c.query<{ s: string }>(
    `select pg_size_pretty(pg_database_size(current_database())) as s`,
  );
  await c.end();

  // Open once more through the app: migrations are current and it boots.
  const again = await boot(config);
  await again.handle.close();

  const state: ScaleState = {
    database: dbName,
    masterKey,
    password: SCALE_PASSWORD,
    admin: 'scale-admin',
    heavyBuyer: 'scale-heavy-buyer',
    bigMerchant: 'scale-big-merchant',
    orders: ORDERS,
    keys: KEYS,
    generatedAt: new Date().toISOString(),
  };
  writeFileSync(statePath(url), JSON.stringify(state, null, 2));
  for (const r of counts.rows) log(`${r.t}: ${Number(r.n).toLocaleString('en')}`);
  log(
    `database size ${size.rows[0].s}; state in ${statePath(url)}; the app boots on it. Done in ${elapsed()}.`,
  );
}

await main();
