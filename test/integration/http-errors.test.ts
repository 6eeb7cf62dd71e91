/** Every error is problem+json with a stable code, zh-CN and English messages and the field at fault. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers/app.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  messages: { 'zh-CN': string; en: string };
  field?: string;
  errors?: { field: string; code: string; messages: { 'zh-CN': string; en: string } }[];
}

describe('problem+json', () => {
  it('validation errors name every bad field, in Chinese by default and in English on request', async () => {
    const c = h.client();
    const res = await c.post<Problem>('/api/auth/register', {
      username: 'a',
      email: 'buyer@example.com',
      password: 'short',
      extra: true,
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('request.invalid');
    expect(res.body.field).toBe('username');
    expect(res.body.detail).toBe('username：长度不能少于 2');
    expect(res.body.errors!.map((e) => [e.field, e.code])).toEqual([
      ['username', 'validation.too_short'],
      ['password', 'validation.too_short'],
      ['extra', 'validation.unknown_field'],
    ]);
    expect(res.body.errors![2].messages).toEqual({
      'zh-CN': '不允许的字段 extra',
      en: 'Unknown field extra',
    });
    c.lang = 'en-US,en;q=0.9';
    const en = await c.post<Problem>('/api/auth/register', {
      username: 'a',
      email: 'buyer@example.com',
      password: 'long-enough-pw',
    });
    expect(en.body.detail).toBe('username: Must be at least 2 long');
  });

  it('a missing field is "required", an unknown enum value lists the allowed ones', async () => {
    const m = await h.loggedIn({ role: 'merchant' });
    const res = await m.post<Problem>('/api/merchant/products', { type: 'GIFT', name: 'x' });
    const byField = Object.fromEntries(res.body.errors!.map((e) => [e.field, e]));
    expect(byField.type.code).toBe('validation.invalid_value');
    expect(byField.type.messages.en).toContain('CARD_KEY, LICENSE_KEY, ACCOUNT, ENTITLEMENT');
    expect(byField.faceValueFen.code).toBe('validation.required');
    expect(byField['policy'].code).toBe('validation.required');
  });

  it('a malformed page cursor is a 400 naming the cursor, not a silently different page', async () => {
    const buyer = await h.loggedIn({ role: 'buyer' });
    const merchant = await h.loggedIn({ role: 'merchant' });
    for (const [who, url] of [
      [buyer, '/api/orders?cursor=not-a-cursor'],
      [buyer, "/api/me/notifications?cursor=zzz'--"],
      [merchant, '/api/merchant/orders?cursor=12345'],
      [merchant, '/api/merchant/withdrawals?cursor=abc'],
    ] as const) {
      const r = await who.get<{ code: string; errors?: { field: string }[] }>(url);
      expect(r.status, url).toBe(400);
      expect(r.body.code, url).toBe('request.invalid');
      expect(JSON.stringify(r.body), url).toContain('cursor');
    }
    // a real cursor (an id) still pages
    const ok = await buyer.get(`/api/orders?cursor=${'0190a1b2-c3d4-7e5f-8a6b-1c2d3e4f5a6b'}`);
    expect(ok.status).toBe(200);
  });

  it('a path id past the router’s length limit, or a malformed URL component, is problem+json too', async () => {
    const buyer = await h.loggedIn({ role: 'buyer' });
    for (const url of [`/api/orders/${'a'.repeat(300)}`, '/api/orders/%E0%A4%A']) {
      const r = await buyer.get<{ code: string; type: string; messages: { en: string } }>(url);
      expect(r.status, url).toBe(400);
      expect(r.body.code, url).toBe('request.invalid');
      expect(r.body.type, url).toBe('https://kameng.dev/problems/request.invalid');
      expect(r.body.messages.en, url).toBeTruthy();
    }
  });

  it('malformed JSON and unknown API paths are problems too', async () => {
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'request.invalid' });
    const missing = await h.client().get<Problem>('/api/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      code: 'request.not_found',
      messages: { 'zh-CN': '请求的资源不存在' },
    });
  });

  it('a 5xx hides its details from the caller and logs them', async () => {
    // Routes can only be added before ready(), so this builds its own app on the same database.
    const { buildApp } = await import('../../src/app.js');
    const logs: string[] = [];
    const app = await buildApp({
      config: h.config,
      handle: h.db,
      clock: h.ctx.clock,
      vault: h.ctx.vault,
      testClock: null,
      logger: { stream: { write: (l: string) => void logs.push(l) } },
      webDir: '/nonexistent',
    });
    app.get('/api/test-boom', { config: { auth: 'public' } }, () => {
      throw new Error('internal detail xyz');
    });
    // and a route that does not say who may call it is refused when it is registered
    expect(() => app.get('/api/undeclared', () => 'x')).toThrow(/declare who may call it/);
    const res = await app.inject({ method: 'GET', url: '/api/test-boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('internal detail xyz');
    expect(JSON.parse(res.body) as unknown).toMatchObject({
      code: 'internal.error',
      messages: { 'zh-CN': '服务器内部错误，请稍后重试' },
    });
    expect(logs.join('')).toContain('internal detail xyz');
    await app.close();
  });

  it('health reports status, version and engine', async () => {
    const res = await h.client().get('/api/health');
    expect(res.body).toMatchObject({ status: 'ok', database: h.db.engine });
    expect(String(res.body.version)).toMatch(/^\d+\.\d+\.\d+/);
  });
});
