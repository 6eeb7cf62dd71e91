/** Read side of the inventory: stock, masked key lists, key timelines, a buyer's units. */
import { keyStateSchema } from './lifecycle.js';
import { productFor, shopOf } from '../catalog/index.js';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now } from '../../platform/db/dialect.js';
import type { KeyState, Row } from '../../platform/db/schema.js';
import { fail, messagesFor, type ErrorCode } from '../../platform/errors.js';
import { actingMerchant, authorize } from '../accounts/index.js';
import { appendAudit } from '../../platform/audit.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const messagesSchema = z.object({ 'zh-CN': z.string(), en: z.string() });

export const stockSchema = z
  .object({
    productId: z.string(),
    available: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
    invalid: z.number().int(),
    voided: z.number().int(),
    /** Keys reported used while still in stock or reserved: never sold, never sellable. */
    activatedUnsold: z.number().int(),
    lowStockThreshold: z.number().int().nullable(),
    lowStock: z.boolean(),
  })
  .meta({ id: 'Stock' });
export type Stock = z.infer<typeof stockSchema>;

export const keyRowSchema = z
  .object({
    id: z.string(),
    state: keyStateSchema,
    serialMasked: z.string(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    firstRevealedAt: z.string().nullable(),
    activatedAt: z.string().nullable(),
    activatedBeforeDelivery: z.boolean(),
  })
  .meta({ id: 'KeyRow' });

export const timelineSchema = z
  .object({
    key: z.object({
      id: z.string(),
      productId: z.string(),
      state: keyStateSchema,
      serialMasked: z.string(),
      activatedBeforeDelivery: z.boolean(),
      partiallyUsed: z.boolean(),
    }),
    events: z.array(
      z.object({
        at: z.string(),
        kind: z.string(),
        actor: z.string(),
        ip: z.string().optional(),
        userAgent: z.string().optional(),
        detail: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'KeyTimeline' });

export const batchSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    status: z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'INTERRUPTED']),
    source: z.enum(['API', 'CLI']),
    fileName: z.string().nullable(),
    format: z.enum(['auto', 'text', 'csv']),
    bytesTotal: z.number().int(),
    bytesRead: z.number().int(),
    linesRead: z.number().int(),
    imported: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    error: z.object({ code: z.string(), messages: messagesSchema }).nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    rejects: z.array(z.object({ lineNo: z.number().int(), reason: z.string(), messages: messagesSchema })),
    rejectsTruncated: z.boolean(),
  })
  .meta({ id: 'KeyBatch' });
export type BatchView = z.infer<typeof batchSchema>;

export const REJECT_MESSAGES: Record<string, { 'zh-CN': string; en: string }> = {
  INVALID_ENCODING: {
    'zh-CN': '编码无法识别（仅支持 UTF-8 / GBK）',
    en: 'Unrecognised encoding (UTF-8 or GBK only)',
  },
  CONTROL_CHARACTERS: {
    'zh-CN': '含有控制字符或二进制内容',
    en: 'Contains control characters or binary data',
  },
  LINE_TOO_LONG: { 'zh-CN': '行过长', en: 'Line too long' },
  MISSING_PASSWORD: { 'zh-CN': '缺少密码', en: 'Password missing' },
  TOO_MANY_FIELDS: { 'zh-CN': '字段过多', en: 'Too many fields' },
  FIELD_TOO_LONG: { 'zh-CN': '字段过长', en: 'Field too long' },
  EMPTY_FIELD: { 'zh-CN': '字段为空', en: 'Empty field' },
  CSV_QUOTE_ERROR: { 'zh-CN': 'CSV 引号不匹配', en: 'Unbalanced CSV quote' },
  DUPLICATE_IN_BATCH: {
    'zh-CN': '与本文件中前面的卡密重复',
    en: 'Duplicate of an earlier line in this file',
  },
  DUPLICATE_EXISTING: { 'zh-CN': '与平台已有卡密重复', en: 'Duplicate of a key already on the platform' },
};

const REPORT_REJECTS = 200;

export async function batchView(ctx: DataContext, batch: Row<'key_batches'>): Promise<BatchView> {
  const rejects = await ctx.db
    .selectFrom('key_batch_rejects')
    .select(['line_no', 'reason'])
    .where('batch_id', '=', batch.id)
    .orderBy('line_no')
    .limit(REPORT_REJECTS)
    .execute();
  const problems = batch.rejected + batch.duplicates;
  return {
    id: batch.id,
    productId: batch.product_id,
    status: batch.status,
    source: batch.source,
    fileName: batch.file_name,
    format: batch.format,
    bytesTotal: batch.bytes_total,
    bytesRead: batch.bytes_read,
    linesRead: batch.lines_read,
    imported: batch.imported,
    duplicates: batch.duplicates,
    rejected: batch.rejected,
    error: batch.error_code
      ? { code: batch.error_code, messages: messagesFor(batch.error_code as ErrorCode, { limit: '' }) }
      : null,
    createdAt: batch.created_at,
    finishedAt: batch.finished_at,
    rejects: rejects.map((r) => ({
      lineNo: r.line_no,
      reason: r.reason,
      messages: REJECT_MESSAGES[r.reason] ?? { 'zh-CN': r.reason, en: r.reason },
    })),
    rejectsTruncated: problems > rejects.length,
  };
}

export async function getBatch(ctx: DataContext, actor: Actor, id: string): Promise<BatchView> {
  const batch = await ctx.db.selectFrom('key_batches').selectAll().where('id', '=', id).executeTakeFirst();
  if (!batch) fail('inventory.batch_not_found');
  authorize(
    actor,
    'read',
    { type: 'shop_record', merchantId: batch.merchant_id },
    'inventory.batch_not_found',
  );
  return batchView(ctx, batch);
}

export async function listBatches(
  ctx: DataContext,
  actor: Actor,
  productId: string | undefined,
): Promise<BatchView[]> {
  const merchantId = shopOf(actor);
  let q = ctx.db.selectFrom('key_batches').selectAll().where('merchant_id', '=', merchantId);
  if (productId) q = q.where('product_id', '=', productId);
  const rows = await q.orderBy('created_at', 'desc').limit(50).execute();
  return Promise.all(rows.map((b) => batchView(ctx, b)));
}

const SOLD: KeyState[] = ['SEALED', 'REVEALED', 'ACTIVATED'];

/** The stock of the actor's own shop, per product. */
export const myStock = (ctx: DataContext, actor: Actor): Promise<Stock[]> => stockOf(ctx, shopOf(actor));

export async function stockOf(ctx: DataContext, merchantId: string, productId?: string): Promise<Stock[]> {
  let products = ctx.db
    .selectFrom('products')
    .select(['id', 'low_stock_threshold'])
    .where('merchant_id', '=', merchantId);
  if (productId) products = products.where('id', '=', productId);
  const rows = await products.execute();
  if (rows.length === 0) return [];
  const counts = await ctx.db
    .selectFrom('keys')
    .select([
      'product_id',
      'state',
      sql<number>`case when delivered_at is null then 0 else 1 end`.as('delivered'),
      (eb) => eb.fn.countAll().as('n'),
    ])
    .where(
      'product_id',
      'in',
      rows.map((r) => r.id),
    )
    .groupBy(['product_id', 'state', sql`case when delivered_at is null then 0 else 1 end`])
    .execute();
  return rows.map((p) => {
    const n = (states: KeyState[], delivered?: boolean) =>
      counts
        .filter(
          (c) =>
            c.product_id === p.id &&
            states.includes(c.state) &&
            (delivered === undefined || (Number(c.delivered) === 1) === delivered),
        )
        .reduce((sum, c) => sum + Number(c.n), 0);
    const available = n(['AVAILABLE']);
    return {
      productId: p.id,
      available,
      reserved: n(['RESERVED']),
      // sold = delivered to a buyer; a key activated in stock was never sold
      sold: n(SOLD, true),
      invalid: n(['INVALID']),
      voided: n(['VOIDED']),
      activatedUnsold: n(['ACTIVATED'], false),
      lowStockThreshold: p.low_stock_threshold,
      lowStock: p.low_stock_threshold !== null && available <= p.low_stock_threshold,
    };
  });
}

export async function setLowStockThreshold(
  ctx: DataContext,
  actor: Actor,
  productId: string,
  threshold: number | null,
): Promise<Stock> {
  const product = await productFor(ctx.db, actor, 'update', productId);
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    await trx
      .updateTable('products')
      .set({ low_stock_threshold: threshold, updated_at: now(at) })
      .where('id', '=', productId)
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'product.low_stock_threshold_set',
      objectType: 'product',
      objectId: productId,
      data: { threshold },
      at,
    });
  });
  return (await stockOf(ctx, product.merchant_id, productId))[0];
}

export function toKeyRow(k: Row<'keys'>): z.infer<typeof keyRowSchema> {
  return {
    id: k.id,
    state: k.state,
    serialMasked: k.serial_masked,
    createdAt: k.created_at,
    deliveredAt: k.delivered_at,
    firstRevealedAt: k.first_revealed_at,
    activatedAt: k.activated_at,
    activatedBeforeDelivery: k.activated_before_delivery === 1,
  };
}

export async function listProductKeys(
  ctx: DataContext,
  actor: Actor,
  productId: string,
  filter: { state?: KeyState | undefined; limit: number; after?: string | undefined },
) {
  // The shop's keys are its records: its owner and staff read them (masked), others get the 404.
  const product = await productFor(ctx.db, actor, 'read', productId);
  authorize(
    actor,
    'read',
    { type: 'shop_record', merchantId: product.merchant_id },
    'catalog.product_not_found',
  );
  let q = ctx.db.selectFrom('keys').selectAll().where('product_id', '=', productId);
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.after) q = q.where('id', '>', filter.after);
  return (await q.orderBy('id').limit(filter.limit).execute()).map(toKeyRow);
}

/**
 * A key's history. The buyer sees their own unit's key with their reveal IPs; the merchant sees
 * its keys without buyers' IPs; support and admins see everything. Never the secret.
 */
export async function timeline(
  ctx: DataContext,
  actor: Actor,
  where: { keyId: string } | { unitId: string },
) {
  const isStaff = actor.kind === 'user' && (actor.role === 'support' || actor.role === 'admin');
  let q = ctx.db
    .selectFrom('keys')
    .innerJoin('products', 'products.id', 'keys.product_id')
    .selectAll('keys')
    .select('products.type as product_type');
  q = 'keyId' in where ? q.where('keys.id', '=', where.keyId) : q.where('keys.unit_id', '=', where.unitId);
  let keys = await q.execute();
  const notFound: ErrorCode = 'keyId' in where ? 'inventory.key_not_found' : 'inventory.unit_not_found';
  // A unit refunded while sealed (or released unpaid) no longer holds its key: the key went back
  // to stock and may since be another buyer's. The unit's own events still name it, so the unit's
  // buyer sees the history up to and including the return — never the key's state after it.
  let released: { unitId: string; buyerId: string } | null = null;
  if (keys.length === 0 && 'unitId' in where) {
    const last = await ctx.db
      .selectFrom('key_events')
      .innerJoin('units', 'units.id', 'key_events.unit_id')
      .select(['key_events.key_id', 'units.buyer_id'])
      .where('key_events.unit_id', '=', where.unitId)
      .orderBy('key_events.at', 'desc')
      .orderBy('key_events.id', 'desc')
      .executeTakeFirst();
    if (last) {
      released = { unitId: where.unitId, buyerId: last.buyer_id };
      keys = await q.clearWhere().where('keys.id', '=', last.key_id).execute();
    }
  }
  const key = keys.find((k) => k.state !== 'INVALID') ?? keys[0];
  if (!key) fail(notFound);
  const isBuyer = actor.kind === 'user' && (released ? released.buyerId : key.buyer_id) === actor.id;
  const isOwner = actingMerchant(actor) === key.merchant_id;
  if (!isStaff && !isOwner && !(isBuyer && 'unitId' in where)) fail(notFound);
  const all = await ctx.db
    .selectFrom('key_events')
    .selectAll()
    .where('key_id', '=', key.id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  // The buyer sees their own unit's history only: not a previous holder's (a key returned to
  // stock and sold again), not staff break-glass reads, and IP addresses of their own actions.
  const buyerView = !isStaff && !isOwner;
  const buyerId = actor.kind === 'user' ? actor.id : null;
  const unitId = released ? released.unitId : key.unit_id;
  const events = buyerView ? all.filter((e) => e.unit_id === unitId && e.kind !== 'BREAK_GLASS_REVEAL') : all;
  // Released to the buyer's view: the key as it left the unit (back in stock, never activated —
  // only a sealed key returns), not as it is now.
  const state: KeyState = released && buyerView ? 'AVAILABLE' : key.state;
  return {
    key: {
      id: key.id,
      productId: key.product_id,
      state,
      serialMasked: key.serial_masked,
      activatedBeforeDelivery: key.activated_before_delivery === 1 && !(released && buyerView),
      partiallyUsed: state === 'ACTIVATED' && key.product_type === 'ENTITLEMENT',
    },
    events: [
      {
        at: key.created_at,
        kind: 'IMPORTED',
        actor: 'merchant',
        detail: `batch ${key.batch_id} line ${key.line_no}`,
      },
      ...events.map((e) => {
        const showIp = isStaff || (buyerView && e.actor_id === buyerId);
        return {
          at: e.at,
          kind: e.kind,
          // staff see who exactly (user or token id); others see the role
          actor: isStaff && e.actor_id ? `${e.actor_role} ${e.actor_id}` : e.actor_role,
          ...(showIp && e.ip ? { ip: e.ip } : {}),
          ...(showIp && e.user_agent ? { userAgent: e.user_agent } : {}),
          // break-glass reasons are for staff; other details are not sensitive
          ...(e.detail && (e.kind !== 'BREAK_GLASS_REVEAL' || isStaff) ? { detail: e.detail } : {}),
        };
      }),
    ],
  };
}

export const unitSchema = z
  .object({
    unitId: z.string(),
    productId: z.string(),
    productName: z.string(),
    productType: z.enum(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']),
    state: keyStateSchema,
    serialMasked: z.string(),
    deliveredAt: z.string().nullable(),
    firstRevealedAt: z.string().nullable(),
    activatedAt: z.string().nullable(),
    reveals: z.number().int(),
    policy: z.object({
      unactivatedRefund: z.boolean(),
      windowHours: z.number().int().nullable(),
      revealedRefund: z.boolean(),
      nonRefundable: z.boolean(),
      version: z.number().int(),
    }),
  })
  .meta({ id: 'BuyerUnit' });

/** The buyer's delivered units with the key state and the policy version they bought under. */
export async function myUnits(ctx: DataContext, actor: Actor) {
  if (actor.kind !== 'user') fail('auth.forbidden');
  const rows = await ctx.db
    .selectFrom('keys')
    .innerJoin('units', 'units.id', 'keys.unit_id')
    .innerJoin('products', 'products.id', 'units.product_id')
    .innerJoin('refund_policies', 'refund_policies.id', 'units.policy_id')
    .select([
      'keys.id as key_id',
      'units.id as unit_id',
      'products.id as product_id',
      'products.name as product_name',
      'products.type as product_type',
      'keys.state',
      'keys.serial_masked',
      'keys.delivered_at',
      'keys.first_revealed_at',
      'keys.activated_at',
      'refund_policies.unactivated_refund',
      'refund_policies.window_hours',
      'refund_policies.revealed_refund',
      'refund_policies.non_refundable',
      'refund_policies.version as policy_version',
    ])
    .where('units.buyer_id', '=', actor.id)
    .where('keys.state', 'in', ['SEALED', 'REVEALED', 'ACTIVATED', 'VOIDED'])
    .orderBy('keys.delivered_at', 'desc')
    .limit(500)
    .execute();
  const reveals = rows.length
    ? await ctx.db
        .selectFrom('key_events')
        .select(['key_id', (eb) => eb.fn.countAll().as('n')])
        .where('kind', '=', 'REVEALED')
        .where(
          'key_id',
          'in',
          rows.map((r) => r.key_id),
        )
        .groupBy('key_id')
        .execute()
    : [];
  const revealCount = new Map(reveals.map((r) => [r.key_id, Number(r.n)]));
  return rows.map((r) => ({
    unitId: r.unit_id,
    productId: r.product_id,
    productName: r.product_name,
    productType: r.product_type,
    state: r.state,
    serialMasked: r.serial_masked,
    deliveredAt: r.delivered_at,
    firstRevealedAt: r.first_revealed_at,
    activatedAt: r.activated_at,
    reveals: revealCount.get(r.key_id) ?? 0,
    policy: {
      unactivatedRefund: r.unactivated_refund === 1,
      windowHours: r.window_hours,
      revealedRefund: r.revealed_refund === 1,
      nonRefundable: r.non_refundable === 1,
      version: r.policy_version,
    },
  }));
}

/** Below this many available keys a product with no threshold of its own counts as low on stock. */
export const DEFAULT_LOW_STOCK = 10;

export const lowStockSchema = z.object({
  productId: z.string(),
  name: z.string(),
  status: z.enum(['DRAFT', 'ON_SALE', 'OFF_SALE']),
  available: z.number().int(),
  /** The product's own threshold, or null when the default (fewer than 10) applies. */
  lowStockThreshold: z.number().int().nullable(),
});

/**
 * A shop's products on sale that are running out: at or below their own low-stock threshold, or
 * with fewer than DEFAULT_LOW_STOCK available keys when they set none; fewest first.
 */
export async function lowStockOf(
  ctx: DataContext,
  merchantId: string,
): Promise<z.infer<typeof lowStockSchema>[]> {
  const products = await ctx.db
    .selectFrom('products')
    .select(['id', 'name', 'status'])
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'ON_SALE')
    .execute();
  const stock = new Map((await stockOf(ctx, merchantId)).map((s) => [s.productId, s]));
  return products
    .flatMap((p) => {
      const s = stock.get(p.id);
      if (!s) return [];
      const low = s.lowStockThreshold === null ? s.available < DEFAULT_LOW_STOCK : s.lowStock;
      return low
        ? [
            {
              productId: p.id,
              name: p.name,
              status: p.status,
              available: s.available,
              lowStockThreshold: s.lowStockThreshold,
            },
          ]
        : [];
    })
    .sort((a, b) => a.available - b.available || a.name.localeCompare(b.name));
}
