/**
 * Stage 9 rough edges of uploads and unit timelines, over HTTP on a real database (SQLite, and
 * PostgreSQL when configured): a multipart body that ends in the middle of a part is a 400
 * problem+json on the evidence and the key-import uploads, with nothing stored; an evidence file
 * over its limit is the evidence error naming the limit, not a generic 413; and the buyer still
 * reads their own unit's timeline after a sealed refund sent its key back to stock — up to the
 * return, and nothing of the key's next sale.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { upload } from '../helpers/evidence.js';
import { buy, fund, idem, stocked } from '../helpers/orders.js';

let h: Harness;
let buyer: Client & { userId: string };
beforeAll(async () => {
  h = await harness({ KAMENG_IMPORT_MAX_BYTES: '4096' });
  buyer = await h.loggedIn({ role: 'buyer' });
});
afterAll(() => h.close());

type Problem = { code: string; title?: string; detail?: string; status: number };

/** Every file under a directory, recursively (empty when it does not exist). */
function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return names.filter((n) => /[0-9a-f]{64}|upload|\.tmp$/.test(path.basename(n)));
}

/** A multipart body cut off in the middle of its file part: no closing boundary, no part end. */
function truncated(field: string, name: string, bytes: Buffer) {
  const boundary = `----km${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('a truncated multipart upload', () => {
  it('is 400 problem+json on evidence uploads, in both languages, with nothing stored', async () => {
    const rowsBefore = await h.db.db.selectFrom('evidence_uploads').select('sha256').execute();
    const t = truncated('file', 'chat.txt', Buffer.from('买家：卡密无效\n商家：'.repeat(50)));
    const res = await buyer.req<Problem>('POST', '/api/evidence/files', t.body, t.headers);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('request.upload_incomplete');
    expect(res.body.detail ?? res.body.title).toMatch(/[\u4e00-\u9fff]/);
    buyer.lang = 'en';
    const en = await buyer.req<Problem>('POST', '/api/evidence/files', t.body, t.headers);
    buyer.lang = 'zh-CN';
    expect(en.status).toBe(400);
    expect(en.body.detail ?? en.body.title).toMatch(/incomplete/i);
    expect(await h.db.db.selectFrom('evidence_uploads').select('sha256').execute()).toEqual(rowsBefore);
    expect(filesUnder(path.join(h.config.dataDir, 'evidence'))).toEqual([]);
  });

  it('is 400 problem+json on key imports, with no batch and no temporary file left', async () => {
    const m = await h.loggedIn({ role: 'merchant' });
    const p = await stocked(
      h,
      0,
      {},
      {
        actor: {
          kind: 'user',
          id: m.userId,
          role: 'merchant',
          memberLevel: 'REGULAR',
          merchantId: m.merchantId,
        },
        merchantId: m.merchantId!,
        userId: m.userId,
      },
    );
    const t = truncated('file', 'keys.txt', Buffer.from('TRUNC-1 secret-one\nTRUNC-2 secret-t'));
    const res = await m.req<Problem>(
      'POST',
      `/api/merchant/products/${p.productId}/imports`,
      t.body,
      t.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('request.upload_incomplete');
    expect(JSON.stringify(res.body)).not.toContain('secret');
    const batches = await h.db.db
      .selectFrom('key_batches')
      .select('id')
      .where('product_id', '=', p.productId)
      .execute();
    expect(batches).toEqual([]);
    expect(filesUnder(path.join(h.config.dataDir, 'uploads'))).toEqual([]);
  });
});

describe('an oversize evidence file', () => {
  it('is the evidence error naming the 10 MiB limit, not a generic 413', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 4096, 0x61);
    const res = await upload(buyer, [{ name: 'huge.txt', bytes: big }]);
    expect(res.status).toBe(413);
    const body = res.body as unknown as Problem;
    expect(body.code).toBe('evidence.too_large');
    expect(body.detail ?? body.title).toContain('10 MiB');
    expect(body.detail ?? body.title).toContain('huge.txt');
  });
});

describe("the buyer's unit timeline after a sealed refund", () => {
  it('shows the unit up to and including the return, and nothing of the key’s next sale', async () => {
    const p = await stocked(h, 1);
    const first = await h.loggedIn({ role: 'buyer' });
    await fund(h, first.userId, 1_000_000);
    const bought = await buy(first, p, 1);
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    const orderId = (bought.body as { id: string }).id;
    const order = await first.get<{ units: { unitId: string }[] }>(`/api/orders/${orderId}`);
    const unitId = order.body.units[0].unitId;
    const refunded = await first.req<{ state: string }>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { reason: 'MISTAKEN_PURCHASE', description: '拍错了，未查看卡密' },
      { 'idempotency-key': idem() },
    );
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(201);
    expect(refunded.body.state).toBe('REFUNDED');

    // The same key (the only one) is sold to someone else and revealed.
    const second = await h.loggedIn({ role: 'buyer' });
    await fund(h, second.userId, 1_000_000);
    const again = await buy(second, p, 1);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    const o2 = await second.get<{ units: { unitId: string }[] }>(
      `/api/orders/${(again.body as { id: string }).id}`,
    );
    expect((await second.post(`/api/units/${o2.body.units[0].unitId}/reveal`)).status).toBe(200);

    type Timeline = { key: { id: string; state: string }; events: { kind: string; at: string }[] };
    const tl = await first.get<Timeline>(`/api/units/${unitId}/timeline`);
    expect(tl.status, JSON.stringify(tl.body)).toBe(200);
    expect(tl.body.events.map((e) => e.kind)).toEqual(['IMPORTED', 'RESERVED', 'DELIVERED', 'RETURNED']);
    // The key as it left this unit, not as it is now (sold again and revealed).
    expect(tl.body.key.state).toBe('AVAILABLE');
    expect(JSON.stringify(tl.body)).not.toContain(second.userId);

    // Nobody else reads it: the second buyer (who now holds the key) and a stranger get 404.
    expect((await second.get(`/api/units/${unitId}/timeline`)).status).toBe(404);
    const stranger = await h.loggedIn({ role: 'buyer' });
    expect((await stranger.get(`/api/units/${unitId}/timeline`)).status).toBe(404);
    // The second buyer's own unit shows only their own sale.
    const theirs = await second.get<Timeline>(`/api/units/${o2.body.units[0].unitId}/timeline`);
    expect(theirs.body.events.map((e) => e.kind)).toEqual(['IMPORTED', 'RESERVED', 'DELIVERED', 'REVEALED']);
  });
});
