/**
 * Stage 9 (issue 14) weakness 1: limits meant per user count per user, after authentication. Users
 * behind one shared address (a NAT, an untrusted proxy) each have their own budget, and anonymous
 * requests from that address spend nobody's.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const REASON = { reason: '排查客户投诉的卡密无法激活问题' };
const breakGlass = (c: Client) => c.post(`/api/admin/keys/${randomUUID()}/reveal`, REASON);

describe('per-user limits behind one address', () => {
  it('one admin spending the break-glass limit (10 a minute) leaves another admin on the same address untouched', async () => {
    const a = await h.loggedIn({ role: 'admin' });
    const b = await h.loggedIn({ role: 'admin' });
    b.ip = a.ip; // the same office NAT
    for (let i = 0; i < 10; i++) expect((await breakGlass(a)).status).toBe(404);
    const over = await breakGlass(a);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 'request.too_many' });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await breakGlass(b)).status).toBe(404);
  });

  it('an anonymous flood from the address spends no logged-in user’s budget', async () => {
    const admin = await h.loggedIn({ role: 'admin' });
    const anon = h.client();
    anon.ip = admin.ip;
    for (let i = 0; i < 15; i++) expect((await breakGlass(anon)).status).toBe(401);
    expect((await breakGlass(admin)).status).toBe(404);
  });

  it('merchant token creation counts per merchant: one merchant’s burst does not block a neighbour', async () => {
    const a = await h.loggedIn({ role: 'merchant' });
    const b = await h.loggedIn({ role: 'merchant' });
    b.ip = a.ip;
    for (let i = 0; i < 10; i++)
      expect((await a.post('/api/merchant/tokens', { name: `sync-${i}` })).status).toBe(201);
    expect((await a.post('/api/merchant/tokens', { name: 'one-too-many' })).status).toBe(429);
    expect((await b.post('/api/merchant/tokens', { name: 'sync-0' })).status).toBe(201);
  });
});
