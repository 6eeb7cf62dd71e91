/**
 * The authorisation matrix, generated from the OpenAPI document: every operation × every
 * principal (anonymous, each role, a 超会 buyer, each API token kind) × owner / other owner, with
 * the expectation read from the declarations next to the route (`config.auth`, `config.owner`;
 * platform/http/auth.ts). Denied callers get 401 (anonymous) or 403 (wrong role or token kind)
 * before the request is looked at; a caller the gate admits who is not a party to the object the
 * path names gets its 404 — the same body as for an id that does not exist; admitted callers never
 * get 401/403 (nor, on their own objects, the 404). A route without a declaration, or whose
 * declared object has no fixture here, fails the test.
 *
 * Two worlds, A and B, each a shop with a product on sale and a draft, an import, keys, a buyer's
 * order with units, a refund escalated to a dispute, evidence, an order message with a file, a
 * withdrawal, a connected channel shop, a sandbox shop and a spare API token. Principals of world
 * A ask for world A's objects (their own) and world B's principals for the same objects (other
 * owner); staff ask as staff.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Role, TokenScope } from '../../src/platform/db/schema.js';
import { routeDeclarations, type Owned, type RouteDeclaration } from '../../src/platform/http/auth.js';
import { harness, type Client, type Harness, type Res } from '../helpers/app.js';
import { fakeChannels } from '../helpers/channels.js';
import { disputed } from '../helpers/disputes.js';
import { refs } from '../helpers/evidence.js';
import { productInput } from '../helpers/factories.js';

let h: Harness;

type Side = 'A' | 'B';
interface Principal {
  name: string;
  client: Client;
  side: Side | null;
  role: Role | null;
  token: TokenScope | null;
}
type World = Record<Owned, string> & { messageFile: string };

let principals: Principal[] = [];
const worlds = {} as Record<Side, World>;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function world(side: Side, admin: Client): Promise<{ world: World; principals: Principal[] }> {
  const chat = Buffer.from(`买家：卡密提示无效 (${side} ${randomUUID()})\n`);
  const d = await disputed(h, { chat });
  const { m, b, p } = d;
  const draft = (
    await m.post<{ id: string }>('/api/merchant/products', productInput({ name: `草稿 ${side}` }))
  ).body.id;
  const key = await h.db.db
    .selectFrom('keys')
    .select(['id', 'batch_id'])
    .where('product_id', '=', p.productId)
    .where('state', '=', 'AVAILABLE')
    .executeTakeFirstOrThrow();
  const unit = (await b.get<{ units: { unitId: string }[] }>(`/api/orders/${d.orderId}`)).body.units[0]
    .unitId;
  const [file] = await refs(b, [
    { name: 'shot.txt', bytes: Buffer.from(`消息附件 ${side} ${randomUUID()}`) },
  ]);
  const msg = await b.post(`/api/orders/${d.orderId}/messages`, { body: '请尽快处理', file });
  expect(msg.status, JSON.stringify(msg.body)).toBe(201);
  const token = (await m.post<{ token: string }>('/api/merchant/tokens', { name: `erp ${side}` })).body.token;
  const spare = (await m.post<{ id: string }>('/api/merchant/tokens', { name: `spare ${side}` })).body.id;
  const channelShop = await m.post<{ id: string }>('/api/merchant/channel-shops', {
    channel: 'PDD',
    appKey: `app-${side}-${randomUUID().slice(0, 8)}`,
    appSecret: 'shop-secret-123456',
    sessionKey: 'session-abcdef',
  });
  expect(channelShop.status, JSON.stringify(channelShop.body)).toBe(201);
  const sandboxShop = await m.post<{ shop: { id: string } }>('/api/sandbox/channels/shops', {
    channel: 'TAOBAO',
  });
  expect(sandboxShop.status, JSON.stringify(sandboxShop.body)).toBe(201);
  const withdrawal = randomUUID();
  await h.db.db
    .insertInto('withdrawals')
    .values({
      id: withdrawal,
      withdrawal_no: `W${side}${Date.now()}`,
      merchant_id: p.shop.merchantId,
      requested_by: p.shop.userId,
      amount_fen: 100,
      bank: 'sandbox',
      bank_name: null,
      account_name: '测试',
      account_masked: '****1234',
      account_sealed: Buffer.from('sealed'),
      state: 'FAILED',
      bank_ref: null,
      failure_code: null,
      attempts: 0,
      last_error: null,
      idempotency_key: `w-${withdrawal}`,
      request_hash: 'x',
      version: 1,
      created_at: h.ctx.clock.now().toISOString(),
      updated_at: h.ctx.clock.now().toISOString(),
      submitted_at: null,
      finished_at: h.ctx.clock.now().toISOString(),
    })
    .execute();
  const bearer = (t: string): Client => Object.assign(h.client(), { bearer: t });
  const list: Principal[] = [
    { name: `buyer ${side}`, client: b, side, role: 'buyer', token: null },
    { name: `merchant ${side}`, client: m, side, role: 'merchant', token: null },
    { name: `merchant token ${side}`, client: bearer(token), side, role: null, token: 'merchant' },
  ];
  if (side === 'A')
    for (const scope of ['issuer', 'channel'] as const) {
      const t = await admin.post<{ token: string }>('/api/admin/tokens', {
        name: `${scope} of shop A`,
        scope,
        merchantId: p.shop.merchantId,
      });
      list.push({
        name: `${scope} token (shop A)`,
        client: bearer(t.body.token),
        side: null,
        role: null,
        token: scope,
      });
    }
  return {
    principals: list,
    world: {
      user: b.userId,
      token: spare,
      product: draft,
      messageFile: file.sha256,
      import: key.batch_id,
      key: key.id,
      unit,
      order: d.orderId,
      withdrawal,
      evidence: sha(chat),
      refund: d.requestId,
      dispute: d.id,
      channelShop: channelShop.body.id,
      sandboxShop: sandboxShop.body.shop.id,
    },
  };
}

beforeAll(async () => {
  h = await harness({ KAMENG_PUBLIC_URL: 'https://kameng.test' });
  fakeChannels(h);
  const admin = await h.loggedIn({ role: 'admin' });
  const A = await world('A', admin);
  const B = await world('B', admin);
  worlds.A = A.world;
  worlds.B = B.world;
  const staff = async (role: Role): Promise<Principal> => ({
    name: role,
    client: await h.loggedIn({ role }),
    side: null,
    role,
    token: null,
  });
  principals = [
    { name: 'anonymous', client: h.client(), side: null, role: null, token: null },
    ...A.principals,
    ...B.principals,
    {
      name: '超会 buyer',
      client: await h.loggedIn({ role: 'buyer', memberLevel: 'SUPER' }),
      side: null,
      role: 'buyer',
      token: null,
    },
    await staff('support'),
    await staff('arbitrator'),
    { name: 'admin', client: admin, side: null, role: 'admin', token: null },
  ];
}, 120_000);
afterAll(() => h.close());

// ---- who is a party to what: the meaning of each `Owned` (platform/http/auth.ts) -------------

/** The staff roles that see every object of a kind, where the gate admits them (the `Owned` comment in auth.ts). */
const STAFF: Record<Owned, readonly Role[]> = {
  user: ['support', 'admin'],
  token: ['admin'],
  product: ['support', 'admin'],
  import: ['support', 'admin'],
  key: ['support', 'admin'],
  unit: ['support', 'admin'],
  order: ['support', 'admin', 'arbitrator'],
  withdrawal: [],
  evidence: ['support', 'admin', 'arbitrator'],
  refund: ['support', 'admin', 'arbitrator'],
  dispute: ['support', 'admin', 'arbitrator'],
  channelShop: [],
  sandboxShop: ['support', 'admin'],
};
/** Which of world A's principals are parties to world A's object of a kind. */
const PARTIES: Record<Owned, readonly ('buyer' | 'merchant' | 'merchant token')[]> = {
  user: ['buyer'],
  token: ['merchant', 'merchant token'],
  product: ['merchant', 'merchant token'],
  import: ['merchant', 'merchant token'],
  key: ['merchant', 'merchant token'],
  unit: ['buyer', 'merchant', 'merchant token'],
  order: ['buyer', 'merchant', 'merchant token'],
  withdrawal: ['merchant'],
  evidence: ['buyer', 'merchant'],
  refund: ['buyer', 'merchant'],
  dispute: ['buyer', 'merchant'],
  channelShop: ['merchant'],
  sandboxShop: ['merchant'],
};

function admitted(auth: RouteDeclaration['auth'], p: Principal): boolean {
  if (auth === 'public') return true;
  if (p.token) return auth.tokens?.includes(p.token) ?? false;
  if (!p.role) return false;
  return auth.users === 'any' || (auth.users?.includes(p.role) ?? false);
}

function isParty(owner: Owned, p: Principal): boolean {
  if (p.role && STAFF[owner].includes(p.role)) return true;
  if (p.side !== 'A') return false;
  const kind = p.token === 'merchant' ? 'merchant token' : p.role;
  return (PARTIES[owner] as readonly (string | null)[]).includes(kind);
}

// ---- requests from the document ----------------------------------------------------------

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  items?: Schema;
  minItems?: number;
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  default?: unknown;
};
type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
};

/** A value the schema accepts (the simplest one), so that the use case, not validation, answers. */
function sample(doc: Doc, s: Schema | undefined, name = ''): unknown {
  if (!s) return undefined;
  if (s.$ref) return sample(doc, doc.components?.schemas?.[s.$ref.split('/').pop()!], name);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.oneOf ?? s.anyOf) return sample(doc, (s.oneOf ?? s.anyOf)![0], name);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x) => sample(doc, x, name)));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sample(doc, s.properties?.[k], k);
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(doc, s.items, name));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return s.default ?? true;
    case 'string': {
      if (s.format === 'date-time') return '2026-01-06T02:00:00Z';
      if (s.format === 'date') return '2026-01-06';
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'email') return 'someone@example.com';
      if (/sha256/i.test(name)) return '0'.repeat(64);
      return 'x'.repeat(Math.min(Math.max(s.minLength ?? 1, 8), s.maxLength ?? 8));
    }
    case 'null':
    case undefined:
    default:
      return undefined;
  }
}

/** Path parameters that do not name a party's object: any value the route accepts. */
const PARAMS: Record<string, string> = {
  provider: 'sandbox-wechat',
  bank: 'sandbox',
  level: 'VIP',
  itemId: 'item-1',
  shopId: randomUUID(),
  token: 'no-such-lookup-token',
  sha256: '0'.repeat(64),
  id: randomUUID(),
};
const MISSING: Record<string, string> = { id: randomUUID(), sha256: 'f'.repeat(64) };

/** Filled path; the owned parameter is `:id`, or `:sha256` for evidence. */
function fill(url: string, owner: Owned | null, value: string | null): string {
  const ownedParam = owner === 'evidence' ? 'sha256' : 'id';
  return url.replace(/:(\w+)/g, (_, name: string) => {
    if (owner && name === ownedParam && value !== null) return value;
    if (name === 'sha256' && owner === 'order') return worlds.A.messageFile; // a file of order A's conversation
    return PARAMS[name] ?? 'x';
  });
}

/**
 * What some admitted callers send instead of the body sampled from the schema (its first variant):
 * the gate admits them for other actions of the route than the sample's.
 */
const BODY: Record<string, (p: Principal) => unknown> = {
  // support and admins may only take an abnormal payout to the balance; the rest is the buyer's
  'POST /api/refunds/:id/actions': (p) =>
    p.role === 'buyer' ? { action: 'CANCEL', version: 1 } : { action: 'CHOOSE_BALANCE', version: 1 },
  // admins take a product off sale (the product machine's "who"); merchants do the rest
  'POST /api/merchant/products/:id/status': (p) => ({
    version: 1,
    status: p.role === 'admin' ? 'OFF_SALE' : 'ON_SALE',
  }),
};
/** A 403 an admitted caller may get that depends on the object's state, not on who is asking. */
const STATE_403: Record<string, string> = {
  // support decides only the requests support reviews (escalated, or handed over by the merchant)
  'POST /api/refunds/:id/decision': 'refund.not_reviewer',
};

/** A key file as the import route takes it (multipart). */
function multipart(): { body: Buffer; headers: Record<string, string> } {
  const boundary = `----km${randomUUID()}`;
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="keys.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\nMATRIX0001 pw-matrix-0001\r\n--${boundary}--\r\n`,
  );
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The gate's answer is the problem and nothing else: no field, no data, nothing of the object. */
const DENIAL_KEYS = ['code', 'detail', 'instance', 'messages', 'status', 'title', 'type'].join();
const GATE = new Set(['auth.unauthenticated', 'auth.forbidden', 'auth.token_invalid', 'auth.csrf_invalid']);
const codeOf = (r: Res): string | undefined => (r.body as { code?: string } | null)?.code;
const withoutInstance = (r: Res): unknown => {
  if (!r.body || typeof r.body !== 'object') return r.body;
  const { instance: _instance, ...rest } = r.body as Record<string, unknown>;
  return rest;
};

interface Op {
  method: string;
  url: string;
  decl: RouteDeclaration;
  body: unknown;
  query: string;
}

function send(p: Principal, op: Op, url: string): Promise<Res> {
  const label = `${op.method} ${op.url}`;
  const headers = { 'idempotency-key': `matrix-${randomUUID()}` };
  if (label === 'POST /api/merchant/products/:id/imports') {
    const m = multipart();
    return p.client.req(op.method, url, m.body, { ...headers, ...m.headers });
  }
  // Everyone may call a public route that names nothing of a party's: only "never 401/403" is
  // checked, so no body is sent (no login's password hash, no notification processed).
  const open = op.decl.auth === 'public' && op.decl.owner === null;
  const body = open ? {} : (BODY[label]?.(p) ?? op.body ?? {});
  return p.client.req(
    op.method,
    url,
    op.method === 'GET' || op.method === 'DELETE' ? undefined : body,
    headers,
  );
}

it('every route of the OpenAPI document × every principal × owner / other owner answers as declared', async () => {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const doc = h.app.swagger() as unknown as Doc;
  const declared = new Map(routeDeclarations(h.app).map((d) => [`${d.method} ${d.url}`, d]));
  const ops: Op[] = [];
  const undeclared: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase();
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      const decl = declared.get(`${method} ${url}`);
      if (!decl) {
        undeclared.push(`${method} ${url}`);
        continue;
      }
      if (decl.owner && !(decl.owner in worlds.A))
        undeclared.push(`${method} ${url}: no fixture for ${decl.owner}`);
      const json = op.requestBody?.content['application/json']?.schema;
      const query = new URLSearchParams();
      for (const p of op.parameters ?? [])
        if (p.in === 'query' && p.required)
          query.set(p.name, p.name === 'requestId' ? worlds.A.refund : String(sample(doc, p.schema, p.name)));
      ops.push({
        method,
        url,
        decl,
        body: sample(doc, json),
        query: query.size ? `?${query.toString()}` : '',
      });
    }
  }
  expect(undeclared).toEqual([]);
  // Reads first, then writes; what ends a principal's session or object last.
  const rank = (o: Op): number =>
    o.url === '/api/auth/logout' ? 3 : o.method === 'DELETE' ? 2 : o.method === 'GET' ? 0 : 1;
  ops.sort((a, b) => rank(a) - rank(b));

  const wrong: string[] = [];
  // SQLite runs the whole matrix; PostgreSQL every principal on the routes that name a party's
  // object (where the engine's queries decide) and one refused and one admitted caller elsewhere.
  const subset = h.db.engine === 'postgres';
  const counts = { routes: ops.length, principals: principals.length, cases: 0, requests: 0 };
  const ask = (p: Principal, op: Op, url: string): Promise<Res> => {
    counts.requests++;
    return send(p, op, url);
  };
  for (const op of ops) {
    const { auth, owner } = op.decl;
    const label = `${op.method} ${op.url}`;
    const at = (value: string | null): string => fill(op.url, owner, value) + op.query;
    const own = at(owner ? worlds.A[owner] : null);
    const missingId = owner ? MISSING[owner === 'evidence' ? 'sha256' : 'id'] : null;
    let denied = principals.filter((p) => !admitted(auth, p));
    const others = principals.filter((p) => admitted(auth, p) && owner !== null && !isParty(owner, p));
    let allowed = principals.filter((p) => admitted(auth, p) && (owner === null || isParty(owner, p)));
    if (subset && owner === null) {
      // the gate answers before any query: on PostgreSQL one refused and one admitted caller
      denied = denied.slice(0, 1);
      allowed = allowed.slice(0, 1);
    }
    counts.cases += denied.length + others.length + allowed.length;
    // Refused callers and other owners change nothing: asked all at once; then those who may act.
    const missingCodes = await Promise.all([
      ...denied.map(async (p) => {
        const res = await ask(p, op, own);
        const want = p.role || p.token ? 'auth.forbidden' : 'auth.unauthenticated';
        const status = want === 'auth.forbidden' ? 403 : 401;
        if (res.status !== status || codeOf(res) !== want)
          wrong.push(`${label} as ${p.name}: ${res.status} ${codeOf(res)}, declared ${status} ${want}`);
        else if (
          Object.keys(res.body as object)
            .sort()
            .join() !== DENIAL_KEYS
        )
          wrong.push(`${label} as ${p.name}: the denial says more: ${JSON.stringify(res.body)}`);
        return undefined;
      }),
      ...others.map(async (p) => {
        // other owner: the object's 404, the same body as for an id that does not exist
        const [res, missing] = [await ask(p, op, own), await ask(p, op, at(missingId))];
        if (res.status !== 404)
          wrong.push(`${label} as ${p.name} (other owner): ${res.status} ${codeOf(res)}, declared 404`);
        else if (JSON.stringify(withoutInstance(res)) !== JSON.stringify(withoutInstance(missing)))
          wrong.push(
            `${label} as ${p.name} (other owner): ${JSON.stringify(res.body)} ≠ ${JSON.stringify(missing.body)}`,
          );
        return codeOf(missing);
      }),
    ]);
    let missingCode = missingCodes.find((c) => c !== undefined);
    for (const p of allowed) {
      if (owner && missingCode === undefined) missingCode = codeOf(await ask(p, op, at(missingId)));
      const res = await ask(p, op, own);
      const refused =
        (res.status === 403 && STATE_403[label] !== codeOf(res)) ||
        (res.status === 401 && GATE.has(codeOf(res) ?? ''));
      // on its own object, a party never gets the answer for an object that does not exist
      const hidden = owner !== null && res.status === 404 && codeOf(res) === missingCode;
      if (refused || hidden)
        wrong.push(
          `${label} as ${p.name}${owner ? ' (own)' : ''}: ${res.status} ${codeOf(res)}, declared allowed`,
        );
    }
  }
  console.info(
    `authorisation matrix: ${JSON.stringify(counts)} ${Date.now() - t0} ms, ${Math.round(process.cpuUsage(cpu0).user / 1000)} ms CPU`,
  );
  expect(wrong).toEqual([]);
}, 180_000);
