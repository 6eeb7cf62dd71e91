/**
 * Product use cases: create (with its first policy version and prices), edit, new policy
 * version, status changes. Each runs in one transaction with its audit events; edits are
 * version-checked so two editors get one success and one clear conflict.
 */
import { productFor } from './access.js';
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { MemberLevel, ProductStatus, Row } from '../../platform/db/schema.js';
import { fail, fieldError } from '../../platform/errors.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';
import { newId } from '../../platform/ids.js';
import { getPlatformRules } from '../../platform/settings.js';
import { actingMerchant, authorize } from '../accounts/index.js';
import { appendAudit } from '../../platform/audit.js';
import {
  policyContradiction,
  policyInputSchema,
  policyTextHash,
  renderPolicy,
  type PolicyTerms,
} from './policy.js';
import { LEVELS } from './views.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export type StatusActor = 'merchant' | 'admin';

/** Who may move a product between statuses. A product is never deleted: orders will point at it. */
export const productTransitions: Transitions<ProductStatus, StatusActor> = {
  DRAFT: { ON_SALE: { by: ['merchant'] } },
  ON_SALE: { OFF_SALE: { by: ['merchant', 'admin'] } },
  OFF_SALE: { ON_SALE: { by: ['merchant'] } },
};

/** The product's status as an aggregate machine: no terminal state (off sale can go on sale again). */
export const productMachine = defineMachine({
  name: 'product',
  table: 'products',
  column: 'status',
  initial: ['DRAFT'],
  terminal: [],
  transitions: productTransitions,
  notAllowed: 'catalog.transition_not_allowed',
  action: () => 'product.status_changed',
});

const fen = z.number().int().min(0).max(100_000_000_00);
export const pricesSchema = z.strictObject({
  REGULAR: fen.min(1),
  VIP: fen.min(1),
  SUPER: fen.min(1),
});

export const productInputSchema = z.strictObject({
  type: z.enum(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']),
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(5000),
  faceValueFen: fen,
  validityDays: z.number().int().min(1).max(36500).nullable(),
  prices: pricesSchema,
  policy: policyInputSchema,
});
export type ProductInput = z.infer<typeof productInputSchema>;

export const policyVersionInputSchema = policyInputSchema.extend({ version: versionSchema });

export const productPatchSchema = z.strictObject({
  version: versionSchema,
  name: z.string().trim().min(1).max(120).optional(),
  description: z.string().trim().max(5000).optional(),
  faceValueFen: fen.optional(),
  validityDays: z.number().int().min(1).max(36500).nullable().optional(),
  prices: pricesSchema.optional(),
});
export type ProductPatch = z.infer<typeof productPatchSchema>;

function assertPriceOrder(prices: Record<MemberLevel, number>): void {
  if (!(prices.REGULAR >= prices.VIP && prices.VIP >= prices.SUPER))
    fail('catalog.price_order_invalid', { field: 'prices' });
}

async function assertPolicyAllowed(db: Db, p: PolicyTerms): Promise<void> {
  const contradiction = policyContradiction(p);
  if (contradiction)
    fail('catalog.policy_inconsistent', { field: 'policy', params: { reason: contradiction } });
  const rules = await getPlatformRules(db);
  if (
    p.windowHours !== null &&
    (p.windowHours < rules.policyWindowMinHours || p.windowHours > rules.policyWindowMaxHours)
  ) {
    // Refused, never clamped: the merchant is told the bounds at the field they typed.
    const params = { min: rules.policyWindowMinHours, max: rules.policyWindowMaxHours };
    fail('catalog.policy_window_out_of_bounds', {
      field: 'windowHours',
      params,
      errors: [fieldError('policy.windowHours', 'catalog.policy_window_out_of_bounds', params)],
    });
  }
}

export const policyBoundsSchema = z
  .object({ windowMinHours: z.number().int(), windowMaxHours: z.number().int() })
  .meta({ id: 'PolicyBounds' });

/** The platform's bounds on a policy's refund window, shown to merchants beside the field. */
export async function policyBounds(ctx: DataContext): Promise<z.infer<typeof policyBoundsSchema>> {
  const rules = await getPlatformRules(ctx.db);
  return { windowMinHours: rules.policyWindowMinHours, windowMaxHours: rules.policyWindowMaxHours };
}

function merchantOf(actor: Actor): string {
  return actingMerchant(actor) ?? fail('catalog.not_merchant');
}

/** Inserts the next immutable policy version of `productId` and returns its id. */
async function insertPolicyVersion(
  trx: Db,
  productId: string,
  p: PolicyTerms,
  actor: Actor,
  at: Date,
  id = newId(),
): Promise<Row<'refund_policies'>> {
  const last = await trx
    .selectFrom('refund_policies')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('product_id', '=', productId)
    .executeTakeFirst();
  const rules = await getPlatformRules(trx);
  const rendered = renderPolicy(p, { qualityClaimDays: rules.qualityClaimDays });
  const row: Row<'refund_policies'> = {
    id,
    product_id: productId,
    version: Number(last?.v ?? 0) + 1,
    unactivated_refund: p.unactivatedRefund ? 1 : 0,
    window_hours: p.windowHours,
    no_reason_refund: p.noReasonRefund ? 1 : 0,
    revealed_refund: p.revealedRefund ? 1 : 0,
    non_refundable: p.nonRefundable ? 1 : 0,
    non_refundable_text: p.nonRefundable ? p.nonRefundableText : null,
    text_zh: rendered.zh.text,
    text_en: rendered.en.text,
    text_hash: policyTextHash(rendered.zh.text, rendered.en.text),
    created_by:
      actor.kind === 'user'
        ? actor.id
        : actor.kind === 'token' && actor.userId
          ? actor.userId
          : fail('auth.forbidden'),
    created_at: now(at),
  };
  await trx.insertInto('refund_policies').values(row).execute();
  await appendAudit(trx, {
    actor,
    action: 'refund_policy.version_created',
    objectType: 'product',
    objectId: productId,
    data: { policyId: row.id, version: row.version, textHash: row.text_hash, terms: { ...p } },
    at,
  });
  return row;
}

async function writePrices(trx: Db, productId: string, prices: Record<MemberLevel, number>): Promise<void> {
  for (const level of LEVELS) {
    await trx
      .insertInto('product_prices')
      .values({ product_id: productId, level, price_fen: prices[level] })
      .onConflict((oc) => oc.columns(['product_id', 'level']).doUpdateSet({ price_fen: prices[level] }))
      .execute();
  }
}

export async function createProduct(ctx: DataContext, actor: Actor, input: ProductInput): Promise<string> {
  const merchantId = merchantOf(actor);
  assertPriceOrder(input.prices);
  await assertPolicyAllowed(ctx.db, input.policy);
  const at = ctx.clock.now();
  const id = newId();
  await unitOfWork(ctx, async (trx) => {
    // The product points at its policy through a deferred foreign key, checked at commit.
    const policyId = newId();
    await trx
      .insertInto('products')
      .values({
        id,
        merchant_id: merchantId,
        type: input.type,
        name: input.name,
        description: input.description,
        face_value_fen: input.faceValueFen,
        validity_days: input.validityDays,
        status: 'DRAFT',
        current_policy_id: policyId,
        version: 1,
        created_at: now(at),
        updated_at: now(at),
      })
      .execute();
    const policy = await insertPolicyVersion(trx, id, input.policy, actor, at, policyId);
    await writePrices(trx, id, input.prices);
    await appendAudit(trx, {
      actor,
      action: 'product.created',
      objectType: 'product',
      objectId: id,
      data: {
        type: input.type,
        name: input.name,
        faceValueFen: input.faceValueFen,
        prices: input.prices,
        policyId: policy.id,
      },
      at,
    });
  });
  return id;
}

const loadForChange = (db: Db, actor: Actor, id: string): Promise<Row<'products'>> =>
  productFor(db, actor, 'update', id);

/** Version-checked update of the product row; zero rows changed means someone else got there first. */
async function bumpVersion(
  trx: Db,
  id: string,
  expected: number,
  set: Partial<Row<'products'>>,
  at: Date,
): Promise<void> {
  const res = await trx
    .updateTable('products')
    .set({ ...set, version: expected + 1, updated_at: now(at) })
    .where('id', '=', id)
    .where('version', '=', expected)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) fail('request.conflict', { field: 'version' });
}

export async function updateProduct(
  ctx: DataContext,
  actor: Actor,
  id: string,
  patch: ProductPatch,
): Promise<void> {
  const current = await loadForChange(ctx.db, actor, id);
  if (patch.prices) assertPriceOrder(patch.prices);
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    const set: Partial<Row<'products'>> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.faceValueFen !== undefined) set.face_value_fen = patch.faceValueFen;
    if (patch.validityDays !== undefined) set.validity_days = patch.validityDays;
    await bumpVersion(trx, id, patch.version, set, at);
    if (patch.prices) await writePrices(trx, id, patch.prices);
    const { version: _v, ...changes } = patch;
    await appendAudit(trx, {
      actor,
      action: 'product.updated',
      objectType: 'product',
      objectId: id,
      data: { fromVersion: current.version, changes },
      at,
    });
  });
}

/** Publishes a new immutable policy version; version-checked against the product like any edit. */
export async function newPolicyVersion(
  ctx: DataContext,
  actor: Actor,
  id: string,
  input: PolicyTerms & { version: number },
): Promise<void> {
  await loadForChange(ctx.db, actor, id);
  const { version, ...terms } = input;
  await assertPolicyAllowed(ctx.db, terms);
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    // The product row is claimed first (version check, row lock on PostgreSQL), so a stale or
    // concurrent editor gets a 409 before any policy version number is taken.
    const policyId = newId();
    await bumpVersion(trx, id, version, { current_policy_id: policyId }, at);
    await insertPolicyVersion(trx, id, terms, actor, at, policyId);
  });
}

export async function changeStatus(
  ctx: DataContext,
  actor: Actor,
  id: string,
  input: { version: number; status: ProductStatus },
): Promise<void> {
  const row = await ctx.db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) fail('catalog.product_not_found');
  const by: StatusActor | null = actor.kind === 'user' && actor.role === 'admin' ? 'admin' : null;
  if (by === null)
    authorize(
      actor,
      'update',
      { type: 'product', merchantId: row.merchant_id, status: row.status },
      'catalog.product_not_found',
    );
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    // The version the editor saw: someone else's change since is a 409.
    await productMachine.transition(trx, {
      row: { id, status: row.status, version: input.version },
      to: input.status,
      by: by ?? 'merchant',
      actor,
      at,
    });
  });
}
