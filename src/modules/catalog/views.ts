/** Reads catalog rows in batches and shapes them into the API views. */
import { z } from 'zod';
import type { Db } from '../../platform/db/dialect.js';
import type { MemberLevel, Row } from '../../platform/db/schema.js';
import {
  badgeSchema,
  commitmentBadges,
  policyBadges,
  renderedPolicySchema,
  withCommitments,
  type PolicyTerms,
} from './policy.js';

export const LEVELS = ['REGULAR', 'VIP', 'SUPER'] as const satisfies readonly MemberLevel[];
const levelSchema = z.enum(LEVELS);

export const merchantViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    status: z.enum(['ACTIVE', 'SUSPENDED']),
    commitments: z.object({ review24h: z.boolean() }),
    badges: z.array(badgeSchema),
    version: z.number().int(),
  })
  .meta({ id: 'Merchant' });

/** What the shop owner (and staff) see beyond the public profile. */
export const merchantProfileSchema = merchantViewSchema
  .extend({ depositFen: z.number().int(), creditScore: z.number().int() })
  .meta({ id: 'MerchantProfile' });
export type MerchantProfile = z.infer<typeof merchantProfileSchema>;

export const toMerchantProfile = (m: Row<'merchants'>): MerchantProfile => ({
  ...toMerchantView(m),
  depositFen: m.deposit_fen,
  creditScore: m.credit_score,
});

export const policyViewSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    version: z.number().int(),
    unactivatedRefund: z.boolean(),
    windowHours: z.number().int().nullable(),
    noReasonRefund: z.boolean(),
    revealedRefund: z.boolean(),
    nonRefundable: z.boolean(),
    nonRefundableText: z.string().nullable(),
    textHash: z.string(),
    createdAt: z.string(),
    rendered: renderedPolicySchema,
  })
  .meta({ id: 'RefundPolicy' });

export const priceSchema = z.object({
  level: levelSchema,
  priceFen: z.number().int(),
  maxQtyPerOrder: z.number().int(),
});

/**
 * What buyers are told of stock: a coarse level, never the count (a shop's stock is its business).
 * SOLD_OUT at 0 keys available, LOW under LOW_STOCK_LEVEL, IN_STOCK from there.
 */
export const stockLevelSchema = z.enum(['IN_STOCK', 'LOW', 'SOLD_OUT']);
export type StockLevel = z.infer<typeof stockLevelSchema>;
export const LOW_STOCK_LEVEL = 10;
export const stockLevelOf = (available: number): StockLevel =>
  available <= 0 ? 'SOLD_OUT' : available < LOW_STOCK_LEVEL ? 'LOW' : 'IN_STOCK';

export const productViewSchema = z
  .object({
    id: z.string(),
    merchant: merchantViewSchema,
    type: z.enum(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']),
    name: z.string(),
    description: z.string(),
    faceValueFen: z.number().int(),
    validityDays: z.number().int().nullable(),
    status: z.enum(['DRAFT', 'ON_SALE', 'OFF_SALE']),
    version: z.number().int(),
    prices: z.array(priceSchema),
    viewerPrice: priceSchema,
    policy: policyViewSchema,
    badges: z.array(badgeSchema),
    stockLevel: stockLevelSchema.describe(
      `Keys available to buy, coarsely: SOLD_OUT (none), LOW (fewer than ${LOW_STOCK_LEVEL}), IN_STOCK`,
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Product' });

export type MerchantView = z.infer<typeof merchantViewSchema>;
export type PolicyView = z.infer<typeof policyViewSchema>;
export type ProductView = z.infer<typeof productViewSchema>;

export function toMerchantView(m: Row<'merchants'>): MerchantView {
  const commitments = { review24h: m.commit_review_24h === 1 };
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    status: m.status,
    commitments,
    badges: commitmentBadges(commitments),
    version: m.version,
  };
}

export const policyTerms = (p: Row<'refund_policies'>): PolicyTerms => ({
  unactivatedRefund: p.unactivated_refund === 1,
  windowHours: p.window_hours,
  noReasonRefund: p.no_reason_refund === 1,
  revealedRefund: p.revealed_refund === 1,
  nonRefundable: p.non_refundable === 1,
  nonRefundableText: p.non_refundable_text,
});

export function toPolicyView(p: Row<'refund_policies'>, review24h = false): PolicyView {
  const terms = policyTerms(p);
  const badges = policyBadges(terms);
  const stored = { zh: { text: p.text_zh, badges }, en: { text: p.text_en, badges } };
  return {
    id: p.id,
    productId: p.product_id,
    version: p.version,
    ...terms,
    textHash: p.text_hash,
    createdAt: p.created_at,
    rendered: withCommitments(stored, { review24h }),
  };
}

/** Builds full product views for `rows` with five batched queries, whatever the number of rows. */
export async function productViews(
  db: Db,
  rows: Row<'products'>[],
  viewerLevel: MemberLevel,
): Promise<ProductView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [merchants, prices, policies, levels, available] = await Promise.all([
    db
      .selectFrom('merchants')
      .selectAll()
      .where('id', 'in', [...new Set(rows.map((r) => r.merchant_id))])
      .execute(),
    db.selectFrom('product_prices').selectAll().where('product_id', 'in', ids).execute(),
    db
      .selectFrom('refund_policies')
      .selectAll()
      .where(
        'id',
        'in',
        rows.map((r) => r.current_policy_id),
      )
      .execute(),
    db.selectFrom('member_levels').selectAll().orderBy('rank').execute(),
    // Keys on sale, counted only up to what the level needs to know (the view never shows the count).
    db
      .selectFrom('keys')
      .select(['product_id', (eb) => eb.fn.countAll().as('n')])
      .where('product_id', 'in', ids)
      .where('state', '=', 'AVAILABLE')
      .groupBy('product_id')
      .execute(),
  ]);
  const availableOf = new Map(available.map((a) => [a.product_id, Number(a.n)]));
  const merchantById = new Map(merchants.map((m) => [m.id, m]));
  const policyById = new Map(policies.map((p) => [p.id, p]));
  const limit = new Map(levels.map((l) => [l.level, l.max_qty_per_order]));
  const priceOf = new Map(prices.map((p) => [`${p.product_id}/${p.level}`, p.price_fen]));
  return rows.map((r) => {
    const merchant = toMerchantView(merchantById.get(r.merchant_id)!);
    const policy = toPolicyView(policyById.get(r.current_policy_id)!, merchant.commitments.review24h);
    const productPrices = LEVELS.map((level) => ({
      level,
      priceFen: priceOf.get(`${r.id}/${level}`) ?? 0,
      maxQtyPerOrder: limit.get(level) ?? 1,
    }));
    return {
      id: r.id,
      merchant,
      type: r.type,
      name: r.name,
      description: r.description,
      faceValueFen: r.face_value_fen,
      validityDays: r.validity_days,
      status: r.status,
      version: r.version,
      prices: productPrices,
      viewerPrice: productPrices.find((p) => p.level === viewerLevel)!,
      policy,
      badges: policy.rendered.zh.badges,
      stockLevel: stockLevelOf(availableOf.get(r.id) ?? 0),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}
