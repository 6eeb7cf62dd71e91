import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import { productFor, shopOf } from './access.js';
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { containsText, now } from '../../platform/db/dialect.js';
import type { MemberLevel } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { authorize } from '../accounts/index.js';
import { appendAudit } from '../../platform/audit.js';
import {
  productViews,
  toMerchantView,
  toPolicyView,
  toMerchantProfile,
  type MerchantProfile,
  type MerchantView,
  type PolicyView,
  type ProductView,
} from './views.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const viewerLevel = (actor: Actor | null): MemberLevel =>
  actor?.kind === 'user' ? actor.memberLevel : 'REGULAR';

export async function getProduct(ctx: DataContext, actor: Actor | null, id: string): Promise<ProductView> {
  const row = await productFor(ctx.db, actor, 'read', id);
  const [view] = await productViews(ctx.db, [row], viewerLevel(actor));
  return view;
}

export const productFilterSchema = z.strictObject({
  type: z.enum(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']).optional(),
  q: z.string().trim().max(60).optional(),
  merchantId: z.string().max(64).optional(),
});

export async function listOnSale(
  ctx: DataContext,
  actor: Actor | null,
  filter: z.infer<typeof productFilterSchema>,
): Promise<ProductView[]> {
  let q = ctx.db.selectFrom('products').selectAll().where('status', '=', 'ON_SALE');
  if (filter.type) q = q.where('type', '=', filter.type);
  if (filter.merchantId) q = q.where('merchant_id', '=', filter.merchantId);
  if (filter.q) q = q.where(containsText('name', filter.q));
  const rows = await q.orderBy('created_at', 'desc').limit(200).execute();
  return productViews(ctx.db, rows, viewerLevel(actor));
}

export async function listMerchantProducts(ctx: DataContext, actor: Actor): Promise<ProductView[]> {
  const merchantId = shopOf(actor);
  const rows = await ctx.db
    .selectFrom('products')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at', 'desc')
    .execute();
  return productViews(ctx.db, rows, viewerLevel(actor));
}

export async function listPolicies(
  ctx: DataContext,
  actor: Actor | null,
  productId: string,
): Promise<PolicyView[]> {
  await productFor(ctx.db, actor, 'read', productId);
  const rows = await ctx.db
    .selectFrom('refund_policies')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('version', 'desc')
    .execute();
  // Each version exactly as it was stored and hashed.
  return rows.map((r) => toPolicyView(r));
}

export async function getMerchant(ctx: DataContext, actor: Actor | null, id: string): Promise<MerchantView> {
  const row = await ctx.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) fail('catalog.merchant_not_found');
  authorize(actor, 'read', { type: 'merchant', id }, 'catalog.merchant_not_found');
  return toMerchantView(row);
}

/** The owner's view of its shop: the public profile plus the 保证金 deposit and credit score. */
export async function getMerchantProfile(ctx: DataContext, actor: Actor): Promise<MerchantProfile> {
  const id = shopOf(actor);
  authorize(actor, 'update', { type: 'merchant', id }, 'catalog.merchant_not_found');
  const row = await ctx.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) fail('catalog.merchant_not_found');
  return toMerchantProfile(row);
}

export const merchantPatchSchema = z.strictObject({
  version: versionSchema,
  name: z.string().trim().min(1).max(60).optional(),
  description: z.string().trim().max(2000).optional(),
  commitments: z.strictObject({ review24h: z.boolean() }).optional(),
});

export async function updateMerchant(
  ctx: DataContext,
  actor: Actor,
  patch: z.infer<typeof merchantPatchSchema>,
): Promise<MerchantProfile> {
  const id = shopOf(actor);
  authorize(actor, 'update', { type: 'merchant', id }, 'catalog.merchant_not_found');
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    const res = await trx
      .updateTable('merchants')
      .set((eb) => ({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.commitments ? { commit_review_24h: patch.commitments.review24h ? 1 : 0 } : {}),
        version: eb('version', '+', 1),
        updated_at: now(at),
      }))
      .where('id', '=', id)
      .where('version', '=', patch.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) fail('request.conflict', { field: 'version' });
    await appendAudit(trx, {
      actor,
      action: 'merchant.updated',
      objectType: 'merchant',
      objectId: id,
      data: patch,
      at,
    });
  });
  return getMerchantProfile(ctx, actor);
}
