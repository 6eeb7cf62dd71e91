/**
 * Several instances on one PostgreSQL behave as one platform (Stage 10). Two real server processes
 * (test/helpers/server-process.ts, as the crash suite runs one) share one fresh database and one
 * data directory; their sweepers run every 200 ms, their test-clock poll is set to ten minutes so
 * only the LISTEN/NOTIFY path can carry an advance within the test. Then:
 *
 * (a) a flash sale split across both — buyers alternate instances, all at once — sells every key
 *     exactly once: no oversell, no key in two units, every 201 is a delivered order;
 * (b) a burst of unpaid WeChat orders made on both, past their expiry once the clock moves: both
 *     sweepers run and every ORDER_EXPIRY deadline fires exactly once (one DONE row, one
 *     `order.expired` event, one release of each reserved key);
 * (c) a session made on A works on B, and a logout on A ends it on B;
 * (d) a rate limit is counted across both: hits split between A and B are refused together;
 * (e) a test-clock advance on A is seen by B (pushed, not polled);
 * (f) evidence uploaded through A is downloaded through B (the shared data directory);
 * and the database passes `kameng verify`'s checks afterwards (ledger, keys, audit chain).
 *
 * PostgreSQL only (several instances need a server database): skipped on SQLite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../../src/boot.js';
import { formatReport, verifyDatabase } from '../../src/modules/admin/index.js';
import { hashPassword } from '../../src/modules/accounts/passwords.js';
import { createAccount } from '../../src/modules/catalog/merchants.js';
import { changeStatus, createProduct } from '../../src/modules/catalog/products.js';
import { runImport, startBatch } from '../../src/modules/inventory/import.js';
import { ensureAccount, postTransaction } from '../../src/modules/payments/ledger.js';
import { systemActor, type Actor } from '../../src/platform/actor.js';
import { loadConfig } from '../../src/platform/config.js';
import { sha256Bytes } from '../../src/platform/files-store.js';
import { newId } from '../../src/platform/ids.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';
import { testEngine } from '../helpers/db.js';
import { HttpClient, startServer, useBuild, type ServerProcess } from '../helpers/server-process.js';

const engine = testEngine();
const PASSWORD = 'two-instances-1';
const PRICES = { REGULAR: 1000, VIP: 990, SUPER: 980 };
const FLASH_KEYS = 60;
const BUYERS = 12;
const UNPAID = 30;
const POLICY = {
  unactivatedRefund: true,
  windowHours: 24,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: null,
};

let dataDir = '';
let databaseUrl = '';
let dropDatabase: (() => Promise<void>) | undefined;
let env: Record<string, string> = {};
let booted: Booted | undefined;
const t0 = Date.now();
const mark = (what: string) => process.stdout.write(`two instances: ${what} at ${Date.now() - t0} ms\n`);
let pool: pg.Pool | undefined;
const servers: ServerProcess[] = [];

interface Product {
  id: string;
}

async function count(q: string, values: unknown[] = []): Promise<number> {
  const r = await pool!.query<{ n: string }>(q, values);
  return Number(r.rows[0]?.n ?? 0);
}

describe.skipIf(engine !== 'postgres')('two instances on one PostgreSQL', () => {
  let A: ServerProcess;
  let B: ServerProcess;
  const buyers: { client: HttpClient; id: string; username: string }[] = [];
  let admin: HttpClient;
  let flash: Product;
  let slow: Product;

  beforeAll(async () => {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('the postgres project needs TEST_DATABASE_URL');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-two-'));
    const name = `two_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const u = new URL(url);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDatabase = async () => {
      const d = new pg.Client({ connectionString: url });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    };
    env = {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      KAMENG_DATA_DIR: dataDir,
      KAMENG_MASTER_KEY: randomBytes(32).toString('base64'),
      KAMENG_DEMO: 'off',
      KAMENG_TEST_CLOCK: 'on',
      KAMENG_SANDBOX_GATEWAYS: 'on',
      KAMENG_SWEEP_INTERVAL_MS: '200',
      // Only a pushed advance reaches the other instance within the test.
      KAMENG_CLOCK_REFRESH_MS: '600000',
      // Each test client has its own address (X-Forwarded-For), as behind a load balancer.
      KAMENG_TRUST_PROXY: '1',
    };

    // The data, made in this process through the modules (migrates the fresh database).
    booted = await boot(loadConfig(env));
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const ctx = { db: booted.db, engine: booted.engine, clock: booted.clock, vault: booted.vault };
    const setup = systemActor('two-instances-test');
    const passwordHash = await hashPassword(PASSWORD);
    await createAccount(ctx, setup, { username: 'admin2', password: PASSWORD, passwordHash, role: 'admin' });
    const shop = await createAccount(ctx, setup, {
      username: 'shop2',
      password: PASSWORD,
      passwordHash,
      role: 'merchant',
      merchantName: '双实例测试店',
    });
    const merchant: Actor = {
      kind: 'user',
      id: shop.user.id,
      role: 'merchant',
      memberLevel: 'REGULAR',
      merchantId: shop.merchantId,
    };
    const product = async (label: string, keys: number): Promise<Product> => {
      const id = await createProduct(ctx, merchant, {
        type: 'CARD_KEY',
        name: `${label} 10元`,
        description: 'two instances',
        faceValueFen: 1000,
        validityDays: 365,
        prices: PRICES,
        policy: POLICY,
      });
      await changeStatus(ctx, merchant, id, { version: 1, status: 'ON_SALE' });
      const body = Buffer.from(
        Array.from({ length: keys }, (_, i) => `${label}${i} pw-${randomBytes(6).toString('hex')}`).join(
          '\n',
        ),
      );
      const batch = await startBatch(ctx, merchant, {
        productId: id,
        source: 'CLI',
        fileName: `${label}.txt`,
        format: 'auto',
        bytesTotal: body.length,
      });
      const done = await runImport(ctx, merchant, batch, Readable.from([body]));
      expect(done.imported).toBe(keys);
      return { id };
    };
    flash = await product('FLASH', FLASH_KEYS);
    slow = await product('SLOW', UNPAID);
    for (let i = 0; i < BUYERS; i++) {
      const username = `buyer2-${i}`;
      const { user } = await createAccount(ctx, setup, {
        username,
        password: PASSWORD,
        passwordHash,
        role: 'buyer',
      });
      const at = booted.clock.now();
      await unitOfWork(booted, async (trx) => {
        const wallet = await ensureAccount(trx, 'WALLET', user.id, at);
        const clearing = await ensureAccount(trx, 'GATEWAY_CLEARING', 'sandbox-wechat', at);
        await postTransaction(trx, setup, at, {
          idempotencyKey: `two-fund-${newId()}`,
          kind: 'TOPUP',
          reference: { type: 'test', id: user.id },
          postings: [
            { accountId: clearing.id, amountFen: -1_000_000 },
            { accountId: wallet.id, amountFen: 1_000_000 },
          ],
        });
      });
      buyers.push({ client: new HttpClient(`198.18.7.${i + 1}`), id: user.id, username });
    }
    await booted.handle.close();
    booted = undefined;
    mark('data ready');

    // Both start at once (they agree on one set of sandbox gateway keys).
    const started = await Promise.allSettled([startServer(env), startServer(env)]);
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [A, B] = servers;
    mark('both servers listening');
    admin = new HttpClient('198.18.8.1');
    await admin.login(A.base, 'admin2', PASSWORD);
    // Buyers log in on alternating instances.
    await Promise.all(buyers.map((b, i) => b.client.login(i % 2 ? B.base : A.base, b.username, PASSWORD)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await booted?.handle.close();
    await pool?.end();
    await dropDatabase?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const order = (productId: string, method: 'BALANCE' | 'WECHAT') => ({
    productId,
    quantity: 1,
    paymentMethod: method,
    policyVersion: 1,
    policyConfirmed: true,
    faceValueFen: 1000,
    validityDays: 365,
    unitPriceFen: PRICES.REGULAR,
  });

  it(`(a) a flash sale split across both instances sells each of ${FLASH_KEYS} keys exactly once`, async () => {
    const delivered: { orderId: string; via: 'A' | 'B' }[] = [];
    const failures: string[] = [];
    await Promise.all(
      buyers.map(async (b, i) => {
        for (let n = 0; n < FLASH_KEYS; n++) {
          const via = (i + n) % 2 ? 'B' : 'A';
          const r = await b.client.req<{ id: string; state: string; code?: string }>(
            via === 'A' ? A.base : B.base,
            'POST',
            '/api/orders',
            order(flash.id, 'BALANCE'),
            { 'idempotency-key': `flash-${i}-${n}` },
          );
          if (r.status === 201) delivered.push({ orderId: r.body.id, via });
          else if (r.body.code === 'inventory.out_of_stock') return;
          else failures.push(`${r.status} ${r.body.code ?? JSON.stringify(r.body)}`);
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(delivered).toHaveLength(FLASH_KEYS);
    expect(new Set(delivered.map((d) => d.orderId)).size).toBe(FLASH_KEYS);
    // Both instances sold.
    expect(delivered.filter((d) => d.via === 'A').length).toBeGreaterThan(0);
    expect(delivered.filter((d) => d.via === 'B').length).toBeGreaterThan(0);

    const p = [flash.id];
    expect(await count(`select count(*) n from keys where product_id = $1 and state = 'AVAILABLE'`, p)).toBe(
      0,
    );
    expect(await count(`select count(*) n from keys where product_id = $1 and state = 'SEALED'`, p)).toBe(
      FLASH_KEYS,
    );
    expect(
      await count(
        `select count(distinct unit_id) n from keys where product_id = $1 and unit_id is not null`,
        p,
      ),
    ).toBe(FLASH_KEYS);
    expect(await count(`select count(*) n from units where product_id = $1`, p)).toBe(FLASH_KEYS);
    expect(
      await count(
        `select coalesce(sum(quantity), 0) n from orders where product_id = $1 and state = 'DELIVERED'`,
        p,
      ),
    ).toBe(FLASH_KEYS);
    expect(
      await count(`select count(*) n from orders where product_id = $1 and state <> 'DELIVERED'`, p),
    ).toBe(0);
    // No key was handed to two units, nor delivered twice.
    expect(
      await count(
        `select count(*) n from (select e.key_id from key_events e join keys k on k.id = e.key_id
           where k.product_id = $1 and e.kind = 'DELIVERED' group by e.key_id having count(*) <> 1) d`,
        p,
      ),
    ).toBe(0);
    expect(
      await count(
        `select count(*) n from key_events e join keys k on k.id = e.key_id where k.product_id = $1 and e.kind = 'DELIVERED'`,
        p,
      ),
    ).toBe(FLASH_KEYS);
    // What the buyers paid is what left their wallets.
    const spent = await count(
      `select coalesce(sum(total_fen), 0) n from orders where product_id = $1 and state = 'DELIVERED'`,
      p,
    );
    const wallets = await count(
      `select coalesce(sum(balance_fen), 0) n from ledger_accounts where kind = 'WALLET' and owner_id = any($1)`,
      [buyers.map((b) => b.id)],
    );
    expect(wallets).toBe(BUYERS * 1_000_000 - spent);
  });

  it(`(b, e) a test-clock advance on A reaches B at once, and ${UNPAID} due order expiries fire exactly once across both sweepers`, async () => {
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: UNPAID }, async (_, n) => {
        const b = buyers[n % BUYERS];
        const r = await b.client.req<{ id: string; state: string }>(
          n % 2 ? B.base : A.base,
          'POST',
          '/api/orders',
          order(slow.id, 'WECHAT'),
          { 'idempotency-key': `unpaid-${n}` },
        );
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        expect(r.body.state).toBe('PENDING_PAYMENT');
        ids.push(r.body.id);
      }),
    );
    expect(
      await count(`select count(*) n from keys where product_id = $1 and state = 'AVAILABLE'`, [slow.id]),
    ).toBe(0);

    const before = await admin.req<{ time: string }>(B.base, 'GET', '/api/health');
    const advanced = await admin.req<Record<string, unknown>>(A.base, 'POST', '/api/admin/clock/advance', {
      minutes: 20,
    });
    expect(advanced.status, JSON.stringify(advanced.body)).toBe(200);
    const advancedBy = 20 * 60_000;
    // (e) B's clock: its poll is ten minutes away, so only the notification can move it now.
    let seenOnB = 0;
    for (let i = 0; i < 100; i++) {
      const h = await admin.req<{ time: string }>(B.base, 'GET', '/api/health');
      seenOnB = Date.parse(h.body.time) - Date.parse(before.body.time);
      if (seenOnB >= advancedBy) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seenOnB).toBeGreaterThanOrEqual(advancedBy);

    // (b) both sweepers now find the expiries due.
    const place = ids.map((_, i) => `$${i + 1}`).join(',');
    let expired = 0;
    for (let i = 0; i < 150 && expired < UNPAID; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expired = await count(
        `select count(*) n from orders where state = 'EXPIRED' and id in (${place})`,
        ids,
      );
    }
    expect(expired).toBe(UNPAID);
    // One deadline per order, fired once.
    const deadlines = await pool!.query<{ object_id: string; state: string; n: string }>(
      `select object_id, state, count(*) n from deadlines where kind = 'ORDER_EXPIRY' and object_id in (${place})
       group by object_id, state`,
      ids,
    );
    expect(deadlines.rows).toHaveLength(UNPAID);
    expect(deadlines.rows.every((r) => r.state === 'DONE' && Number(r.n) === 1)).toBe(true);
    // One expiry event per order, and every reserved key released once and available again.
    const events = await pool!.query<{ object_id: string; n: string }>(
      `select object_id, count(*) n from audit_events where action = 'order.expired' and object_id in (${place})
       group by object_id`,
      ids,
    );
    expect(events.rows).toHaveLength(UNPAID);
    expect(events.rows.every((r) => Number(r.n) === 1)).toBe(true);
    expect(
      await count(`select count(*) n from keys where product_id = $1 and state = 'AVAILABLE'`, [slow.id]),
    ).toBe(UNPAID);
    expect(
      await count(
        `select count(*) n from (select e.key_id from key_events e join keys k on k.id = e.key_id
           where k.product_id = $1 and e.kind = 'RELEASED' group by e.key_id having count(*) <> 1) d`,
        [slow.id],
      ),
    ).toBe(0);
  });

  it('(c) a session made on A works on B, and a logout on A ends it on B', async () => {
    const c = new HttpClient('198.18.9.1');
    await c.login(A.base, buyers[0].username, PASSWORD);
    const me = await c.req<{ user: { username: string } }>(B.base, 'GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe(buyers[0].username);
    expect((await c.req(A.base, 'POST', '/api/auth/logout', {})).status).toBeLessThan(300);
    expect((await c.req(B.base, 'GET', '/api/auth/me')).status).toBe(401);
  });

  it('(d) a rate limit is counted across both instances', async () => {
    // POST /api/auth/password-reset/confirm: 20 a minute per address, counted on arrival (an
    // empty body is refused after counting). 10 hits on each instance use the budget up together.
    const c = new HttpClient('198.18.10.1');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push(
        (await c.req(i % 2 ? B.base : A.base, 'POST', '/api/auth/password-reset/confirm', {})).status,
      );
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    const onA = await c.req<{ code: string }>(A.base, 'POST', '/api/auth/password-reset/confirm', {});
    const onB = await c.req<{ code: string }>(B.base, 'POST', '/api/auth/password-reset/confirm', {});
    expect([onA.status, onB.status]).toEqual([429, 429]);
    expect(onB.body.code).toBe('request.too_many');
    // another address still has its own budget
    const other = new HttpClient('198.18.10.2');
    expect((await other.req(B.base, 'POST', '/api/auth/password-reset/confirm', {})).status).not.toBe(429);
  });

  it('(f) evidence uploaded through A is downloaded through B, and the database verifies clean', async () => {
    const b = buyers[0];
    const ordered = await pool!.query<{ id: string }>(
      `select id from orders where buyer_id = $1 and product_id = $2 and state = 'DELIVERED' limit 1`,
      [b.id, flash.id],
    );
    const orderId = ordered.rows[0]?.id;
    expect(orderId).toBeDefined();
    const picture = await sharp(randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const boundary = `----two${randomBytes(6).toString('hex')}`;
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="shot.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      picture,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await b.client.req<{ files: { sha256: string; name: string }[] }>(
      A.base,
      'POST',
      '/api/evidence/files',
      body,
      { 'content-type': `multipart/form-data; boundary=${boundary}` },
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const sha = sha256Bytes(picture);
    expect(up.body.files[0]?.sha256).toBe(sha);
    const applied = await b.client.req<{ id: string }>(
      A.base,
      'POST',
      `/api/orders/${orderId}/refunds`,
      {
        reason: 'NOT_AS_DESCRIBED',
        description: '卡密无效，见截图',
        files: up.body.files.map((f) => ({ sha256: f.sha256, name: f.name })),
      },
      { 'idempotency-key': `refund-${orderId}` },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const got = await b.client.req(B.base, 'GET', `/api/evidence/files/${sha}?requestId=${applied.body.id}`);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(picture)).toBe(true);

    // `kameng verify`'s checks (spec §12: ledger, escrow, keys, refunds, audit chain and head, states),
    // run in this process on the database the two instances share.
    const checker = await boot(loadConfig(env));
    try {
      const report = await verifyDatabase({ ...checker, dataDir });
      expect(report.ok, formatReport(report)).toBe(true);
    } finally {
      await checker.handle.close();
    }
    mark(`verified clean (servers ran from ${useBuild ? 'dist' : 'tsx'})`);
  });
});
