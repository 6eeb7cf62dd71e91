/**
 * Runtime modes (issue 10, defect 3): the demo that `npm start` serves stays on this machine; real
 * secrets or a real database outside production run without the demo's published passwords,
 * sandbox cashier and test clock; a database that once held the demo seed disables the demo logins
 * when it runs without the demo (production included).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { boot } from '../../src/boot.js';
import { loadConfig } from '../../src/platform/config.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { hashPassword } from '../../src/modules/accounts/passwords.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/modules/demo/seed.js';
import { testEngine } from '../helpers/db.js';

const MK = Buffer.alloc(32, 9).toString('base64');
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'kameng-modes-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The machine's first non-loopback IPv4 address, if it has one. */
const outsideAddress = (): string | null =>
  Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? null;

interface Started {
  child: ChildProcessWithoutNullStreams;
  port: number;
  banner: string;
}

/** Starts `src/server.ts` as `npm start` does (no NODE_ENV), with only the given variables. */
function startServer(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m && out.includes('API docs')) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), banner: out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`server exited ${code}:\n${out}\n${err}`), { code, stderr: err }));
    });
  });
}

const stop = (s: Started): Promise<void> =>
  new Promise((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });

const connectError = (host: string, port: number): Promise<string | null> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'ERROR'));
  });

const login = (port: number, username: string, password: string) =>
  fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

// The way `npm start` runs is the embedded database; these start real server processes.
describe.skipIf(testEngine() !== 'sqlite')('a server started the way npm start starts it', () => {
  it('serves the demo on 127.0.0.1 and refuses connections on any other address', async () => {
    const s = await startServer({ KAMENG_DATA_DIR: tmp() });
    try {
      expect(s.banner).toContain('mode: demo (this machine only)');
      expect(s.banner).toContain('Listening on http://127.0.0.1:');
      expect((await fetch(`http://127.0.0.1:${s.port}/api/health`)).status).toBe(200);
      expect((await login(s.port, 'admin', DEMO_PASSWORD)).status).toBe(200);
      const outside = outsideAddress();
      if (outside) expect(await connectError(outside, s.port)).toBe('ECONNREFUSED');
    } finally {
      await stop(s);
    }
  });

  it('will not put the demo on another interface unless KAMENG_DEMO=public says so', async () => {
    const refused = await startServer({ KAMENG_DATA_DIR: tmp(), HOST: '0.0.0.0' }).then(
      () => null,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(refused?.code).toBe(78);
    expect(refused?.stderr).toContain('KAMENG_DEMO=public');
  });

  it('with a real master key and no production mode: no demo accounts, no sandbox cashier, no test clock', async () => {
    const s = await startServer({ KAMENG_DATA_DIR: tmp(), KAMENG_MASTER_KEY: MK });
    try {
      expect(s.banner).toContain('demo off (KAMENG_MASTER_KEY set without NODE_ENV=production');
      expect(s.banner).not.toContain(DEMO_PASSWORD);
      const res = await login(s.port, 'admin', DEMO_PASSWORD);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('auth.invalid_credentials');
      // the public sandbox cashier is not mounted
      const cashier = await fetch(`http://127.0.0.1:${s.port}/api/sandbox/payments/anything`);
      expect(cashier.status).toBe(404);
    } finally {
      await stop(s);
    }
  });
});

/** Environment for a fresh database of this run's engine (a private schema on PostgreSQL). */
async function freshDatabase(): Promise<Record<string, string>> {
  const env: Record<string, string> = { KAMENG_DATA_DIR: tmp(), LOG_LEVEL: 'silent' };
  if (testEngine() === 'postgres') {
    const url = process.env.TEST_DATABASE_URL!;
    const schema = `modes_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    env.DATABASE_URL = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  return env;
}

describe('a database that once held the demo seed, started without the demo', () => {
  it('disables every demo login still using the published password, ends its sessions, and says so', async () => {
    const env = await freshDatabase();
    // once upon a time: the demo, seeded on purpose, with this master key
    const demo = await boot(loadConfig({ ...env, KAMENG_MASTER_KEY: MK, KAMENG_DEMO: 'on' }));
    await seedDemo(demo);
    // the merchant took its account over: a password of its own
    await demo.db
      .updateTable('users')
      .set({ password_hash: await hashPassword('xingchen-own-password') })
      .where('username', '=', 'xingchen')
      .execute();
    const demoConfig = loadConfig({ ...env, KAMENG_MASTER_KEY: MK, KAMENG_DEMO: 'on', NODE_ENV: 'test' });
    const before = await buildApp({ ...demo, config: demoConfig, logger: false, webDir: '/nonexistent' });
    const session = await before.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: DEMO_PASSWORD },
    });
    expect(session.statusCode).toBe(200);
    const cookie = session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    // …and the demo admin issued a token to an issuer
    const issued = await before.inject({
      method: 'POST',
      url: '/api/admin/tokens',
      headers: { cookie, 'x-csrf-token': session.json<{ csrfToken: string }>().csrfToken },
      payload: { name: 'demo issuer', scope: 'issuer' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const issuerToken = issued.json<{ token: string }>().token;
    await before.close();
    await demo.handle.close();

    // now in production on the same database
    const warnings: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => (warnings.push(String(chunk)), true);
    const config = loadConfig({ ...env, NODE_ENV: 'production', KAMENG_MASTER_KEY: MK });
    const prod = await boot(config).finally(() => (process.stderr.write = write));
    try {
      expect(prod.retiredDemoLogins).toContain('admin');
      expect(prod.retiredDemoLogins).not.toContain('xingchen');
      expect(warnings.join('')).toMatch(/once held the demo seed.*DISABLED: .*admin/s);
      const app = await buildApp({ ...prod, config, logger: false, webDir: '/nonexistent' });
      try {
        const again = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password: DEMO_PASSWORD },
        });
        expect(again.statusCode).toBe(403);
        expect(again.json<{ code: string }>().code).toBe('auth.account_disabled');
        // the session opened with the published password is gone
        expect(
          (await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode,
        ).toBe(401);
        // the token it issued is revoked with it
        const check = await app.inject({
          method: 'POST',
          url: '/api/registry/check',
          headers: { authorization: `Bearer ${issuerToken}` },
          payload: { cardNo: 'x', password: 'y' },
        });
        expect(check.statusCode).toBe(401);
        // an account whose owner changed its password keeps working
        const own = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'xingchen', password: 'xingchen-own-password' },
        });
        expect(own.statusCode).toBe(200);
      } finally {
        await app.close();
      }
      const events = await prod.db
        .selectFrom('audit_events')
        .select(['action', 'data'])
        .where('action', '=', 'user.disabled')
        .execute();
      expect(events.length).toBe(prod.retiredDemoLogins.length);
      const revoked = await prod.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'api_token.revoked')
        .execute();
      expect(revoked).toHaveLength(1);
      expect((await verifyAuditChain(prod.db)).ok).toBe(true);
      // a second start finds nothing more to retire
      await prod.handle.close();
      const third = await boot(config);
      expect(third.retiredDemoLogins).toEqual([]);
      await third.handle.close();
    } catch (e) {
      await prod.handle.close().catch(() => undefined);
      throw e;
    }
  });
});
