/**
 * A buyer's records (spec §10, 电子商务法 §31): orders, payments and payouts, key timelines and
 * after-sales requests — as
 * one XLSX workbook or one CSV per dataset. Never a key secret: serials are masked exactly as the
 * pages show them. Codes read as words in the request's language (zh-CN or en); times are
 * Asia/Shanghai; money is yuan as numbers Excel can sum (numeric cells formatted ¥#,##0.00 in XLSX,
 * plain decimals under a header naming the unit in CSV).
 */
import ExcelJS from 'exceljs';
import type { Db } from '../../platform/db/dialect.js';
import { fenToYuan } from '../../platform/money.js';
import type { Actor } from '../../platform/actor.js';
import { shanghaiDate, shanghaiDateTime } from '../../platform/calendar.js';
import { inert } from '../../platform/spreadsheet.js';
import {
  DECISION_CODES,
  KEY_EVENTS,
  MEMBER_LEVELS,
  ORDER_KINDS,
  ORDER_STATES,
  PAYMENT_METHODS,
  PAYMENT_STATES,
  PAYOUT_STATES,
  PROVIDERS,
  REFUND_REASON_LABELS,
  REFUND_SCOPES,
  REQUEST_STATES,
  actorLabel,
  destinationLabel,
  label,
  pick,
  type Lang,
  type Pair,
} from '../../platform/labels.js';
import { fail } from '../../platform/errors.js';

export type ExportFormat = 'csv' | 'xlsx';
export type Dataset = 'orders' | 'payments' | 'keys' | 'refunds';

const time = (iso: string | null): string => (iso ? shanghaiDateTime(new Date(iso)) : '');

/** Money in a cell: integer fen, written as yuan (a number in XLSX, a plain decimal in CSV). */
interface Money {
  fen: number;
}
const money = (fen: number | null): Money | '' => (fen === null ? '' : { fen: Number(fen) });
type Cell = string | number | Money;
const isMoney = (v: Cell): v is Money => typeof v === 'object';

interface Column {
  /** Header in both languages; the money columns say their unit. */
  header: Pair;
  key: string;
  width: number;
  money?: true;
}

interface Sheet {
  name: Pair;
  columns: Column[];
  rows: Record<string, Cell>[];
}

const YUAN_ZH = '（元）';
const YUAN_EN = ' (CNY ¥)';
/** A money column: its header names the unit (元 / CNY). */
const moneyCol = (zh: string, en: string, key: string, width = 12): Column => ({
  header: { zh: zh + YUAN_ZH, en: en + YUAN_EN },
  key,
  width,
  money: true,
});
const col = (zh: string, en: string, key: string, width: number): Column => ({
  header: { zh, en },
  key,
  width,
});

async function ordersSheet(db: Db, buyerId: string, lang: Lang): Promise<Sheet> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('buyer_id', '=', buyerId)
    .orderBy('id')
    .execute();
  const product = (o: (typeof rows)[number]): string => {
    if (o.product_name) return o.product_name;
    if (o.kind === 'MEMBERSHIP') return label(MEMBER_LEVELS, o.membership_level ?? 'VIP', lang);
    return label(ORDER_KINDS, o.kind, lang);
  };
  return {
    name: { zh: '订单', en: 'Orders' },
    columns: [
      col('订单号', 'Order no', 'orderNo', 22),
      col('类型', 'Kind', 'kind', 12),
      col('商品', 'Goods', 'product', 28),
      moneyCol('面额', 'Face value', 'face'),
      col('有效期(天)', 'Validity (days)', 'validity', 10),
      col('数量(件)', 'Quantity (units)', 'qty', 8),
      moneyCol('单价', 'Unit price', 'unit'),
      moneyCol('金额', 'Total', 'total'),
      col('会员等级', 'Member level', 'level', 12),
      col('支付方式', 'Payment method', 'method', 12),
      col('状态', 'State', 'state', 12),
      col('退款规则版本', 'Policy version', 'policyVersion', 10),
      col('规则文本哈希', 'Policy text hash', 'policyHash', 66),
      col('确认时间', 'Confirmed at', 'confirmed', 20),
      col('下单时间', 'Created at', 'created', 20),
      col('支付时间', 'Paid at', 'paid', 20),
      col('发货时间', 'Delivered at', 'delivered', 20),
    ],
    rows: rows.map((o) => ({
      orderNo: o.order_no,
      kind: label(ORDER_KINDS, o.kind, lang),
      product: product(o),
      face: money(o.face_value_fen),
      validity: o.validity_days ?? '',
      qty: o.quantity,
      unit: money(o.unit_price_fen),
      total: money(o.total_fen),
      level: label(MEMBER_LEVELS, o.buyer_level, lang),
      method: label(PAYMENT_METHODS, o.payment_method, lang),
      state: label(ORDER_STATES, o.state, lang),
      policyVersion: o.policy_version ?? '',
      policyHash: o.policy_text_hash ?? '',
      confirmed: time(o.policy_confirmed_at),
      created: time(o.created_at),
      paid: time(o.paid_at),
      delivered: time(o.delivered_at),
    })),
  };
}

async function paymentsSheet(db: Db, buyerId: string, lang: Lang): Promise<Sheet> {
  const payments = await db
    .selectFrom('payments')
    .innerJoin('orders', 'orders.id', 'payments.order_id')
    .select([
      'orders.order_no',
      'payments.method',
      'payments.provider',
      'payments.amount_fen',
      'payments.state',
      'payments.provider_trade_no',
      'payments.paid_at',
      'payments.created_at',
    ])
    .where('payments.buyer_id', '=', buyerId)
    .orderBy('payments.id')
    .execute();
  const payouts = await db
    .selectFrom('payouts')
    .innerJoin('orders', 'orders.id', 'payouts.order_id')
    .select([
      'orders.order_no',
      'payouts.provider',
      'payouts.amount_fen',
      'payouts.state',
      'payouts.destination',
      'payouts.provider_refund_id',
      'payouts.finished_at',
      'payouts.created_at',
      'payouts.purpose',
    ])
    .where('payouts.buyer_id', '=', buyerId)
    .orderBy('payouts.id')
    .execute();
  // A balance payment has no gateway: its provider reads as the method (余额).
  const provider = (p: string, method?: string): string =>
    method === 'BALANCE' ? label(PAYMENT_METHODS, method, lang) : label(PROVIDERS, p, lang);
  return {
    name: { zh: '支付与退款', en: 'Payments' },
    columns: [
      col('订单号', 'Order no', 'orderNo', 22),
      col('方向', 'Direction', 'direction', 14),
      col('渠道', 'Provider', 'provider', 18),
      moneyCol('金额', 'Amount', 'amount'),
      col('状态', 'State', 'state', 12),
      col('渠道单号', 'Provider reference', 'reference', 34),
      col('去向', 'Destination', 'destination', 26),
      col('创建时间', 'Created at', 'created', 20),
      col('完成时间', 'Finished at', 'finished', 20),
    ],
    rows: [
      ...payments.map((p) => ({
        orderNo: p.order_no,
        direction: pick({ zh: '支付', en: 'Payment' }, lang),
        provider: provider(p.provider, p.method),
        amount: money(p.amount_fen),
        state: label(PAYMENT_STATES, p.state, lang),
        reference: p.provider_trade_no ?? '',
        destination: '',
        created: time(p.created_at),
        finished: time(p.paid_at),
      })),
      ...payouts.map((p) => ({
        orderNo: p.order_no,
        direction: pick(
          p.purpose === 'LATE_PAYMENT'
            ? { zh: '超时支付自动退回', en: 'Late payment returned' }
            : { zh: '退款', en: 'Refund' },
          lang,
        ),
        provider: provider(p.provider),
        amount: money(p.amount_fen),
        state: label(PAYOUT_STATES, p.state, lang),
        reference: p.provider_refund_id ?? '',
        destination: destinationLabel(p.destination, lang),
        created: time(p.created_at),
        finished: time(p.finished_at),
      })),
    ],
  };
}

async function keysSheet(db: Db, buyerId: string, lang: Lang): Promise<Sheet> {
  const rows = await db
    .selectFrom('key_events')
    .innerJoin('units', 'units.id', 'key_events.unit_id')
    .innerJoin('keys', 'keys.id', 'key_events.key_id')
    .leftJoin('orders', 'orders.id', 'units.order_id')
    .select([
      'orders.order_no',
      'units.id as unit_id',
      'units.order_id',
      'keys.serial_masked',
      'key_events.kind',
      'key_events.at',
      'key_events.actor_role',
    ])
    .where('units.buyer_id', '=', buyerId)
    .where('key_events.kind', '<>', 'BREAK_GLASS_REVEAL')
    .orderBy('key_events.at')
    .orderBy('key_events.id')
    .execute();
  // People read "the 2nd unit of order K…", not a UUID: units numbered within their order.
  const unitNo = new Map<string, number>();
  const byOrder = new Map<string, string[]>();
  for (const r of rows) {
    const list = byOrder.get(r.order_id ?? '') ?? [];
    if (!list.includes(r.unit_id)) list.push(r.unit_id);
    byOrder.set(r.order_id ?? '', list);
  }
  for (const list of byOrder.values()) [...list].sort().forEach((u, i) => unitNo.set(u, i + 1));
  return {
    name: { zh: '卡密记录', en: 'Key timelines' },
    columns: [
      col('订单号', 'Order no', 'orderNo', 22),
      col('第几件', 'Unit no', 'unit', 8),
      col('卡号(脱敏)', 'Serial (masked)', 'serial', 24),
      col('事件', 'Event', 'kind', 18),
      col('时间', 'Time', 'at', 20),
      col('操作方', 'By', 'by', 12),
    ],
    rows: rows.map((r) => ({
      orderNo: r.order_no ?? '',
      unit: unitNo.get(r.unit_id) ?? '',
      serial: r.serial_masked,
      kind: label(KEY_EVENTS, r.kind, lang),
      at: time(r.at),
      by: actorLabel(r.actor_role, lang),
    })),
  };
}

async function refundsSheet(db: Db, buyerId: string, lang: Lang): Promise<Sheet> {
  const rows = await db
    .selectFrom('refund_requests')
    .innerJoin('orders', 'orders.id', 'refund_requests.order_id')
    .select([
      'refund_requests.request_no',
      'orders.order_no',
      'refund_requests.scope',
      'refund_requests.reason',
      'refund_requests.amount_fen',
      'refund_requests.state',
      'refund_requests.submissions',
      'refund_requests.decision_code',
      'refund_requests.decided_role',
      'refund_requests.decided_at',
      'refund_requests.review_due_at',
      'refund_requests.created_at',
      'refund_requests.closed_at',
      'refund_requests.description',
    ])
    .select((eb) =>
      eb
        .selectFrom('refund_request_units')
        .select((e2) => e2.fn.countAll<number>().as('n'))
        .whereRef('refund_request_units.request_id', '=', 'refund_requests.id')
        .as('units'),
    )
    .where('refund_requests.buyer_id', '=', buyerId)
    .orderBy('refund_requests.id')
    .execute();
  return {
    name: { zh: '售后', en: 'Refunds' },
    columns: [
      col('售后单号', 'Request no', 'requestNo', 22),
      col('订单号', 'Order no', 'orderNo', 22),
      col('范围', 'Scope', 'scope', 10),
      col('件数', 'Units', 'units', 8),
      col('原因', 'Reason', 'reason', 24),
      moneyCol('金额', 'Amount', 'amount'),
      col('状态', 'State', 'state', 16),
      col('提交次数', 'Submissions', 'submissions', 8),
      col('处理结果', 'Decision', 'decision', 30),
      col('处理方', 'Decided by', 'by', 12),
      col('处理时间', 'Decided at', 'decided', 20),
      col('审核期限', 'Review due', 'due', 20),
      col('申请时间', 'Created at', 'created', 20),
      col('结束时间', 'Closed at', 'closed', 20),
      col('说明', 'Description', 'description', 40),
    ],
    rows: rows.map((r) => ({
      requestNo: r.request_no,
      orderNo: r.order_no,
      scope: label(REFUND_SCOPES, r.scope, lang),
      units: Number(r.units ?? 0),
      reason: label(REFUND_REASON_LABELS, r.reason, lang),
      amount: money(r.amount_fen),
      state: label(REQUEST_STATES, r.state, lang),
      submissions: r.submissions,
      decision: label(DECISION_CODES, r.decision_code, lang),
      by: actorLabel(r.decided_role, lang),
      decided: time(r.decided_at),
      due: time(r.review_due_at),
      created: time(r.created_at),
      closed: time(r.closed_at),
      description: r.description,
    })),
  };
}

const builders: Record<Dataset, (db: Db, buyerId: string, lang: Lang) => Promise<Sheet>> = {
  orders: ordersSheet,
  payments: paymentsSheet,
  keys: keysSheet,
  refunds: refundsSheet,
};

/** Excel's money format: sums and sorts as numbers, shows ¥1,234.50. */
export const YUAN_FORMAT = '¥#,##0.00';

// A merchant-chosen product name could start like a formula: text cells are made inert.
// Money is fen/100 as a number (exact to the cent at these magnitudes; the format shows two decimals).
const xlsxCell = (v: Cell): string | number =>
  isMoney(v) ? v.fen / 100 : typeof v === 'string' ? inert(v) : v;

function addSheet(wb: ExcelJS.Workbook, s: Sheet, lang: Lang): void {
  const ws = wb.addWorksheet(pick(s.name, lang));
  ws.columns = s.columns.map((c) => ({
    header: pick(c.header, lang),
    key: c.key,
    width: c.width,
    ...(c.money ? { style: { numFmt: YUAN_FORMAT } } : {}),
  }));
  ws.getRow(1).font = { bold: true };
  ws.addRows(s.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, xlsxCell(v)]))));
}

const csvQuote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
// CSV money is a plain decimal ("1234.50", no ¥ or grouping): the header names the unit.
const csvCell = (v: Cell): string =>
  isMoney(v) ? fenToYuan(v.fen) : typeof v === 'number' ? String(v) : csvQuote(inert(v));

function toCsv(s: Sheet, lang: Lang): Buffer {
  const lines = [
    s.columns.map((c) => csvQuote(pick(c.header, lang))).join(','),
    ...s.rows.map((r) => s.columns.map((c) => csvCell(r[c.key] ?? '')).join(',')),
  ];
  // UTF-8 with a BOM so Excel reads Chinese.
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** XLSX: every dataset as a sheet. CSV: one dataset. Labels in `lang`; money as numbers. */
export async function exportRecords(
  db: Db,
  buyerId: string,
  format: ExportFormat,
  dataset: Dataset = 'orders',
  lang: Lang = 'zh-CN',
): Promise<Buffer> {
  if (format === 'csv') return toCsv(await builders[dataset](db, buyerId, lang), lang);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Kameng';
  for (const build of Object.values(builders)) addSheet(wb, await build(db, buyerId, lang), lang);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A buyer's records as a download: the file, its name (with the Shanghai date) and type. */
export async function recordsDownload(
  ctx: { db: Db; clock: { now(): Date } },
  buyer: Actor,
  format: ExportFormat,
  dataset: Dataset,
  lang: Lang = 'zh-CN',
): Promise<{ body: Buffer; fileName: string; contentType: string }> {
  if (buyer.kind !== 'user' || buyer.role !== 'buyer') fail('order.buyers_only');
  const body = await exportRecords(ctx.db, buyer.id, format, dataset, lang);
  const stamp = shanghaiDate(ctx.clock.now());
  return format === 'xlsx'
    ? {
        body,
        fileName: `kameng-records-${stamp}.xlsx`,
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      }
    : { body, fileName: `kameng-${dataset}-${stamp}.csv`, contentType: 'text/csv; charset=utf-8' };
}
