/**
 * A buyer's records (spec §10, 电子商务法 §31): orders, payments and payouts, key timelines and
 * after-sales requests — as
 * one XLSX workbook or one CSV per dataset, built with exceljs. Never a key secret: serials are
 * masked exactly as the pages show them. Times are Asia/Shanghai, money is yuan with two decimals.
 */
import ExcelJS from 'exceljs';
import type { Db } from '../../platform/db/dialect.js';
import { fenToYuan } from '../../platform/money.js';
import type { Actor } from '../../platform/actor.js';
import { shanghaiDate, shanghaiDateTime } from '../../platform/calendar.js';
import { inert } from '../../platform/spreadsheet.js';
import { fail } from '../../platform/errors.js';

export type ExportFormat = 'csv' | 'xlsx';
export type Dataset = 'orders' | 'payments' | 'keys' | 'refunds';

const time = (iso: string | null): string => (iso ? shanghaiDateTime(new Date(iso)) : '');
const yuan = (fen: number | null): string => (fen === null ? '' : fenToYuan(fen));

interface Sheet {
  name: string;
  columns: { header: string; key: string; width: number }[];
  rows: Record<string, string | number>[];
}

async function ordersSheet(db: Db, buyerId: string): Promise<Sheet> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('buyer_id', '=', buyerId)
    .orderBy('id')
    .execute();
  return {
    name: '订单 Orders',
    columns: [
      { header: '订单号 Order no', key: 'orderNo', width: 22 },
      { header: '类型 Kind', key: 'kind', width: 12 },
      { header: '商品 Goods', key: 'product', width: 28 },
      { header: '面额 Face value (¥)', key: 'face', width: 12 },
      { header: '有效期(天) Validity (days)', key: 'validity', width: 10 },
      { header: '数量 Qty', key: 'qty', width: 8 },
      { header: '单价 Unit price (¥)', key: 'unit', width: 12 },
      { header: '金额 Total (¥)', key: 'total', width: 12 },
      { header: '会员等级 Level', key: 'level', width: 10 },
      { header: '支付方式 Method', key: 'method', width: 10 },
      { header: '状态 State', key: 'state', width: 16 },
      { header: '退款规则版本 Policy version', key: 'policyVersion', width: 10 },
      { header: '规则文本哈希 Policy text hash', key: 'policyHash', width: 66 },
      { header: '确认时间 Confirmed at', key: 'confirmed', width: 20 },
      { header: '下单时间 Created at', key: 'created', width: 20 },
      { header: '支付时间 Paid at', key: 'paid', width: 20 },
      { header: '发货时间 Delivered at', key: 'delivered', width: 20 },
    ],
    rows: rows.map((o) => ({
      orderNo: o.order_no,
      kind: o.kind,
      product:
        o.product_name ?? (o.kind === 'MEMBERSHIP' ? `会员 ${o.membership_level ?? ''}` : '余额充值 top-up'),
      face: yuan(o.face_value_fen),
      validity: o.validity_days ?? '',
      qty: o.quantity,
      unit: yuan(o.unit_price_fen),
      total: yuan(o.total_fen),
      level: o.buyer_level,
      method: o.payment_method,
      state: o.state,
      policyVersion: o.policy_version ?? '',
      policyHash: o.policy_text_hash ?? '',
      confirmed: time(o.policy_confirmed_at),
      created: time(o.created_at),
      paid: time(o.paid_at),
      delivered: time(o.delivered_at),
    })),
  };
}

async function paymentsSheet(db: Db, buyerId: string): Promise<Sheet> {
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
      'payouts.id',
      'payouts.finished_at',
      'payouts.created_at',
      'payouts.purpose',
    ])
    .where('payouts.buyer_id', '=', buyerId)
    .orderBy('payouts.id')
    .execute();
  return {
    name: '支付与退款 Payments',
    columns: [
      { header: '订单号 Order no', key: 'orderNo', width: 22 },
      { header: '方向 Direction', key: 'direction', width: 12 },
      { header: '渠道 Provider', key: 'provider', width: 16 },
      { header: '金额 Amount (¥)', key: 'amount', width: 12 },
      { header: '状态 State', key: 'state', width: 12 },
      { header: '渠道单号 Reference', key: 'reference', width: 40 },
      { header: '去向 Destination', key: 'destination', width: 24 },
      { header: '创建时间 Created at', key: 'created', width: 20 },
      { header: '完成时间 Finished at', key: 'finished', width: 20 },
    ],
    rows: [
      ...payments.map((p) => ({
        orderNo: p.order_no,
        direction: '支付 payment',
        provider: p.provider,
        amount: yuan(p.amount_fen),
        state: p.state,
        reference: p.provider_trade_no ?? '',
        destination: '',
        created: time(p.created_at),
        finished: time(p.paid_at),
      })),
      ...payouts.map((p) => ({
        orderNo: p.order_no,
        direction: p.purpose === 'LATE_PAYMENT' ? '自动退款 auto refund' : '退款 refund',
        provider: p.provider,
        amount: yuan(p.amount_fen),
        state: p.state,
        reference: p.id,
        destination: p.destination ?? '',
        created: time(p.created_at),
        finished: time(p.finished_at),
      })),
    ],
  };
}

async function keysSheet(db: Db, buyerId: string): Promise<Sheet> {
  const rows = await db
    .selectFrom('key_events')
    .innerJoin('units', 'units.id', 'key_events.unit_id')
    .innerJoin('keys', 'keys.id', 'key_events.key_id')
    .leftJoin('orders', 'orders.id', 'units.order_id')
    .select([
      'orders.order_no',
      'units.id as unit_id',
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
  return {
    name: '卡密记录 Key timelines',
    columns: [
      { header: '订单号 Order no', key: 'orderNo', width: 22 },
      { header: '单元 Unit', key: 'unit', width: 38 },
      { header: '卡号(脱敏) Serial (masked)', key: 'serial', width: 24 },
      { header: '事件 Event', key: 'kind', width: 14 },
      { header: '时间 Time', key: 'at', width: 20 },
      { header: '操作方 By', key: 'by', width: 18 },
    ],
    rows: rows.map((r) => ({
      orderNo: r.order_no ?? '',
      unit: r.unit_id,
      serial: r.serial_masked,
      kind: r.kind,
      at: time(r.at),
      by: r.actor_role,
    })),
  };
}

async function refundsSheet(db: Db, buyerId: string): Promise<Sheet> {
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
    name: '售后 Refunds',
    columns: [
      { header: '售后单号 Request no', key: 'requestNo', width: 22 },
      { header: '订单号 Order no', key: 'orderNo', width: 22 },
      { header: '范围 Scope', key: 'scope', width: 8 },
      { header: '件数 Units', key: 'units', width: 8 },
      { header: '原因 Reason', key: 'reason', width: 24 },
      { header: '金额 Amount (¥)', key: 'amount', width: 12 },
      { header: '状态 State', key: 'state', width: 16 },
      { header: '提交次数 Submissions', key: 'submissions', width: 8 },
      { header: '处理结果 Decision', key: 'decision', width: 22 },
      { header: '处理方 By', key: 'by', width: 10 },
      { header: '处理时间 Decided at', key: 'decided', width: 20 },
      { header: '审核期限 Review due', key: 'due', width: 20 },
      { header: '申请时间 Created at', key: 'created', width: 20 },
      { header: '结束时间 Closed at', key: 'closed', width: 20 },
      { header: '说明 Description', key: 'description', width: 40 },
    ],
    rows: rows.map((r) => ({
      requestNo: r.request_no,
      orderNo: r.order_no,
      scope: r.scope,
      units: Number(r.units ?? 0),
      reason: r.reason,
      amount: yuan(r.amount_fen),
      state: r.state,
      submissions: r.submissions,
      decision: r.decision_code ?? '',
      by: r.decided_role ?? '',
      decided: time(r.decided_at),
      due: time(r.review_due_at),
      created: time(r.created_at),
      closed: time(r.closed_at),
      description: r.description,
    })),
  };
}

const builders: Record<Dataset, (db: Db, buyerId: string) => Promise<Sheet>> = {
  orders: ordersSheet,
  payments: paymentsSheet,
  keys: keysSheet,
  refunds: refundsSheet,
};

// A merchant-chosen product name could start like a formula: text cells are made inert.
const cellOf = (v: string | number): string | number => (typeof v === 'string' ? inert(v) : v);

function addSheet(wb: ExcelJS.Workbook, s: Sheet): void {
  const ws = wb.addWorksheet(s.name);
  ws.columns = s.columns;
  ws.getRow(1).font = { bold: true };
  ws.addRows(s.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cellOf(v)]))));
}

/** XLSX: every dataset as a sheet. CSV: one dataset, UTF-8 with a BOM so Excel reads Chinese. */
export async function exportRecords(
  db: Db,
  buyerId: string,
  format: ExportFormat,
  dataset: Dataset = 'orders',
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Kameng';
  if (format === 'xlsx') {
    for (const build of Object.values(builders)) addSheet(wb, await build(db, buyerId));
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  addSheet(wb, await builders[dataset](db, buyerId));
  const csv = Buffer.from(await wb.csv.writeBuffer());
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), csv]);
}

/** A buyer's records as a download: the file, its name (with the Shanghai date) and type. */
export async function recordsDownload(
  ctx: { db: Db; clock: { now(): Date } },
  buyer: Actor,
  format: ExportFormat,
  dataset: Dataset,
): Promise<{ body: Buffer; fileName: string; contentType: string }> {
  if (buyer.kind !== 'user' || buyer.role !== 'buyer') fail('order.buyers_only');
  const body = await exportRecords(ctx.db, buyer.id, format, dataset);
  const stamp = shanghaiDate(ctx.clock.now());
  return format === 'xlsx'
    ? {
        body,
        fileName: `kameng-records-${stamp}.xlsx`,
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      }
    : { body, fileName: `kameng-${dataset}-${stamp}.csv`, contentType: 'text/csv; charset=utf-8' };
}
