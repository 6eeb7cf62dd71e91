/**
 * Demo orders go through the real checkout, confirming what a buyer on the product page would
 * see: the current policy version, face value, validity and the price at the buyer's level.
 */
import type { UserActor } from '../../platform/actor.js';
import { checkout } from '../orders/index.js';
import type { PaymentsContext } from '../payments/index.js';

export async function demoCheckout(
  ctx: PaymentsContext,
  buyer: UserActor,
  idempotencyKey: string,
  productId: string,
  quantity: number,
): Promise<{ orderId: string }> {
  const seen = await ctx.db
    .selectFrom('products')
    .innerJoin('refund_policies', 'refund_policies.id', 'products.current_policy_id')
    .innerJoin('product_prices', 'product_prices.product_id', 'products.id')
    .select([
      'products.face_value_fen',
      'products.validity_days',
      'refund_policies.version',
      'product_prices.price_fen',
    ])
    .where('products.id', '=', productId)
    .where('product_prices.level', '=', buyer.memberLevel)
    .executeTakeFirstOrThrow();
  return checkout(ctx, buyer, idempotencyKey, {
    productId,
    quantity,
    paymentMethod: 'BALANCE',
    policyVersion: seen.version,
    policyConfirmed: true,
    faceValueFen: seen.face_value_fen,
    validityDays: seen.validity_days,
    unitPriceFen: seen.price_fen,
  });
}
