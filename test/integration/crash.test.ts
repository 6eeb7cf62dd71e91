/**
 * The crash suite (Stage 9): a real server process under mixed load — checkouts (balance and
 * WeChat Pay through the sandbox cashier, whose signed notifications the server applies),
 * reveals, refunds, withdrawals, notifications read, a key import — is SIGKILLed at seeded random
 * moments and restarted, several times, on this project's engine. Every answer the server
 * confirmed to a client (a 2xx with an id) is recorded; after the last restart each one is still
 * there and the database verifies clean. And SIGTERM is graceful: a request in flight finishes
 * with its 2xx, new connections are refused, the process exits 0.
 *
 * The server runs as `node dist/server/server.js` when `npm run build` has produced it from the
 * current sources (CI builds before testing), otherwise as `tsx src/server.ts`: a stale build
 * would test old code. SQLite: a file in a temp directory; PostgreSQL: a fresh database next to
 * TEST_DATABASE_URL's. Demo seeding, test clock and sandbox gateways on, sweeper every 200 ms.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/index.js';
import { testEngine } from '../helpers/db.js';
import { runCli, startServer, useBuild, type ServerProcess } from '../helpers/server-process.js';

const engine = testEngine();
const KILLS = 4;
/** The randomness of the kill moments and the load is seeded: a failure replays. */
const SEED = Number(process.env.KAMENG_CRASH_SEED ?? 20261206);

// ---- the server process (test/helpers/server-process.ts) -------------------------------------

let dataDir = '';
let databaseUrl: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;

/** What this suite's server processes get besides PATH, HOME, PORT=0 and LOG_LEVEL (processEnv). */
function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAMENG_DATA_DIR: dataDir,
    KAMENG_DEMO: 'on',
    KAMENG_TEST_CLOCK: 'on',
    KAMENG_SWEEP_INTERVAL_MS: '200',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extra,
  };
}

type Server = ServerProcess;
const running = new Set<ChildProcess>();

const start = (extra: Record<string, string> = {}): Promise<Server> =>
  startServer(serverEnv(extra), (child) => {
    running.add(child);
    child.once('exit', () => running.delete(child));
  });

async function kill(s: Server): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

// ---- a client with its session ----------------------------------------------------------------

interface Answer<T> {
  status: number;
  body: T;
}
let requests = 0;
/** Refused requests by route, status and code: what the load ran into (printed with the figures). */
const refusals = new Map<string, number>();
class Client {
  base = '';
  cookie = '';
  csrf = '';
  constructor(readonly username: string) {}

  async req<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    requests++;
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: h,
      body: payload,
      signal: AbortSignal.timeout(20_000),
    });
    const sid = res.headers.getSetCookie().find((c) => c.startsWith('kameng_sid='));
    if (sid) this.cookie = sid.split(';')[0];
    const text = await res.text();
    const parsed: unknown =
      /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text;
    if (res.status >= 400) {
      const code = (parsed as { code?: string } | null)?.code ?? '';
      const k = `${method} ${url.replace(/[0-9a-f-]{36}/g, ':id')} ${res.status} ${code}`;
      refusals.set(k, (refusals.get(k) ?? 0) + 1);
    }
    return { status: res.status, body: parsed as T };
  }

  async login(): Promise<void> {
    const r = await this.req<{ csrfToken: string }>('POST', '/api/auth/login', {
      username: this.username,
      password: DEMO_PASSWORD,
    });
    if (r.status !== 200) throw new Error(`login ${this.username}: ${r.status} ${JSON.stringify(r.body)}`);
    this.csrf = r.body.csrfToken;
  }
}

// ---- seeded randomness ------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- verification -----------------------------------------------------------------------------

/** Runs a CLI command against the same database; resolves with its exit code and output. */
const cli = (args: string[]) => runCli(args, serverEnv());

/**
 * The database verifies clean: the one place the crash suite asks. `kameng verify` checks the
 * whole of spec §12 (ledger, escrow, keys, refunds, payouts, audit events, the keyed chain and its
 * exported head, request and dispute states); exit 0 clean, 1 problems, 2 could not run.
 * Returns the problems found.
 */
async function verifyDatabase(): Promise<string[]> {
  const run = await cli(['verify']);
  return run.code === 0 ? [] : [`kameng verify exit ${run.code}:\n${run.out}`];
}

// ---- setup ------------------------------------------------------------------------------------

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-crash-'));
  if (engine === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('the postgres project needs TEST_DATABASE_URL');
    const name = `crash_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
});

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- graceful shutdown ------------------------------------------------------------------------

/** A login whose headers the server has taken (100-continue) and whose body is sent on `finish`. */
function heldLogin(port: number) {
  const body = JSON.stringify({ username: 'buyer', password: DEMO_PASSWORD });
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/auth/login',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const taken = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  return { taken, answered, finish: () => (req.end(body), answered) };
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });

describe(`a real server process (${engine}, ${useBuild ? 'dist build' : 'tsx'})`, () => {
  it('on SIGTERM finishes the request in flight with its 2xx, refuses new connections and exits 0', async () => {
    const s = await start(); // the first start also migrates and seeds the demo
    const held = heldLogin(s.port);
    await held.taken; // the server has the request and waits for its body
    s.child.kill('SIGTERM');
    let closed = false;
    for (let i = 0; i < 400 && !closed; i++) {
      closed = await refused(s.port);
      if (!closed) await new Promise((r) => setTimeout(r, 25));
    }
    expect(closed).toBe(true); // no longer accepting
    const answer = await held.finish();
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ user: { username: 'buyer' } });
    expect(await s.exited, s.output()).toEqual({ code: 0, signal: null });
  });

  it(`loses nothing it confirmed across ${KILLS} SIGKILLs under mixed load, verifies clean; a SIGTERM that cannot finish in its grace period cuts and exits 1`, async () => {
    const rand = mulberry32(SEED + (engine === 'postgres' ? 1 : 0));
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const buyers = ['buyer', 'vipbuyer', 'chaohui'].map((u) => new Client(u));
    const merchant = new Client('xingchen');
    const admin = new Client('admin');
    const everyone = [...buyers, merchant, admin];

    let s = await start();
    const at = (srv: Server) => {
      for (const c of everyone) c.base = `http://127.0.0.1:${srv.port}`;
    };
    at(s);
    // A month passes first, so the demo's orders settle and the shop has money to withdraw.
    await admin.login();
    expect((await admin.req('POST', '/api/admin/clock/advance', { days: 30 })).status).toBe(200);
    // Sessions live in the database: one login each holds across the restarts.
    for (const c of everyone) await c.login();
    const products = await buyers[0].req<{
      items: {
        id: string;
        name: string;
        faceValueFen: number;
        validityDays: number | null;
        policy: { version: number };
        merchant: { name: string };
      }[];
    }>('GET', '/api/products');
    const product = products.body.items.find((p) => p.name.includes('视频会员'))!;
    expect(product).toBeDefined();

    // ---- what the server confirmed ----
    const paidOrders = new Set<string>(); // an answer said the order is paid (delivered)
    const cashierPaid = new Map<string, Client>(); // the gateway took the money: it must end up paid
    const deliveredUnits = new Map<string, { orderId: string; buyer: Client }>();
    const revealed = new Map<string, string>(); // unit → order
    const refunds = new Map<string, Client>();
    const ownerOf = new Map<string, Client>(); // order → its buyer
    const withdrawals = new Set<string>();
    const imports = new Set<string>();
    const claimed = new Set<string>(); // units an operation has taken (reveal or refund, not both)
    let operations = 0;
    let keyNo = 0;

    const idem = () => `crash-${SEED}-${++keyNo}-${Math.floor(rand() * 1e9)}`;
    const keyLines = (n: number) =>
      Buffer.from(
        Array.from({ length: n }, () => {
          const k = ++keyNo;
          return `CRASH${SEED}${String(k).padStart(8, '0')} pw-crash-${k}-${Math.floor(rand() * 1e9)}`;
        }).join('\n'),
      );
    const upload = (lines: Buffer) => {
      const boundary = `----crash${Math.floor(rand() * 1e12)}`;
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="keys.txt"\r\nContent-Type: text/plain\r\n\r\n`,
        ),
        lines,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return merchant.req<{ id: string }>('POST', `/api/merchant/products/${product.id}/imports`, body, {
        'content-type': `multipart/form-data; boundary=${boundary}`,
      });
    };
    interface OrderBody {
      id: string;
      state: string;
      payment: { state: string; payUrl: string | null };
      units: { unitId: string; keyState: string | null }[];
    }
    /** An order the server showed paid: confirmed, and its units are there to reveal or refund. */
    const notePaid = (o: OrderBody, buyer: Client) => {
      if (o.payment.state !== 'PAID') return;
      paidOrders.add(o.id);
      ownerOf.set(o.id, buyer);
      for (const u of o.units)
        if (!deliveredUnits.has(u.unitId)) deliveredUnits.set(u.unitId, { orderId: o.id, buyer });
    };
    const checkout = (buyer: Client, method: 'BALANCE' | 'WECHAT') =>
      buyer.req<OrderBody>(
        'POST',
        '/api/orders',
        {
          productId: product.id,
          quantity: 1 + Math.floor(rand() * 2),
          paymentMethod: method,
          policyVersion: product.policy.version,
          policyConfirmed: true,
          faceValueFen: product.faceValueFen,
          validityDays: product.validityDays,
          unitPriceFen: pricesOf.get(buyer.username)!,
        },
        { 'idempotency-key': idem() },
      );
    const pricesOf = new Map<string, number>();
    for (const b of buyers) {
      const p = await b.req<{ viewerPrice: { priceFen: number } }>('GET', `/api/products/${product.id}`);
      pricesOf.set(b.username, p.body.viewerPrice.priceFen);
    }
    // stock for the load
    const first = await upload(keyLines(300));
    expect(first.status).toBe(202);
    imports.add(first.body.id);
    for (let i = 0; i < 200; i++) {
      const batch = await merchant.req<{ status: string }>('GET', `/api/merchant/imports/${first.body.id}`);
      if (batch.body.status !== 'RUNNING' && batch.body.status !== 'QUEUED') break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const unclaimed = () => [...deliveredUnits.keys()].filter((u) => !claimed.has(u));
    const ops: Record<string, () => Promise<void>> = {
      async buyWithBalance() {
        const b = buyers[2]; // 超会: the largest balance
        const r = await checkout(b, 'BALANCE');
        if (r.status !== 201 || r.body.state !== 'DELIVERED') return;
        paidOrders.add(r.body.id); // the checkout's answer confirmed it paid and delivered
        ownerOf.set(r.body.id, b);
        const detail = await b.req<OrderBody>('GET', `/api/orders/${r.body.id}`);
        if (detail.status === 200) notePaid(detail.body, b);
      },
      async buyWithWechat() {
        const b = pick(buyers);
        const r = await checkout(b, 'WECHAT');
        if (r.status !== 201 || !r.body.payment.payUrl) return;
        const id = r.body.payment.payUrl.split('/').pop()!;
        const paid = await b.req('POST', `/api/sandbox/payments/${id}/pay`, { payerId: 'wx-lingqian' });
        if (paid.status === 200) cashierPaid.set(r.body.id, b);
        ownerOf.set(r.body.id, b);
      },
      async lookAtOrder() {
        const id = pick([...cashierPaid.keys()].filter((o) => !paidOrders.has(o)));
        if (!id) return;
        const b = cashierPaid.get(id)!;
        const r = await b.req<OrderBody>('GET', `/api/orders/${id}`);
        if (r.status === 200) notePaid(r.body, b);
      },
      async reveal() {
        const unit = pick(unclaimed());
        if (!unit) return;
        claimed.add(unit);
        const { orderId, buyer } = deliveredUnits.get(unit)!;
        const r = await buyer.req('POST', `/api/units/${unit}/reveal`, {});
        if (r.status === 200) revealed.set(unit, orderId);
      },
      async refund() {
        const unit = pick(unclaimed());
        if (!unit) return;
        claimed.add(unit);
        const { orderId, buyer } = deliveredUnits.get(unit)!;
        const r = await buyer.req<{ id: string }>(
          'POST',
          `/api/orders/${orderId}/refunds`,
          { unitIds: [unit], reason: 'MISTAKEN_PURCHASE', description: '买错了 / bought by mistake' },
          { 'idempotency-key': idem() },
        );
        if (r.status === 201) refunds.set(r.body.id, buyer);
      },
      async withdraw() {
        const r = await merchant.req<{ id: string }>(
          'POST',
          '/api/merchant/withdrawals',
          {
            amountFen: 100 + Math.floor(rand() * 400),
            accountName: '星辰游戏卡铺',
            accountNo: '6222020200112233445',
            bankName: '工商银行',
          },
          { 'idempotency-key': idem() },
        );
        if (r.status === 201) withdrawals.add(r.body.id);
      },
      async readNotifications() {
        await pick(buyers).req('POST', '/api/me/notifications/read', { all: true });
      },
      async importKeys() {
        const r = await upload(keyLines(50 + Math.floor(rand() * 150)));
        if (r.status === 202) imports.add(r.body.id);
      },
    };
    const weights: [string, number][] = [
      ['buyWithBalance', 3],
      ['buyWithWechat', 3],
      ['lookAtOrder', 2],
      ['reveal', 3],
      ['refund', 2],
      ['withdraw', 1],
      ['readNotifications', 1],
      ['importKeys', 1],
    ];
    const total = weights.reduce((n, [, w]) => n + w, 0);
    const nextOp = (): string => {
      let x = rand() * total;
      for (const [name, w] of weights) if ((x -= w) < 0) return name;
      return weights[0][0];
    };

    /** Four clients run operations until the server dies under them. */
    async function load(until: { dead: boolean }): Promise<void> {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (!until.dead) {
            operations++;
            await ops[nextOp()]().catch(() => undefined); // a refused or cut request confirmed nothing
          }
        }),
      );
    }

    for (let k = 0; k < KILLS; k++) {
      const until = { dead: false };
      const running = load(until);
      // The moment is counted in requests sent (so a slow machine does not kill before any load),
      // then a few more milliseconds so the kill lands in the middle of one.
      const killAt = requests + 25 + Math.floor(rand() * 35);
      while (requests < killAt) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 100)));
      await kill(s);
      until.dead = true;
      await running;
      // The last restart also serves the shutdown that cannot finish (see the end).
      s = await start(k === KILLS - 1 ? { KAMENG_SHUTDOWN_GRACE_MS: '300' } : {});
      at(s);
    }

    // After the last restart: time passes (notifications retried, unpaid orders reconciled with
    // the gateway), then every confirmed answer must still hold.
    expect((await admin.req('POST', '/api/admin/clock/advance', { minutes: 20 })).status).toBe(200);
    const orderOf = async (id: string): Promise<OrderBody | null> => {
      const r = await ownerOf.get(id)!.req<OrderBody>('GET', `/api/orders/${id}`);
      return r.status === 200 ? r.body : null;
    };
    const unpaid = async () => {
      const left: string[] = [];
      for (const id of new Set([...paidOrders, ...cashierPaid.keys()]))
        if ((await orderOf(id))?.payment.state !== 'PAID') left.push(id);
      return left;
    };
    let left = await unpaid();
    for (let i = 0; i < 60 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = await unpaid();
    }
    expect(left, 'orders confirmed paid (or paid at the gateway) that are not paid').toEqual([]);
    for (const [unit, orderId] of revealed) {
      const o = await orderOf(orderId);
      expect(o?.units.find((u) => u.unitId === unit)?.keyState, `revealed unit ${unit}`).toBe('REVEALED');
    }
    for (const [id, buyer] of refunds)
      expect((await buyer.req('GET', `/api/refunds/${id}`)).status, `refund ${id}`).toBe(200);
    for (const id of withdrawals)
      expect((await merchant.req('GET', `/api/merchant/withdrawals/${id}`)).status, `withdrawal ${id}`).toBe(
        200,
      );
    for (const id of imports)
      expect((await merchant.req('GET', `/api/merchant/imports/${id}`)).status, `import ${id}`).toBe(200);

    // Another process rotates the audit key while this server runs: the server's next audited
    // change still goes through (it loads the new key when it first meets it) and verifies below.
    const rotated = await cli(['keys', 'rotate-audit']);
    expect(rotated.code, rotated.out).toBe(0);
    const afterRotation = await merchant.req('POST', '/api/merchant/tokens', { name: 'after-rotation' });
    expect(afterRotation.status, JSON.stringify(afterRotation.body)).toBe(201);

    // SIGTERM with a request that never finishes: cut after the grace period, exit 1, no hang.
    const held = heldLogin(s.port);
    await held.taken;
    s.child.kill('SIGTERM');
    await expect(held.answered).rejects.toThrow();
    expect(await s.exited, s.output()).toEqual({ code: 1, signal: null });

    expect(await verifyDatabase()).toEqual([]);

    const confirmed =
      paidOrders.size + cashierPaid.size + revealed.size + refunds.size + withdrawals.size + imports.size;
    // The figures the README quotes.
    process.stdout.write(
      `crash suite (${engine}, ${useBuild ? 'dist' : 'tsx'}): ${KILLS} kills, ${operations} operations (${requests} requests), ${confirmed} confirmed answers ` +
        `(${paidOrders.size} orders paid, ${cashierPaid.size} paid at the cashier, ${revealed.size} keys revealed, ` +
        `${refunds.size} refunds, ${withdrawals.size} withdrawals, ${imports.size} imports)\n`,
    );
    process.stdout.write(`refused: ${JSON.stringify(Object.fromEntries(refusals))}\n`);
    expect(paidOrders.size).toBeGreaterThan(0);
    expect(revealed.size + refunds.size).toBeGreaterThan(0);
  }, 240_000);
});
