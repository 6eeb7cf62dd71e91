/**
 * The buyer's records download reads as people read it: codes as words in the chosen language
 * (`lang`, else Accept-Language, zh-CN by default), money as numbers Excel can sum (numeric cells
 * formatted ¥#,##0.00 in XLSX; plain decimals under a header naming the unit in CSV), never a secret.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Client, type Harness } from '../helpers/app.js';
import { buy, fund, stocked } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

async function download(b: Client, query: string, headers: Record<string, string> = {}) {
  const res = await h.app.inject({
    method: 'GET',
    url: `/api/me/records?${query}`,
    headers: { cookie: b.cookie!, ...headers },
  });
  expect(res.statusCode).toBe(200);
  return res;
}

async function workbook(b: Client, query: string, headers: Record<string, string> = {}) {
  const res = await download(b, query, headers);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  return wb;
}

/** A sheet's rows as header → cell objects. */
function table(ws: ExcelJS.Worksheet): Map<string, ExcelJS.Cell>[] {
  const headers: string[] = [];
  ws.getRow(1).eachCell((c, i) => (headers[i] = c.text));
  const rows: Map<string, ExcelJS.Cell>[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const m = new Map<string, ExcelJS.Cell>();
    row.eachCell({ includeEmpty: true }, (c, i) => m.set(headers[i], c));
    rows.push(m);
  });
  return rows;
}

const allText = (wb: ExcelJS.Workbook): string => {
  const cells: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(c.text))));
  return cells.join('\n');
};

describe('records export: labels and numbers', () => {
  it('XLSX in zh-CN and en: words for codes, numeric yuan cells that sum, no secret, no raw ids', async () => {
    // Prices with cents that floating point likes to spoil (0.29, 12.34).
    const p = await stocked(h, 5, { prices: { REGULAR: 1234, VIP: 1200, SUPER: 1100 } });
    const q = await stocked(h, 2, { prices: { REGULAR: 29, VIP: 29, SUPER: 29 } }, p.shop);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 100_000);
    const o1 = (await buy(b, p, 3)).body as { id: string; totalFen: number };
    const o2 = (await buy(b, q, 1)).body as { id: string; totalFen: number };
    expect(o1.totalFen).toBe(3702);
    expect(o2.totalFen).toBe(29);
    type Detail = { orderNo: string; units: { unitId: string }[] };
    const d1 = (await b.get<Detail>(`/api/orders/${o1.id}`)).body;
    const revealed = await b.post<{ secret: string }>(`/api/units/${d1.units[0].unitId}/reveal`, {});
    expect(revealed.status).toBe(200);
    const secret = revealed.body.secret;

    // zh-CN: the default
    const zh = await workbook(b, 'format=xlsx');
    expect(zh.worksheets.map((w) => w.name)).toEqual(['订单', '支付与退款', '卡密记录', '售后']);
    const orders = table(zh.getWorksheet('订单')!);
    expect(orders).toHaveLength(2);
    const totalHeader = '金额（元）';
    for (const r of orders) {
      expect(r.get('类型')!.value).toBe('商品');
      expect(r.get('支付方式')!.value).toBe('余额');
      expect(r.get('状态')!.value).toBe('已完成');
      expect(r.get('会员等级')!.value).toBe('普通会员');
      const total = r.get(totalHeader)!;
      expect(total.type).toBe(ExcelJS.ValueType.Number);
      expect(total.numFmt).toBe('¥#,##0.00');
      expect(typeof r.get('单价（元）')!.value).toBe('number');
    }
    const sum = orders.reduce((s, r) => s + (r.get(totalHeader)!.value as number), 0);
    expect(Math.round(sum * 100)).toBe(3702 + 29);
    expect(orders.map((r) => r.get(totalHeader)!.value).sort()).toEqual([0.29, 37.02]);

    const keys = table(zh.getWorksheet('卡密记录')!);
    const kinds = new Set(keys.map((r) => r.get('事件')!.text));
    expect(kinds).toContain('发货（未拆封）');
    expect(kinds).toContain('查看卡密（拆封）');
    const reveal = keys.find((r) => r.get('事件')!.text === '查看卡密（拆封）')!;
    expect(reveal.get('操作方')!.text).toBe('买家');
    expect(reveal.get('订单号')!.text).toBe(d1.orderNo);
    expect(typeof reveal.get('第几件')!.value).toBe('number');
    const delivered = keys.find((r) => r.get('事件')!.text === '发货（未拆封）')!;
    expect(delivered.get('操作方')!.text).not.toBe('买家');

    const payments = table(zh.getWorksheet('支付与退款')!);
    expect(payments.length).toBeGreaterThan(0);
    for (const r of payments) {
      expect(r.get('方向')!.text).toBe('支付');
      expect(r.get('金额（元）')!.type).toBe(ExcelJS.ValueType.Number);
    }

    const zhText = allText(zh);
    for (const code of ['GOODS', 'BALANCE', 'DELIVERED', 'REGULAR', 'REVEALED', 'PAID']) {
      expect(zhText).not.toMatch(new RegExp(`(^|\\n)${code}(\\n|$)`));
    }
    expect(zhText).not.toContain(secret);
    expect(zhText).not.toContain('secret');
    expect(zhText).not.toContain(d1.units[0].unitId);

    // en: by the query parameter the web client passes, and by Accept-Language
    for (const en of [
      await workbook(b, 'format=xlsx&lang=en'),
      await workbook(b, 'format=xlsx', { 'accept-language': 'en-GB,en;q=0.9' }),
    ]) {
      expect(en.worksheets.map((w) => w.name)).toEqual(['Orders', 'Payments', 'Key timelines', 'Refunds']);
      const rows = table(en.getWorksheet('Orders')!);
      for (const r of rows) {
        expect(r.get('Kind')!.value).toBe('Goods');
        expect(r.get('Payment method')!.value).toBe('Balance');
        expect(r.get('State')!.value).toBe('Completed');
        expect(r.get('Total (CNY ¥)')!.type).toBe(ExcelJS.ValueType.Number);
      }
      const enSum = rows.reduce((s, r) => s + (r.get('Total (CNY ¥)')!.value as number), 0);
      expect(Math.round(enSum * 100)).toBe(3731);
      const events = table(en.getWorksheet('Key timelines')!).map((r) => r.get('Event')!.text);
      expect(events).toContain('Revealed (unsealed)');
      const text = allText(en);
      expect(text).not.toMatch(/余额|已完成|发货/); // product names stay as the merchant wrote them
      expect(text).not.toContain(secret);
    }
  });

  it('CSV: plain decimal money under a header naming the unit, labels in the chosen language', async () => {
    const p = await stocked(h, 2, { prices: { REGULAR: 123456, VIP: 123456, SUPER: 123456 } });
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 1_000_000);
    const o = (await buy(b, p, 2)).body as { id: string };
    const { orderNo } = (await b.get<{ orderNo: string }>(`/api/orders/${o.id}`)).body;

    const zh = (await download(b, 'format=csv&dataset=orders')).body;
    expect(zh.charCodeAt(0)).toBe(0xfeff);
    const [head, row] = zh.slice(1).trim().split('\r\n');
    const cols = head.split(',');
    const cells = row.split(',');
    const at = (h: string) => cells[cols.indexOf(h)];
    expect(at('订单号')).toBe(orderNo);
    expect(at('金额（元）')).toBe('2469.12'); // no ¥, no grouping: a number to any spreadsheet
    expect(at('单价（元）')).toBe('1234.56');
    expect(at('类型')).toBe('商品');
    expect(at('支付方式')).toBe('余额');

    const en = (await download(b, 'format=csv&dataset=orders&lang=en')).body;
    const [enHead, enRow] = en.slice(1).trim().split('\r\n');
    const enCols = enHead.split(',');
    const enCells = enRow.split(',');
    expect(enCells[enCols.indexOf('Total (CNY ¥)')]).toBe('2469.12');
    expect(enCells[enCols.indexOf('Kind')]).toBe('Goods');
    expect(enCells[enCols.indexOf('State')]).toBe('Completed');

    const keys = (await download(b, 'format=csv&dataset=keys&lang=en')).body;
    expect(keys).toContain('Delivered (sealed)');
    expect(keys).not.toContain('DELIVERED');
    expect(keys).not.toContain('secret');
  });
});
