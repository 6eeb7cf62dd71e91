/** Builds a real app on a fresh test database, with a hand-moved clock and a log buffer. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import { FixedClock, TestClock } from '../../src/platform/clock.js';
import type { AppContext } from '../../src/platform/context.js';
import { createAccount, type NewAccount } from '../../src/modules/catalog/merchants.js';
import { systemActor } from '../../src/platform/actor.js';
import { createTestDb, type Primer, type TestDb } from './db.js';
import { MasterKey } from '../../src/platform/crypto.js';
import { KeyVault } from '../../src/platform/vault.js';
import {
  recordHarnessEnd,
  recordRequestSecrets,
  recordResponse,
  recordSecret,
  recordSeen,
  recordTokensIn,
  scanning,
} from './secret-record.js';

export const PASSWORD = 'correct-horse-1';
/** Monday 2026-01-05 10:00 in Shanghai. */
export const T0 = new Date('2026-01-05T02:00:00Z');

export interface Harness {
  app: FastifyInstance;
  db: TestDb;
  ctx: Pick<AppContext, 'db' | 'engine' | 'clock' | 'vault'>;
  base: FixedClock;
  testClock: TestClock;
  logs: string[];
  config: Config;
  client(): Client;
  account(
    input: Partial<NewAccount> & Pick<NewAccount, 'role'>,
  ): Promise<{ id: string; username: string; merchantId: string | null }>;
  loggedIn(
    input: Partial<NewAccount> & Pick<NewAccount, 'role'>,
  ): Promise<Client & { userId: string; merchantId: string | null }>;
  close(): Promise<void>;
}

/** A fixed master key for tests (never used outside them). */
export const TEST_MASTER_KEY = new MasterKey(Buffer.alloc(32, 7));

let seq = 0;
let addresses = 0;
/** Distinct caller addresses from the benchmarking range 198.18.0.0/15 (inject sends no traffic). */
const nextAddress = (): string => {
  const n = ++addresses;
  return `198.18.${(n >> 8) & 255}.${n & 255}`;
};

/**
 * What every app start writes before a test runs (the HMAC key, the sandbox gateways' and bank's
 * RSA key pairs — a few hundred milliseconds of key generation): done once into the template
 * database that each harness copies (test/helpers/db.ts).
 */
const appStarted: Primer = {
  name: 'app-started',
  async prime(handle) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-data-'));
    try {
      const config = loadConfig({ NODE_ENV: 'test', KAMENG_DATA_DIR: dataDir });
      const vault = new KeyVault(TEST_MASTER_KEY);
      await vault.hmacKey(handle.db, T0);
      const clock = new TestClock(handle.db, new FixedClock(T0));
      const app = await buildApp({
        config,
        handle,
        clock,
        vault,
        testClock: clock,
        logger: false,
        webDir: '/nonexistent',
      });
      await app.ready();
      await app.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const db = await createTestDb(T0, appStarted);
  const base = new FixedClock(T0);
  const testClock = new TestClock(db.db, base);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-data-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', KAMENG_DATA_DIR: dataDir, ...env });
  const logs: string[] = [];
  const vault = new KeyVault(TEST_MASTER_KEY);
  await vault.hmacKey(db.db, T0); // as boot does: created and committed before any request
  const app = await buildApp({
    config,
    handle: db,
    clock: testClock,
    vault,
    testClock: config.testClock ? testClock : null,
    logger: {
      stream: {
        write: (line: string) => {
          logs.push(line);
          recordSeen('log', 'harness log', line);
        },
      },
    },
    webDir: '/nonexistent',
  });
  if (scanning) recordInjected(app);
  await app.ready();
  const ctx = { db: db.db, engine: db.engine, clock: testClock, vault };
  const h: Harness = {
    app,
    db,
    ctx,
    base,
    testClock,
    logs,
    config,
    client: () => new Client(app),
    async account(input) {
      const username = input.username ?? `${input.role}${++seq}x${Math.random().toString(36).slice(2, 6)}`;
      recordSecret('password', input.password ?? PASSWORD);
      const { user, merchantId } = await createAccount(ctx, systemActor('test'), {
        password: PASSWORD,
        ...input,
        username,
      });
      return { id: user.id, username, merchantId };
    },
    async loggedIn(input) {
      const acc = await h.account(input);
      const c = new Client(app);
      const res = await c.login(acc.username, input.password ?? PASSWORD);
      if (res.status !== 200) throw new Error(`test login failed: ${JSON.stringify(res.body)}`);
      return Object.assign(c, { userId: acc.id, merchantId: acc.merchantId });
    },
    async close() {
      await app.close();
      await recordHarnessEnd(db.db, vault, dataDir, 'harness');
      await db.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * The secret scan's view of every request injected into the app (by Client, by a test, by the
 * sandboxes delivering their notifications): the secrets the request carried and the response.
 */
function recordInjected(app: FastifyInstance): void {
  const inject = app.inject.bind(app);
  const observed = async (opts: InjectOptions): Promise<LightMyRequestResponse> => {
    const res = await inject(opts);
    const payload = typeof opts.payload === 'string' ? safeJson(opts.payload) : opts.payload;
    recordRequestSecrets(payload);
    const headers = (opts.headers ?? {}) as Record<string, string | undefined>;
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '');
    if (bearer) recordSecret('api-token', bearer[1]);
    for (const c of res.cookies) if (c.name === 'kameng_sid') recordSecret('session', c.value);
    recordTokensIn(res.body);
    recordResponse(`${opts.method ?? 'GET'} ${urlOf(opts)} ${res.statusCode}`, res.headers, res.rawPayload);
    return res;
  };
  // The chained form (app.inject().get(…)) and the callback form are left as they are.
  (app as { inject: unknown }).inject = (opts?: InjectOptions | string, cb?: unknown) =>
    opts === undefined || cb !== undefined || typeof opts === 'string'
      ? (inject as (...a: unknown[]) => unknown)(opts, cb)
      : observed(opts);
}

const urlOf = (opts: InjectOptions): string => {
  const u = opts.url ?? opts.path;
  return typeof u === 'string' ? u : JSON.stringify(u);
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

export interface Res<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/** An HTTP client over app.inject that keeps the session cookie and sends the CSRF header. */
export class Client {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;
  lang = 'zh-CN';
  /** Each client is its own caller address, so per-IP limits in one test do not leak into another. */
  ip = nextAddress();
  constructor(private readonly app: FastifyInstance) {}

  async req<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Res<T>> {
    const h: Record<string, string> = { 'accept-language': this.lang, ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      headers: h,
      remoteAddress: this.ip,
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });
    const setCookie = res.cookies.find((c) => c.name === 'kameng_sid');
    if (setCookie) this.cookie = setCookie.value ? `kameng_sid=${setCookie.value}` : undefined;
    const text = res.body;
    let parsed: unknown = text;
    if (text && /json/.test(String(res.headers['content-type']))) parsed = JSON.parse(text);
    return { status: res.statusCode, body: parsed as T, headers: res.headers };
  }
  get<T = Record<string, unknown>>(url: string) {
    return this.req<T>('GET', url);
  }
  post<T = Record<string, unknown>>(url: string, body?: unknown) {
    return this.req<T>('POST', url, body ?? {});
  }
  patch<T = Record<string, unknown>>(url: string, body: unknown) {
    return this.req<T>('PATCH', url, body);
  }
  delete<T = Record<string, unknown>>(url: string) {
    return this.req<T>('DELETE', url);
  }
  async login(username: string, password: string): Promise<Res> {
    const res = await this.post('/api/auth/login', { username, password });
    if (res.status === 200) this.csrf = String(res.body.csrfToken);
    return res;
  }
}
