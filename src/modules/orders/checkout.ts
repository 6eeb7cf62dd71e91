/**
 * Checkout of goods (spec §4): the buyer confirms the current refund policy (its version), face
 * value, validity and unit price; the price and per-order limit are those of the buyer's member
 * level; keys are reserved in the same transaction (never oversold); a wallet payment is taken and
 * the keys delivered sealed in that transaction too. WeChat/Alipay orders wait for payment until
 * they expire.
 */
import { z } from 'zod';
import { versionSchema } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { MemberLevel, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { getPlatformRules } from '../../platform/settings.js';
import { createUnits, reserveKeys } from '../inventory/index.js';
import { memberLevelAt } from '../membership/index.js';
import { toPolicyView } from '../catalog/index.js';
import { receivePayment } from './fulfil.js';
import { BALANCE_PROVIDER, type PaymentsContext } from '../payments/index.js';
import { requestHash } from '../../platform/idempotency.js';
import { idempotent, insertOrder, paymentExpiry } from './create.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const checkoutSchema = z.strictObject({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(100_000),
  paymentMethod: z.enum(['BALANCE', 'WECHAT', 'ALIPAY']),
  /** The policy version the buyer read and confirmed on the checkout page. */
  policyVersion: versionSchema,
  policyConfirmed: z.boolean(),
  /** Face value and validity as the buyer confirmed them. */
  faceValueFen: z.number().int().min(0),
  validityDays: z.number().int().nullable(),
  /** The unit price (fen) the buyer saw and confirmed; a different current price is refused. */
  unitPriceFen: z.number().int().min(0),
});
export type CheckoutInput = z.infer<typeof checkoutSchema>;

/** What the buyer is buying, as it is now: the product on sale, its shop and current policy. */
interface Offer {
  product: Row<'products'>;
  merchant: Pick<Row<'merchants'>, 'status' | 'owner_user_id' | 'commit_review_24h' | 'commission_bp'>;
  policy: Row<'refund_policies'>;
}

async function readOffer(trx: Db, buyer: UserActor, productId: string): Promise<Offer> {
  const product = await trx.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirst();
  if (!product) fail('catalog.product_not_found', { field: 'productId' });
  if (product.status !== 'ON_SALE') fail('order.product_not_on_sale');
  const merchant = await trx
    .selectFrom('merchants')
    .select(['status', 'owner_user_id', 'commit_review_24h', 'commission_bp'])
    .where('id', '=', product.merchant_id)
    .executeTakeFirstOrThrow();
  if (merchant.status !== 'ACTIVE') fail('merchant.suspended');
  if (merchant.owner_user_id === buyer.id) fail('order.own_product');
  const policy = await trx
    .selectFrom('refund_policies')
    .selectAll()
    .where('id', '=', product.current_policy_id)
    .executeTakeFirstOrThrow();
  return { product, merchant, policy };
}

/** The policy version, face value and validity the buyer confirmed are the current ones (§3). */
function confirmTerms({ product, merchant, policy }: Offer, input: CheckoutInput): void {
  if (policy.version !== input.policyVersion)
    fail('order.policy_changed', {
      field: 'policyVersion',
      params: { version: policy.version },
      data: { policy: toPolicyView(policy, merchant.commit_review_24h === 1) },
    });
  if (product.face_value_fen !== input.faceValueFen || product.validity_days !== input.validityDays)
    fail('order.terms_changed', {
      data: { faceValueFen: product.face_value_fen, validityDays: product.validity_days },
    });
}

/**
 * The price at the buyer's level — the level of the membership periods running now, not the
 * session's — within the level's quantity limit, and the one the buyer confirmed: a price raised
 * (or a membership lapsed) since the page was shown is refused with the new price.
 */
async function confirmPrice(
  trx: Db,
  ctx: PaymentsContext,
  buyer: UserActor,
  offer: Offer,
  input: CheckoutInput,
  at: Date,
): Promise<{ level: MemberLevel; unitPrice: number; memberPrice: boolean }> {
  const level = await memberLevelAt(trx, buyer.id, at, { engine: ctx.engine });
  const limit = await trx
    .selectFrom('member_levels')
    .select(['max_qty_per_order', 'name_zh', 'name_en'])
    .where('level', '=', level)
    .executeTakeFirstOrThrow();
  if (input.quantity > limit.max_qty_per_order)
    fail('order.quantity_over_limit', {
      field: 'quantity',
      params: { max: limit.max_qty_per_order, level: { zh: limit.name_zh, en: limit.name_en } },
    });
  const prices = await trx
    .selectFrom('product_prices')
    .select(['level', 'price_fen'])
    .where('product_id', '=', offer.product.id)
    .execute();
  const priceOf = (l: string) => prices.find((p) => p.level === l)?.price_fen;
  const unitPrice = priceOf(level) ?? fail('order.product_not_on_sale');
  if (unitPrice !== input.unitPriceFen)
    fail('order.price_changed', {
      field: 'unitPriceFen',
      params: { price: fenToYuan(unitPrice), confirmed: fenToYuan(input.unitPriceFen) },
      data: { unitPriceFen: unitPrice, totalFen: unitPrice * input.quantity, level },
    });
  return { level, unitPrice, memberPrice: unitPrice < (priceOf('REGULAR') ?? unitPrice) };
}

/**
 * Checkout: confirm what the buyer saw, place the order with its snapshot, reserve one key per
 * unit, and — paying from the balance — take the money and deliver, all in one unit of work. A
 * gateway order is asked its pay URL once that has committed. One order per Idempotency-Key.
 */
export async function checkout(
  ctx: PaymentsContext,
  buyer: UserActor,
  key: string,
  input: CheckoutInput,
): Promise<{ orderId: string; replayed: boolean }> {
  if (buyer.role !== 'buyer') fail('order.buyers_only');
  if (!input.policyConfirmed) fail('order.policy_not_confirmed', { field: 'policyConfirmed' });
  const hash = requestHash({ kind: 'GOODS', ...input });
  return idempotent(ctx, buyer.id, key, hash, () =>
    unitOfWork(ctx, async (trx) => {
      const at = ctx.clock.now();
      const offer = await readOffer(trx, buyer, input.productId);
      confirmTerms(offer, input);
      const { level, unitPrice, memberPrice } = await confirmPrice(trx, ctx, buyer, offer, input, at);
      const { product, merchant, policy } = offer;
      const rules = await getPlatformRules(trx);
      const viaGateway = input.paymentMethod !== 'BALANCE';
      const c = { actor: buyer, at };
      const { order, payment } = await insertOrder(
        trx,
        ctx,
        c,
        {
          kind: 'GOODS',
          buyer_id: buyer.id,
          merchant_id: product.merchant_id,
          product_id: product.id,
          quantity: input.quantity,
          unit_price_fen: unitPrice,
          total_fen: unitPrice * input.quantity,
          buyer_level: level,
          member_price: memberPrice ? 1 : 0,
          product_name: product.name,
          product_type: product.type,
          face_value_fen: product.face_value_fen,
          validity_days: product.validity_days,
          policy_id: policy.id,
          policy_version: policy.version,
          policy_text_hash: policy.text_hash,
          policy_confirmed_at: now(at),
          commission_bp: merchant.commission_bp,
          payment_method: input.paymentMethod,
          expires_at: viaGateway ? paymentExpiry(rules, at) : null,
          idempotency_key: key,
          request_hash: hash,
        },
        viaGateway ? ctx.gateways.forMethod(input.paymentMethod).provider : BALANCE_PROVIDER,
      );
      const units = await createUnits(trx, {
        productId: product.id,
        buyerId: buyer.id,
        policyId: policy.id,
        count: input.quantity,
        at,
        orderId: order.id,
      });
      await reserveKeys(
        trx,
        { ...c, engine: ctx.engine },
        { productId: product.id, buyerId: buyer.id, unitIds: units },
      );
      if (!viaGateway)
        await receivePayment(
          trx,
          ctx,
          c,
          order,
          payment,
          { providerTradeNo: null, payerRef: null },
          {
            unitIds: units,
            policy,
            rules,
          },
        );
      return order.id;
    }),
  );
}
