/**
 * Registration and account recovery (ADR 0009): the password policy, e-mail addresses unique
 * case-insensitively, registration answers that say nothing about existing accounts, and the
 * password reset through the mail outbox (single use, 30 minutes, sessions ended, throttled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { MAILS_PER_HOUR, RESET_MINUTES } from '../../src/modules/accounts/recovery.js';
import { harness, PASSWORD, type Harness } from '../helpers/app.js';
import { linkToken, mailTo, registerViaMail } from '../helpers/accounts.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

let n = 0;
const fresh = (prefix: string) => `${prefix}${++n}x${Math.random().toString(36).slice(2, 6)}`;

describe('the password policy at registration', () => {
  it.each([
    ['password', 'auth.password_common'],
    ['12345678', 'auth.password_common'],
    ['woaini1314', 'auth.password_common'],
    ['5201314a', 'auth.password_common'],
    ['Password123!', 'auth.password_common'],
    ['98765432', 'auth.password_common'],
    ['zzzzzzzzzz', 'auth.password_pattern'],
    ['34567890', 'auth.password_pattern'],
    ['short7!', 'request.invalid'],
  ])('refuses %s with %s at the password field, queueing no mail', async (password, code) => {
    const email = `${fresh('pol')}@example.com`;
    const res = await h.client().post('/api/auth/register', { username: fresh('pol'), email, password });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code, field: 'password' });
    expect(await mailTo(h, email)).toHaveLength(0);
  });

  it('refuses a password containing the username, in Chinese and in English', async () => {
    const c = h.client();
    const res = await c.post<{ messages: { 'zh-CN': string; en: string } }>('/api/auth/register', {
      username: 'wangfang',
      email: 'wf@example.com',
      password: 'wangfang2026',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'auth.password_contains_username', field: 'password' });
    expect(res.body.messages['zh-CN']).toContain('用户名');
    expect(res.body.messages.en).toContain('username');
  });

  it('accepts a two-character Chinese username like 张三 and a mainland mobile number (stored, not verified)', async () => {
    const c = h.client();
    const res = await registerViaMail(h, c, {
      username: '张三',
      email: 'zhangsan@example.com',
      phone: '13812345678',
      password: 'qiu-tian-de-feng',
    });
    expect(res.body).toMatchObject({ user: { username: '张三' } });
    expect(res.status).toBe(201);
    const row = await h.db.db
      .selectFrom('users')
      .select(['phone', 'email'])
      .where('id', '=', res.body.user.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ phone: '13812345678', email: 'zhangsan@example.com' });
  });

  it('requires a valid e-mail address and refuses a phone that is not a mainland mobile number', async () => {
    const c = h.client();
    const noMail = await c.post('/api/auth/register', { username: fresh('u'), password: 'qiu-tian-de-feng' });
    expect(noMail.body).toMatchObject({ field: 'email' });
    const badMail = await c.post('/api/auth/register', {
      username: fresh('u'),
      email: 'not-an-address',
      password: 'qiu-tian-de-feng',
    });
    expect(badMail.body).toMatchObject({ field: 'email' });
    const badPhone = await c.post('/api/auth/register', {
      username: fresh('u'),
      email: `${fresh('p')}@example.com`,
      phone: '12812345678',
      password: 'qiu-tian-de-feng',
    });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body).toMatchObject({ field: 'phone' });
  });
});

describe('no account disclosure at registration', () => {
  it('answers a fresh, a taken username and a taken address the same way; only the mail differs', async () => {
    const owner = await h.account({ role: 'buyer', username: 'taken_name', email: 'Taken@Example.com' });
    const ask = (username: string, email: string) =>
      h.client().post<Record<string, unknown>>('/api/auth/register', {
        username,
        email,
        password: 'qiu-tian-de-feng',
      });
    const answers = [
      await ask('brand_new_1', 'brand-new-1@example.com'),
      await ask('TAKEN_NAME', 'brand-new-2@example.com'),
      await ask('brand_new_3', 'taken@example.COM'),
    ];
    const shape = (r: (typeof answers)[number], email: string) => ({
      status: r.status,
      body: JSON.stringify(r.body).replace(encodeURIComponent(email), 'EMAIL'),
      cookie: r.headers['set-cookie'] ?? null,
      type: r.headers['content-type'],
    });
    const [a, b, c] = [
      shape(answers[0], 'brand-new-1@example.com'),
      shape(answers[1], 'brand-new-2@example.com'),
      shape(answers[2], 'taken@example.COM'),
    ];
    expect(a.status).toBe(202);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(answers[0].body.status).toBe('email_sent');

    // The fresh address gets a link; the taken username's address gets one too, with a warning; the
    // owner of the taken address hears "sign in or reset" and no link.
    const [m1] = await mailTo(h, 'brand-new-1@example.com');
    expect(linkToken(m1, '/register/confirm')).not.toBeNull();
    const [m2] = await mailTo(h, 'brand-new-2@example.com');
    expect(m2.body).toContain('已被占用');
    const m3 = await mailTo(h, 'taken@example.com');
    expect(m3).toHaveLength(1);
    expect(linkToken(m3[0], '/register/confirm')).toBeNull();
    expect(m3[0].body).toContain('/forgot-password');
    expect(m3[0].body).toContain(owner.username);

    // The taken username's link asks for another name, then works.
    const c2 = h.client();
    const token = linkToken(m2, '/register/confirm')!;
    const refused = await c2.post('/api/auth/register/confirm', { token });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'auth.username_taken', field: 'username' });
    const ok = await c2.post<{ user: { username: string } }>('/api/auth/register/confirm', {
      token,
      username: 'taken_name_2',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.user.username).toBe('taken_name_2');
    expect((await h.client().post('/api/auth/register/confirm', { token })).body).toMatchObject({
      code: 'auth.link_invalid',
    });
  });

  it('an e-mail address belongs to one account, whatever its case, even through the factories', async () => {
    await h.account({ role: 'buyer', email: 'Unique.One@example.com' });
    await expect(h.account({ role: 'buyer', email: 'unique.one@EXAMPLE.com' })).rejects.toMatchObject({
      code: 'auth.email_taken',
    });
    // Older accounts without an address stay valid.
    await h.account({ role: 'buyer' });
    await h.account({ role: 'buyer' });
  });

  it('registration links expire after 24 hours', async () => {
    const email = `${fresh('late')}@example.com`;
    await h
      .client()
      .post('/api/auth/register', { username: fresh('late'), email, password: 'qiu-tian-de-feng' });
    const token = linkToken((await mailTo(h, email)).at(-1), '/register/confirm')!;
    h.base.advance(24 * 3600_000 + 1000);
    const res = await h.client().post('/api/auth/register/confirm', { token });
    expect(res.body).toMatchObject({ code: 'auth.link_invalid' });
  });
});

describe('logging in', () => {
  it('works with the e-mail address (any case) as well as the username', async () => {
    const acc = await h.account({ role: 'buyer', email: 'Login.By.Mail@example.com' });
    const res = await h.client().login('login.by.MAIL@example.com', PASSWORD);
    expect(res.status).toBe(200);
    expect((res.body as { user: { username: string } }).user.username).toBe(acc.username);
  });
});

describe('password reset through the outbox', () => {
  it('mails a single-use link; the new password follows the policy; every session ends; it is audited', async () => {
    const acc = await h.account({ role: 'buyer', email: 'reset.me@example.com' });
    const s1 = h.client();
    const s2 = h.client();
    expect((await s1.login(acc.username, PASSWORD)).status).toBe(200);
    expect((await s2.login('reset.me@example.com', PASSWORD)).status).toBe(200);

    const ask = await h.client().post('/api/auth/password-reset', { login: acc.username });
    expect(ask.status).toBe(202);
    const mail = (await mailTo(h, 'reset.me@example.com')).at(-1);
    expect(mail!.subject).toContain('重置密码');
    const token = linkToken(mail, '/reset-password')!;
    expect(token).toBeTruthy();
    const stored = await h.db.db.selectFrom('password_resets').select('token_hash').execute();
    expect(stored.map((r) => r.token_hash)).not.toContain(token); // stored hashed

    const weak = await h.client().post('/api/auth/password-reset/confirm', { token, password: 'a123456789' });
    expect(weak.body).toMatchObject({ code: 'auth.password_common', field: 'password' });
    const done = await h
      .client()
      .post('/api/auth/password-reset/confirm', { token, password: 'new-autumn-wind' });
    expect(done.status).toBe(204);

    expect((await s1.get('/api/auth/me')).status).toBe(401);
    expect((await s2.get('/api/auth/me')).status).toBe(401);
    expect((await h.client().login(acc.username, PASSWORD)).status).toBe(401);
    expect((await h.client().login(acc.username, 'new-autumn-wind')).status).toBe(200);
    const again = await h
      .client()
      .post('/api/auth/password-reset/confirm', { token, password: 'other-autumn-wind' });
    expect(again.body).toMatchObject({ code: 'auth.link_invalid' });

    const events = await h.db.db
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('object_id', '=', acc.id)
      .where('action', 'like', 'user.password%')
      .execute();
    expect(events.map((e) => e.action)).toEqual(['user.password_reset_requested', 'user.password_reset']);
    expect(JSON.parse(events[1].data ?? '{}')).toMatchObject({ sessionsEnded: 2 });
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
    // and the owner hears that the password changed
    expect((await mailTo(h, 'reset.me@example.com')).at(-1)!.subject).toContain('密码已修改');
  });

  it(`a link expires after ${RESET_MINUTES} minutes (test clock)`, async () => {
    await h.account({ role: 'buyer', email: 'slow.reader@example.com' });
    await h.client().post('/api/auth/password-reset', { login: 'slow.reader@example.com' });
    const token = linkToken((await mailTo(h, 'slow.reader@example.com')).at(-1), '/reset-password')!;
    h.base.advance(RESET_MINUTES * 60_000 + 1000);
    const res = await h
      .client()
      .post('/api/auth/password-reset/confirm', { token, password: 'new-autumn-wind' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'auth.link_invalid' });
  });

  it('answers an unknown login exactly like a known one, and sends nothing', async () => {
    await h.account({ role: 'buyer', email: 'known.one@example.com' });
    const known = await h.client().post('/api/auth/password-reset', { login: 'known.one@example.com' });
    const unknown = await h.client().post('/api/auth/password-reset', { login: 'nobody.here@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(JSON.stringify(unknown.body).replace('nobody.here', 'X')).toBe(
      JSON.stringify(known.body).replace('known.one', 'X'),
    );
    expect(await mailTo(h, 'nobody.here@example.com')).toHaveLength(0);
  });

  it(`sends at most ${MAILS_PER_HOUR} reset mails an hour per account, then again after the hour`, async () => {
    const acc = await h.account({ role: 'buyer', email: 'flooded@example.com' });
    for (let i = 0; i < MAILS_PER_HOUR + 2; i++) {
      const login = i % 2 ? acc.username : 'flooded@example.com';
      expect((await h.client().post('/api/auth/password-reset', { login })).status).toBe(202);
    }
    expect(await mailTo(h, 'flooded@example.com')).toHaveLength(MAILS_PER_HOUR);
    h.base.advance(3600_000 + 1000);
    await h.client().post('/api/auth/password-reset', { login: acc.username });
    expect(await mailTo(h, 'flooded@example.com')).toHaveLength(MAILS_PER_HOUR + 1);
  });

  it('a logged-in user changes the password under the same policy; other sessions end, this one stays', async () => {
    const c = await h.loggedIn({ role: 'buyer', email: 'changer@example.com' });
    const other = h.client();
    const { username } = (await c.get<{ user: { username: string } }>('/api/auth/me')).body.user;
    expect((await other.login(username, PASSWORD)).status).toBe(200);
    const wrong = await c.post('/api/auth/password', {
      currentPassword: 'nope-nope-nope',
      newPassword: 'winter-river-9',
    });
    expect(wrong.body).toMatchObject({ code: 'auth.invalid_credentials', field: 'currentPassword' });
    const weak = await c.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'qwertyuiop' });
    expect(weak.body).toMatchObject({ field: 'newPassword' });
    expect(
      (await c.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'winter-river-9' }))
        .status,
    ).toBe(204);
    expect((await c.get('/api/auth/me')).status).toBe(200);
    expect((await other.get('/api/auth/me')).status).toBe(401);
  });
});
