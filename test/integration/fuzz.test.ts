/**
 * Fuzz (Stage 9): fast-check generates bodies, query strings, path parameters and headers — NUL
 * characters, huge, negative and fractional numbers, deep nesting, unicode tricks (RTL override,
 * zero-width, lone surrogate halves), overlong strings, prototype-pollution keys — for EVERY route
 * of the app's own OpenAPI document, sent anonymously and as a logged-in user of the route's role.
 * No answer may be a 5xx, carry a stack trace or a file path, or hold a secret of the fixture
 * (the password, a session, the API token, a key's secret). Values are shaped by each route's
 * schema (right types, boundary and past-boundary sizes) so that many pass validation and reach
 * the services and the database; a fixed seed makes every run the same.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, PASSWORD, type Client, type Harness } from '../helpers/app.js';
import { cardLines, importLines, product, units, type Shop } from '../helpers/inventory.js';

/** Fixed for reproducibility; FUZZ_SEED and FUZZ_RUNS explore further by hand. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
/** Generated requests per route and principal (plus the fixed nasty cases below). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);

type Role = 'buyer' | 'merchant' | 'support' | 'admin';
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  $ref?: string;
}
interface Param {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  params: Param[];
  body: Schema | null;
  json: boolean;
}

let h: Harness;
let as: Record<Role, Client>;
let anon: Client;
let ops: Operation[];
let secrets: string[];
let realIds: string[];

beforeAll(async () => {
  h = await harness();
  anon = h.client();
  as = {
    buyer: await h.loggedIn({ role: 'buyer' }),
    merchant: await h.loggedIn({ role: 'merchant' }),
    support: await h.loggedIn({ role: 'support' }),
    admin: await h.loggedIn({ role: 'admin' }),
  };
  // A fixture worth finding: the merchant's product with keys, units of it for the buyer, an API token.
  const m = as.merchant as Client & { userId: string; merchantId: string };
  const s: Shop = {
    actor: { kind: 'user', id: m.userId, role: 'merchant', memberLevel: 'REGULAR', merchantId: m.merchantId },
    merchantId: m.merchantId,
    userId: m.userId,
  };
  const p = await product(h, s);
  const lines = cardLines(3, 'FZ');
  await importLines(h, s, p.id, lines);
  const unitIds = await units(h, p.id, p.policyId, (as.buyer as Client & { userId: string }).userId, 2);
  const token = await as.merchant.post<{ token: string }>('/api/merchant/tokens', { name: 'fuzz' });
  expect(token.status).toBe(201);
  realIds = [p.id, m.merchantId, ...unitIds];
  secrets = [
    PASSWORD,
    token.body.token,
    ...lines.map((l) => l.split(' ')[1]),
    ...Object.values(as).map((c) => c.cookie!.replace(/^kameng_sid=/, '')),
  ];

  const doc = h.app.swagger() as unknown as {
    paths: Record<
      string,
      Record<string, { parameters?: Param[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
    >;
    components?: { schemas?: Record<string, Schema> };
  };
  const components = doc.components?.schemas ?? {};
  const deref = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? components[s.$ref.replace('#/components/schemas/', '')] : s;
  ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((prm) => ({ ...prm, schema: deref(prm.schema) })),
        body: json ? (deref(json) ?? null) : null,
        json: Boolean(json) || Object.keys(content).length === 0,
      };
    }),
  );
  Object.assign(globalThis, { __fuzzDeref: deref });
});
afterAll(() => h.close());

// ---- the nasty values ----

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Egnp.exe', // RTL override
  'ad\u200Bmin', // zero-width space
  '\uFEFF', // BOM
  '\uD800', // lone high surrogate
  'x\uDC00', // lone low surrogate
  '𠜎𠜱𝌆😀',
  'é'.normalize('NFD'),
  '__proto__',
  'constructor',
  'prototype',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '-1',
  '1e309',
  '99999999999999999999999999',
  'NaN',
  "' OR 1=1 --",
  '../../../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  'x'.repeat(300),
  '字'.repeat(5000),
];
const NASTY_NUMBERS = [
  0,
  -1,
  -0.5,
  0.5,
  1e-7,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 63,
  1e308,
  -1e308,
];

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const nastyNumber = fc.oneof(
  fc.constantFrom(...NASTY_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** Deep nesting, prototype-pollution keys. */
const deep = fc.integer({ min: 50, max: 3000 }).map((n) => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
});
const pollution = fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"isAdmin":true,"role":"admin"}}'), {
  constructor: { prototype: { polluted: true } },
});
const anything: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  nastyNumber,
  fc.constantFrom(null, true, false, [], {}),
  deep,
  pollution,
);

function firstType(s: Schema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
}

/** A value for `schema`: usually of the right type near or past its bounds, sometimes anything at all. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const deref = (globalThis as unknown as { __fuzzDeref: (s: Schema | undefined) => Schema | undefined })
    .__fuzzDeref;
  const s = deref(schema);
  if (!s || depth > 6) return anything;
  const alts = s.anyOf ?? s.oneOf ?? s.allOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => valueFor(a, depth + 1)));
  if (s.enum)
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: anything });
  if (s.const !== undefined) return fc.constant(s.const);
  let typed: fc.Arbitrary<unknown>;
  switch (firstType(s) ?? '') {
    case 'integer':
    case 'number': {
      const edges = [
        s.minimum,
        s.maximum,
        s.minimum !== undefined ? s.minimum - 1 : undefined,
        s.maximum !== undefined ? s.maximum + 1 : undefined,
      ].filter((x): x is number => x !== undefined);
      const lo = Math.max(s.minimum ?? -(2 ** 40), -(2 ** 52));
      const hi = Math.min(s.maximum ?? 2 ** 40, 2 ** 52);
      typed = fc.oneof(
        fc.constantFrom(...edges, ...NASTY_NUMBERS),
        fc.integer({ min: Math.ceil(lo), max: Math.floor(Math.max(lo, hi)) }),
      );
      break;
    }
    case 'string': {
      const max = s.maxLength ?? 64;
      const formatted =
        s.format === 'date-time'
          ? [
              '1970-01-01T00:00:00Z',
              '9998-12-31T23:59:59Z',
              '2026-01-05T02:00:00.000Z',
              '0001-01-01T00:00:00Z',
            ]
          : s.format === 'date'
            ? ['1970-01-01', '9998-12-31', '0000-01-01']
            : [];
      typed = fc.oneof(
        fc.constantFrom(
          ...formatted,
          ...realIds,
          'x'.repeat(max),
          'x'.repeat(max + 1),
          'a\u0000'.padEnd(Math.min(max, 8), 'b'),
        ),
        nastyString.map((v) => v.slice(0, max)),
        nastyString,
      );
      break;
    }
    case 'boolean':
      typed = fc.boolean();
      break;
    case 'array':
      typed = fc.array(valueFor(s.items, depth + 1), { maxLength: 4 });
      break;
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      const shaped = fc.record(Object.fromEntries(props.map(([k, v]) => [k, valueFor(v, depth + 1)])), {
        requiredKeys: s.required ?? [],
      });
      typed = fc.oneof(
        { weight: 4, arbitrary: shaped },
        {
          weight: 1,
          arbitrary: fc.tuple(shaped, pollution).map(([a, b]) => ({ ...(a as object), ...(b as object) })),
        },
      );
      break;
    }
    default:
      return anything;
  }
  return fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: anything });
}

/** A path segment: encoded like a browser would, or raw percent escapes for what it cannot encode. */
const segment = (v: unknown): string => {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'x');
  try {
    return encodeURIComponent(text) || '%20';
  } catch {
    return '%ED%A0%80x'; // a lone surrogate as UTF-8 bytes: malformed
  }
};
const queryValue = (v: unknown): string =>
  segment(typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v));

const headerValue = fc.oneof(
  fc.constantFrom('', 'a\u0000b', 'x'.repeat(2000), 'kmt_' + 'a'.repeat(60), '../../etc', '%00', "' OR 1=1"),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((v) => v.replace(/[\r\n]/g, '')),
);
const headersArb = fc.record(
  {
    'idempotency-key': headerValue,
    'user-agent': headerValue,
    'accept-language': fc.constantFrom('en', 'zh-CN', '\u0000', 'x'.repeat(500)),
    'x-csrf-token': headerValue,
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'x\u0000', '999.999.999.999'),
  },
  { requiredKeys: [] },
);

interface Sent {
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

function requestArb(op: Operation): fc.Arbitrary<Sent> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const paths = fc.tuple(...pathParams.map((p) => fc.oneof(fc.constantFrom(...realIds), valueFor(p.schema))));
  const query = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueFor(p.schema)])), {
    requiredKeys: [],
  });
  const extraQuery = fc.option(
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'x', 'a\u0000'), nastyString),
    { nil: undefined },
  );
  const body = op.body
    ? valueFor(op.body)
    : op.method === 'GET' || op.method === 'DELETE'
      ? fc.constant(undefined)
      : anything;
  return fc
    .record({ paths, query, extraQuery, body, headers: headersArb })
    .map(({ paths: values, query: q, extraQuery: extra, body: b, headers }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => segment(values[i++]));
      const pairs = Object.entries(q).map(([k, v]) => `${k}=${queryValue(v)}`);
      if (extra) pairs.push(`${segment(extra[0])}=${segment(extra[1])}`);
      return {
        url: pairs.length ? `${path}?${pairs.join('&')}` : path,
        body: b,
        headers: headers,
      };
    });
}

const roleFor = (path: string): Role =>
  path.startsWith('/api/admin') || path.startsWith('/api/sandbox')
    ? 'admin'
    : path.startsWith('/api/merchant')
      ? 'merchant'
      : path.startsWith('/api/support')
        ? 'support'
        : 'buyer';

let sent = 0;
function check(
  op: Operation,
  who: string,
  req: Sent,
  res: { status: number; text: string; headers: Record<string, unknown> },
): void {
  sent++;
  const where = `${who} ${op.method} ${req.url.slice(0, 200)} → ${res.status}`;
  expect(res.status, `${where}\n${res.text.slice(0, 500)}`).toBeLessThan(500);
  expect(res.text, where).not.toMatch(/\n\s+at \S|\(\/|node_modules|\/work\/|\/src\/|\.ts:\d+/);
  const headers = Object.entries(res.headers)
    .filter(([k]) => k !== 'set-cookie')
    .map(([, v]) => String(v))
    .join('\n');
  for (const secret of secrets) {
    expect(res.text.includes(secret), `${where}: a secret in the body`).toBe(false);
    expect(headers.includes(secret), `${where}: a secret in a header`).toBe(false);
  }
}

async function send(client: Client, op: Operation, req: Sent) {
  // Through Client for the session cookie and CSRF header; the raw text for the scans.
  const res = await client.req(op.method, req.url, op.json ? req.body : undefined, req.headers);
  return {
    status: res.status,
    text: typeof res.body === 'string' ? res.body : JSON.stringify(res.body),
    headers: res.headers,
  };
}

describe('fuzz: every route of the OpenAPI document', () => {
  it('answers every generated request without a 5xx, a stack trace or a secret', async () => {
    expect(ops.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const op of ops) {
      // Logging out would end the session the rest of the run uses: that route is fuzzed anonymously.
      const principals: [string, Client][] = [['anonymous', anon]];
      if (op.path !== '/api/auth/logout') principals.push([roleFor(op.path), as[roleFor(op.path)]]);
      for (const [who, client] of principals) {
        try {
          await fc.assert(
            fc.asyncProperty(requestArb(op), async (req) => check(op, who, req, await send(client, op, req))),
            { seed: SEED, numRuns: RUNS, endOnFailure: true },
          );
        } catch (error) {
          // fast-check 4 keeps the failed assertion as the error's cause: show it first
          const cause =
            error instanceof Error && error.cause instanceof Error ? `${error.cause.message}\n` : '';
          const text = cause + (error instanceof Error ? error.message : String(error));
          failures.push(
            text
              .slice(text.indexOf('Caused by') >= 0 ? text.indexOf('Caused by') : 0)
              .slice(0, Number(process.env.FUZZ_MSG ?? 700)),
          );
        }
      }
    }
    process.stdout.write(`fuzz: ${ops.length} routes × 2 principals, ${sent} requests\n`);
    if (process.env.FUZZ_DEBUG)
      process.stdout.write(
        h.logs
          .filter((l) => l.includes('"level":50'))
          .map((l) => l.slice(0, 600))
          .join('\n'),
      );
    expect(failures).toEqual([]);
  }, 120_000);
});
