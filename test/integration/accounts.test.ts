import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { ACCOUNT_ATTEMPTS, FREE_ATTEMPTS } from '../../src/modules/accounts/throttle.js';
import { harness, PASSWORD, type Harness } from '../helpers/app.js';
import { registerViaMail } from '../helpers/accounts.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('register, log in, log out', () => {
  it('registers a buyer at REGULAR level through the mailed link, sets an httpOnly SameSite cookie and returns a CSRF token', async () => {
    const c = h.client();
    const res = await registerViaMail(h, c, {
      username: 'alice_01',
      password: 'a-long-password',
      displayName: '小爱',
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ role: 'buyer', memberLevel: 'REGULAR' });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await c.get<{ user: { username: string } }>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('alice_01');
    const row = await h.db.db
      .selectFrom('users')
      .select(['password_hash', 'email', 'email_key'])
      .where('username', '=', 'alice_01')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row).toMatchObject({ email: 'alice_01@example.com', email_key: 'alice_01@example.com' });
  });

  it('a taken username (any case) is told only to the mailbox that opens the link, naming the field', async () => {
    const c = h.client();
    const res = await registerViaMail(h, c, {
      username: 'ALICE_01',
      email: 'other-alice@example.com',
      password: 'a-long-password',
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'auth.username_taken', field: 'username' });
  });

  it('a wrong password is 401 and sets no session', async () => {
    const acc = await h.account({ role: 'buyer' });
    const c = h.client();
    const res = await c.login(acc.username, 'not-the-password');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'auth.invalid_credentials' });
    expect(c.cookie).toBeUndefined();
  });

  it('logout ends the session server-side: the old cookie no longer works', async () => {
    const c = await h.loggedIn({ role: 'buyer' });
    const stolen = c.cookie;
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    const replay = h.client();
    replay.cookie = stolen;
    expect((await replay.get('/api/auth/me')).status).toBe(401);
  });

  it('sessions expire with the clock', async () => {
    const c = await h.loggedIn({ role: 'buyer' });
    h.base.advance(h.config.sessionHours * 3600_000 + 1000);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });
});

describe('CSRF on cookie-authenticated writes', () => {
  it('a write with the session cookie but without the CSRF header is refused', async () => {
    const c = await h.loggedIn({ role: 'merchant' });
    const csrf = c.csrf;
    c.csrf = undefined;
    const res = await c.patch('/api/merchant/profile', { version: 1, name: '新店名' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'auth.csrf_invalid' });
    c.csrf = 'x'.repeat(csrf!.length);
    expect((await c.patch('/api/merchant/profile', { version: 1, name: '新店名' })).status).toBe(403);
    c.csrf = csrf;
    expect((await c.patch('/api/merchant/profile', { version: 1, name: '新店名' })).status).toBe(200);
    // a stale version is a conflict, not a silent overwrite
    const stale = await c.patch('/api/merchant/profile', { version: 1, name: '旧页面的改名' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'request.conflict' });
  });

  it('API-token calls need no CSRF header; revoked tokens are refused', async () => {
    const m = await h.loggedIn({ role: 'merchant' });
    const created = await m.post<{ token: string; id: string }>('/api/merchant/tokens', { name: 'sync' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^kmt_/);
    const stored = await h.db.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(created.body.token);
    const api = h.client();
    api.bearer = created.body.token;
    expect((await api.patch('/api/merchant/profile', { version: 1, description: 'via token' })).status).toBe(
      200,
    );
    expect((await m.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    const after = await api.get('/api/merchant/profile');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'auth.token_invalid' });
  });
});

describe('login back-off', () => {
  it(`slows an address after ${FREE_ATTEMPTS} failures for a login, doubling, even for the right password, and frees it with time`, async () => {
    const acc = await h.account({ role: 'buyer' });
    const c = h.client();
    for (let i = 0; i < FREE_ATTEMPTS; i++)
      expect((await c.login(acc.username, 'wrong-password')).status).toBe(401);
    const locked = await c.login(acc.username, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ code: 'auth.login_locked' });
    expect(locked.headers['retry-after']).toBe('2');
    h.base.advance(2000);
    expect((await c.login(acc.username, 'wrong-again')).status).toBe(401);
    h.base.advance(2000);
    const longer = await c.login(acc.username, PASSWORD);
    expect(longer.status).toBe(429);
    expect(longer.headers['retry-after']).toBe('2'); // 4 s lock, 2 s already passed
    h.base.advance(2000);
    expect((await c.login(acc.username, PASSWORD)).status).toBe(200);
    // success clears the counter
    expect((await c.login(acc.username, 'wrong')).status).toBe(401);
    expect((await c.login(acc.username, PASSWORD)).status).toBe(200);
  });

  it('unknown usernames are throttled the same way (no enumeration)', async () => {
    const c = h.client();
    for (let i = 0; i < FREE_ATTEMPTS; i++)
      expect((await c.login('ghost-user', 'whatever-pw')).status).toBe(401);
    expect((await c.login('ghost-user', 'whatever-pw')).status).toBe(429);
  });

  it('per-IP rate limit on login answers 429 problem+json, and a forged X-Forwarded-For does not dodge it', async () => {
    const c = h.client();
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      // no proxy is trusted by default: each request claims a new address, but the socket's counts
      const res = await c.req(
        'POST',
        '/api/auth/login',
        { username: `nobody${i}`, password: 'x' },
        { 'x-forwarded-for': `203.0.113.${i}` },
      );
      statuses.push(res.status);
      if (res.status === 429) expect(res.body).toMatchObject({ code: 'request.too_many' });
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429, 429, 429, 429]);
    // another caller is unaffected
    expect((await h.client().login('nobody', 'x')).status).toBe(401);
  });

  it('behind a trusted proxy (KAMENG_TRUST_PROXY=1) the forwarded address is the client', async () => {
    const proxied = await harness({ KAMENG_TRUST_PROXY: '1' });
    try {
      const c = proxied.client();
      let n = 0;
      // a different username each time keeps the per-account back-off out of the picture
      const forwarded = async (ip: string) =>
        (
          await c.req(
            'POST',
            '/api/auth/login',
            { username: `proxied${++n}`, password: 'x' },
            { 'x-forwarded-for': ip },
          )
        ).status;
      for (let i = 0; i < 30; i++) expect(await forwarded(`203.0.113.${i}`)).not.toBe(429);
      // the 31st from one forwarded address is over its own limit
      for (let i = 0; i < 30; i++) await forwarded('203.0.113.200');
      expect(await forwarded('203.0.113.200')).toBe(429);
    } finally {
      await proxied.close();
    }
  });

  it('parallel guesses cannot outrun the back-off: at most FREE_ATTEMPTS passwords are checked per address', async () => {
    const acc = await h.account({ role: 'buyer' });
    const ip = h.client().ip;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        Object.assign(h.client(), { ip }).login(acc.username, 'parallel-guess'),
      ),
    );
    const checked = results.filter((r) => r.status === 401).length;
    const locked = results.filter((r) => r.status === 429).length;
    expect(checked).toBe(FREE_ATTEMPTS);
    expect(locked).toBe(20 - FREE_ATTEMPTS);
  });

  it('parallel guesses from many addresses: at most ACCOUNT_ATTEMPTS passwords are checked before the cool-down', async () => {
    const acc = await h.account({ role: 'buyer' });
    const results = await Promise.all(
      Array.from({ length: ACCOUNT_ATTEMPTS + 5 }, () => h.client().login(acc.username, 'parallel-guess')),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(ACCOUNT_ATTEMPTS);
    const cooling = results.filter((r) => r.status === 429);
    expect(cooling).toHaveLength(5);
    for (const r of cooling) expect(r.body).toMatchObject({ code: 'auth.login_cooldown' });
  });
});

describe('audit', () => {
  it('account changes are in the hash chain and it verifies', async () => {
    const report = await verifyAuditChain(h.db.db);
    expect(report.ok).toBe(true);
    expect(report.count).toBeGreaterThan(5);
    const actions = await h.db.db.selectFrom('audit_events').select('action').distinct().execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'user.created',
        'session.created',
        'session.ended',
        'api_token.created',
        'api_token.revoked',
      ]),
    );
  });
});
