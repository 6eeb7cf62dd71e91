/**
 * Stage 9 weakness 4: a NUL character or a date outside the years 1970–9998 is refused at the edge
 * on every route — 400 request.invalid naming the field — where PostgreSQL answered 500 (it cannot
 * store NUL in text, nor a year 0 timestamp) and SQLite 4xx. Table-driven over path parameters,
 * query strings, JSON bodies (login included) and headers used as data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { upload } from '../helpers/evidence.js';

let h: Harness;
let as: Record<'anon' | 'buyer' | 'merchant' | 'admin', Client>;
beforeAll(async () => {
  h = await harness();
  as = {
    anon: h.client(),
    buyer: await h.loggedIn({ role: 'buyer' }),
    merchant: await h.loggedIn({ role: 'merchant' }),
    admin: await h.loggedIn({ role: 'admin' }),
  };
});
afterAll(() => h.close());

interface Case {
  who: keyof typeof as;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  field: string;
  code?: string;
}

const NUL = '\u0000';
const YEAR0 = '0000-01-01T00:00:00Z';
const idem = { 'idempotency-key': 'edge-input-0001' };
const cases: Case[] = [
  // path parameters
  { who: 'anon', method: 'GET', url: '/api/products/a%00b', field: 'id' },
  { who: 'anon', method: 'GET', url: '/api/merchants/a%00b', field: 'id' },
  { who: 'anon', method: 'GET', url: '/api/lookup/a%00b', field: 'token' },
  { who: 'buyer', method: 'GET', url: '/api/orders/a%00b', field: 'id' },
  { who: 'buyer', method: 'GET', url: '/api/refunds/a%00b', field: 'id' },
  { who: 'buyer', method: 'GET', url: '/api/disputes/a%00b', field: 'id' },
  { who: 'buyer', method: 'GET', url: '/api/units/a%00b/timeline', field: 'id' },
  { who: 'buyer', method: 'POST', url: '/api/units/a%00b/reveal', body: {}, field: 'id' },
  { who: 'buyer', method: 'GET', url: '/api/orders/a%00b/messages', field: 'id' },
  { who: 'merchant', method: 'GET', url: '/api/merchant/withdrawals/a%00b', field: 'id' },
  { who: 'admin', method: 'GET', url: '/api/users/a%00b', field: 'id' },
  // query strings
  { who: 'anon', method: 'GET', url: '/api/products?q=a%00b', field: 'q' },
  { who: 'anon', method: 'GET', url: '/api/products?merchantId=a%00b', field: 'merchantId' },
  { who: 'anon', method: 'GET', url: '/api/sandbox/mail?to=a%00b', field: 'to' },
  { who: 'buyer', method: 'GET', url: '/api/orders?q=a%00b', field: 'q' },
  { who: 'buyer', method: 'GET', url: '/api/disputes?requestId=a%00b', field: 'requestId' },
  { who: 'merchant', method: 'GET', url: '/api/merchant/imports?productId=a%00b', field: 'productId' },
  { who: 'admin', method: 'GET', url: '/api/admin/audit?objectId=a%00b', field: 'objectId' },
  { who: 'admin', method: 'GET', url: '/api/admin/users?q=a%00b', field: 'q' },
  // JSON string fields, login included
  {
    who: 'anon',
    method: 'POST',
    url: '/api/auth/login',
    body: { username: `adm${NUL}in`, password: 'x' },
    field: 'username',
  },
  {
    who: 'anon',
    method: 'POST',
    url: '/api/auth/login',
    body: { username: 'admin', password: `pw${NUL}` },
    field: 'password',
  },
  {
    who: 'anon',
    method: 'POST',
    url: '/api/auth/password-reset',
    body: { login: `a${NUL}b` },
    field: 'login',
  },
  {
    who: 'anon',
    method: 'POST',
    url: '/api/lookup',
    body: { orderNo: `A${NUL}1`, code: 'x' },
    field: 'orderNo',
  },
  {
    who: 'buyer',
    method: 'POST',
    url: '/api/orders',
    body: { productId: `p${NUL}`, quantity: 1 },
    headers: idem,
    field: 'productId',
  },
  {
    who: 'buyer',
    method: 'POST',
    url: '/api/registry/check',
    body: { cardNo: `c${NUL}`, password: 'p' },
    field: 'cardNo',
  },
  {
    who: 'merchant',
    method: 'PATCH',
    url: '/api/merchant/profile',
    body: { version: 1, name: `n${NUL}` },
    field: 'name',
  },
  {
    who: 'merchant',
    method: 'POST',
    url: '/api/merchant/products',
    body: { type: 'CARD_KEY', name: 'x', tags: [`t${NUL}`] },
    field: 'tags.0',
  },
  {
    who: 'merchant',
    method: 'POST',
    url: '/api/merchant/products',
    body: { [`k${NUL}`]: 1 },
    field: 'k\\u0000',
  },
  // headers used as data
  {
    who: 'buyer',
    method: 'POST',
    url: '/api/orders',
    body: { productId: 'p', quantity: 1 },
    headers: { 'idempotency-key': `edge${NUL}input-1` },
    field: 'headers.idempotency-key',
  },
  {
    who: 'buyer',
    method: 'POST',
    url: '/api/units/u1/reveal',
    body: {},
    headers: { 'user-agent': `UA${NUL}` },
    field: 'headers.user-agent',
  },
  {
    who: 'anon',
    method: 'GET',
    url: '/api/auth/me',
    headers: { cookie: `kameng_sid=a${NUL}b` },
    field: 'headers.cookie',
  },
  // dates outside the years 1970–9998
  {
    who: 'buyer',
    method: 'GET',
    url: `/api/orders?from=${YEAR0}`,
    field: 'from',
    code: 'validation.date_range',
  },
  {
    who: 'merchant',
    method: 'GET',
    url: `/api/merchant/orders?to=${YEAR0}`,
    field: 'to',
    code: 'validation.date_range',
  },
  {
    who: 'admin',
    method: 'GET',
    url: `/api/admin/audit?from=${YEAR0}`,
    field: 'from',
    code: 'validation.date_range',
  },
  {
    who: 'admin',
    method: 'GET',
    url: '/api/admin/audit?to=9999-12-31T23:59:59Z',
    field: 'to',
    code: 'validation.date_range',
  },
  {
    who: 'admin',
    method: 'GET',
    url: `/api/calendar/deadline?from=${YEAR0}&days=1`,
    field: 'from',
    code: 'validation.date_range',
  },
  {
    who: 'merchant',
    method: 'POST',
    url: '/api/registry/report',
    body: { cardNo: 'c', password: 'p', activatedAt: YEAR0 },
    field: 'activatedAt',
    code: 'validation.date_range',
  },
];

interface Problem {
  code: string;
  field?: string;
  messages: { 'zh-CN': string; en: string };
  errors?: { field: string; code: string }[];
}

describe('NUL characters and out-of-range dates are refused at the edge', () => {
  it.each(cases.map((c) => [`${c.who} ${c.method} ${c.url} ${c.field}`, c] as const))(
    '%s',
    async (_name, c) => {
      const res = await as[c.who].req<Problem>(c.method, c.url, c.body, c.headers);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('request.invalid');
      expect(res.body.field).toBe(c.field);
      expect(res.body.errors?.[0]).toMatchObject({
        field: c.field,
        code: c.code ?? 'validation.nul_character',
      });
      expect(res.body.messages['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(res.body.messages.en).toMatch(c.code ? /1970–9998/ : /NUL/);
    },
  );

  it('a multipart file name holding a NUL is refused too (evidence upload)', async () => {
    const res = await upload(as.buyer, [{ name: `shot${NUL}.txt`, bytes: Buffer.from('chat log') }]);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'request.invalid', field: 'files' });
  });

  it('the years 1970 and 9998 themselves are accepted', async () => {
    const res = await as.buyer.get('/api/orders?from=1970-01-01T00:00:00Z&to=9998-12-31T23:59:59Z');
    expect(res.status).toBe(200);
  });
});
