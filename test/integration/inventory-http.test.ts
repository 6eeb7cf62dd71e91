/** The HTTP side of the inventory: multipart import with progress and report, limits, and secrecy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

let h: Harness;
let merchant: Client & { merchantId: string | null };
let productId: string;
const responses: string[] = [];

function multipart(file: Buffer, fileName = 'keys.txt', format?: string): { body: Buffer; type: string } {
  const boundary = `----kameng${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  if (format)
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\n${format}\r\n`),
    );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/plain\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

async function upload(c: Client, pid: string, file: Buffer, fileName?: string, format?: string) {
  const m = multipart(file, fileName, format);
  const res = await c.req<{ id: string; status: string }>(
    'POST',
    `/api/merchant/products/${pid}/imports`,
    m.body,
    { 'content-type': m.type },
  );
  responses.push(JSON.stringify(res.body));
  return res;
}

async function finished(c: Client, batchId: string) {
  for (let i = 0; i < 200; i++) {
    const res = await c.get<{
      status: string;
      imported: number;
      duplicates: number;
      rejected: number;
      rejects: { lineNo: number; reason: string }[];
    }>(`/api/merchant/imports/${batchId}`);
    responses.push(JSON.stringify(res.body));
    if (res.body.status !== 'RUNNING') return res.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('import did not finish');
}

beforeAll(async () => {
  h = await harness({ KAMENG_IMPORT_MAX_BYTES: '4096' });
  merchant = await h.loggedIn({ role: 'merchant' });
  productId = (await merchant.post<{ id: string }>('/api/merchant/products', productInput())).body.id;
});
afterAll(() => h.close());

const SECRETS = ['HTTP-A1 secret-alpha-111', 'HTTP-A2 secret-beta-222', 'HTTP-A3 secret-gamma-333'];

describe('import over HTTP', () => {
  it('accepts a multipart upload (202), runs in the background and reports counts and rejected lines', async () => {
    const res = await upload(
      merchant,
      productId,
      Buffer.from([...SECRETS, 'HTTP-A1 secret-alpha-111', 'lonely'].join('\n')),
      'keys.txt',
      'text',
    );
    expect(res.status).toBe(202);
    const done = await finished(merchant, res.body.id);
    expect(done).toMatchObject({ status: 'COMPLETED', imported: 3, duplicates: 1, rejected: 1 });
    expect(done.rejects).toEqual([
      { lineNo: 4, reason: 'DUPLICATE_IN_BATCH', messages: expect.any(Object) as object },
      { lineNo: 5, reason: 'MISSING_PASSWORD', messages: { 'zh-CN': '缺少密码', en: 'Password missing' } },
    ]);
    const stock = await merchant.get<{ items: { productId: string; available: number }[] }>(
      '/api/merchant/stock',
    );
    expect(stock.body.items.find((s) => s.productId === productId)?.available).toBe(3);
  });

  it('an empty file is 400, a file over the limit 413, and neither leaves a batch', async () => {
    const before = (await merchant.get<{ items: unknown[] }>(`/api/merchant/imports?productId=${productId}`))
      .body.items.length;
    const empty = await upload(merchant, productId, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'inventory.file_empty', field: 'file' });
    const big = await upload(merchant, productId, Buffer.alloc(5000, 0x41));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 'inventory.file_too_large' });
    expect(
      (await merchant.get<{ items: unknown[] }>(`/api/merchant/imports?productId=${productId}`)).body.items,
    ).toHaveLength(before);
  });

  it('a binary upload ends in a FAILED batch that says why', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]);
    const res = await upload(merchant, productId, zip, 'keys.xlsx');
    const done = await finished(merchant, res.body.id);
    expect(done).toMatchObject({ status: 'FAILED', imported: 0, error: { code: 'inventory.not_text_file' } });
  });

  it("another merchant can neither import into nor read this shop's batches", async () => {
    const rival = await h.loggedIn({ role: 'merchant' });
    const sneaky = await upload(rival, productId, Buffer.from('X1 y'));
    expect(sneaky.body).toMatchObject({ status: 404 });
    const mine = (
      await merchant.get<{ items: { id: string }[] }>(`/api/merchant/imports?productId=${productId}`)
    ).body.items[0];
    expect((await rival.get(`/api/merchant/imports/${mine.id}`)).status).toBe(404);
  });

  it('the low-stock notice follows the merchant threshold', async () => {
    const res = await merchant.patch<{ lowStock: boolean; available: number }>(
      `/api/merchant/products/${productId}/stock-settings`,
      { lowStockThreshold: 5 },
    );
    expect(res.body).toMatchObject({ available: 3, lowStock: true });
    const off = await merchant.patch(`/api/merchant/products/${productId}/stock-settings`, {
      lowStockThreshold: 2,
    });
    expect(off.body).toMatchObject({ lowStock: false });
  });

  it('after a full run (import, sale, reveal, registry, timelines, break-glass, errors) no secret leaks but the buyer’s reveal', async () => {
    const keys = await merchant.get<{ items: { serialMasked: string }[] }>(
      `/api/merchant/products/${productId}/keys?limit=50`,
    );
    responses.push(JSON.stringify(keys.body));
    expect(keys.body.items.length).toBe(3);
    for (const k of keys.body.items) expect(k.serialMasked).toContain('*');
    // sell one unit, reveal it (the one response allowed to carry a secret), then use every other surface
    const { createUnits, deliverKeys, reserveKeys } =
      await import('../../src/modules/inventory/allocation.js');
    const buyer = await h.loggedIn({ role: 'buyer' });
    const policy = await h.db.db
      .selectFrom('products')
      .select('current_policy_id')
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    const c = { engine: h.db.engine, actor: { kind: 'system' as const, name: 't' }, at: h.ctx.clock.now() };
    const [unitId] = await unitOfWork(h.ctx, async (trx) => {
      const u = await createUnits(trx, {
        productId,
        buyerId: buyer.userId,
        policyId: policy.current_policy_id,
        count: 1,
        at: c.at,
      });
      await reserveKeys(trx, c, { productId, buyerId: buyer.userId, unitIds: u });
      await deliverKeys(trx, c, u);
      return u;
    });
    const revealed = await buyer.post<{ secret: string }>(`/api/units/${unitId}/reveal`);
    expect(SECRETS.some((l) => l.endsWith(revealed.body.secret))).toBe(true);
    const keyId = (
      await h.db.db.selectFrom('keys').select('id').where('unit_id', '=', unitId).executeTakeFirstOrThrow()
    ).id;
    for (const res of [
      await buyer.get(`/api/units/${unitId}/timeline`),
      await buyer.get('/api/me/units'),
      await merchant.get(`/api/keys/${keyId}/timeline`),
      await merchant.post(`/api/merchant/keys/${keyId}/invalid`, { reason: '买家反馈无效', replace: false }),
      await buyer.post(`/api/units/${unitId}/reveal`), // now refused: the error must not carry it
      await (await h.loggedIn({ role: 'support' })).get(`/api/keys/${keyId}/timeline`),
    ]) {
      responses.push(JSON.stringify(res.body));
    }
    const admin = await h.loggedIn({ role: 'admin' });
    const issuer = h.client();
    issuer.bearer = (
      await admin.post<{ token: string }>('/api/admin/tokens', { name: 'iss', scope: 'issuer' })
    ).body.token;
    for (const line of SECRETS) {
      const [cardNo, password] = line.split(' ') as [string, string];
      responses.push(JSON.stringify((await issuer.post('/api/registry/check', { cardNo, password })).body));
      responses.push(
        JSON.stringify(
          (await issuer.post('/api/registry/activate', { cardNo, password: `${password}x` })).body,
        ),
      );
    }
    await admin.post(`/api/admin/keys/${keyId}/reveal`, { reason: '核对投诉，需要查看原始卡密' }); // break-glass: admin only, audited
    const audit = (await h.db.db.selectFrom('audit_events').select('data').execute())
      .map((r) => r.data)
      .join('\n');
    const haystacks = { logs: h.logs.join('\n'), responses: responses.join('\n'), audit };
    for (const line of SECRETS) {
      const [serial, secret] = line.split(' ') as [string, string];
      for (const [where, text] of Object.entries(haystacks)) {
        expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
        expect(text.includes(serial), `${serial} in ${where}`).toBe(false);
      }
    }
  });
});
