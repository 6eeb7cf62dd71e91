/**
 * Demo orders go through the real checkout, confirming what the buyer's product page shows
 * (catalog's getProduct): the current policy version, face value, validity and the buyer's price.
 */
import type { UserActor } from '../../platform/actor.js';
import { getProduct } from '../catalog/index.js';
import { checkout } from '../orders/index.js';
import type { PaymentsContext } from '../payments/index.js';

export async function demoCheckout(
  ctx: PaymentsContext,
  buyer: UserActor,
  idempotencyKey: string,
  productId: string,
  quantity: number,
): Promise<{ orderId: string }> {
  const seen = await getProduct(ctx, buyer, productId);
  return checkout(ctx, buyer, idempotencyKey, {
    productId,
    quantity,
    paymentMethod: 'BALANCE',
    policyVersion: seen.policy.version,
    policyConfirmed: true,
    faceValueFen: seen.faceValueFen,
    validityDays: seen.validityDays,
    unitPriceFen: seen.viewerPrice.priceFen,
  });
}
