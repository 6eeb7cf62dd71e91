/** The HTTP side of the inventory: multipart import with progress and report, limits, and secrecy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, PASSWORD, type Client, type Harness } from '../helpers/app.js';
import { productInput } from '../helpers/factories.js';

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

  it('merchant key lists are masked; after a full run no imported secret is in any log line, response or audit event', async () => {
    const keys = await merchant.get<{ items: { serialMasked: string }[] }>(
      `/api/merchant/products/${productId}/keys?limit=50`,
    );
    responses.push(JSON.stringify(keys.body));
    expect(keys.body.items.length).toBe(3);
    for (const k of keys.body.items) expect(k.serialMasked).toContain('*');
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
    expect(PASSWORD).toBeTruthy();
  });
});
