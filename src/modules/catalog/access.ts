import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { actingMerchant, authorize, type Action } from '../accounts/index.js';

/** Loads a product the actor may `action`, or answers as the authorisation rules say (404/403). */
export async function productFor(
  db: Db,
  actor: Actor | null,
  action: Action,
  id: string,
): Promise<Row<'products'>> {
  const product = await db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  if (!product) fail('catalog.product_not_found');
  authorize(
    actor,
    action,
    { type: 'product', merchantId: product.merchant_id, status: product.status },
    'catalog.product_not_found',
  );
  return product;
}

/** The shop the actor acts for: a merchant user's own, or a merchant token's (never a channel or issuer token's). */
export function shopOf(actor: Actor | null): string {
  return actingMerchant(actor) ?? fail('catalog.not_merchant');
}
