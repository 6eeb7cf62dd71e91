import { Readable } from 'node:stream';
import type { Actor } from '../../src/platform/actor.js';
import { runImport, startBatch } from '../../src/modules/inventory/import.js';
import { createProduct } from '../../src/modules/catalog/products.js';
import { createUnits } from '../../src/modules/inventory/allocation.js';
import type { Harness } from './app.js';
import { productInput } from './factories.js';
import type { ProductType } from '../../src/modules/inventory/parse.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

export interface Shop {
  actor: Actor;
  merchantId: string;
  userId: string;
}

export async function shop(h: Harness): Promise<Shop> {
  const m = await h.account({ role: 'merchant' });
  return {
    actor: { kind: 'user', id: m.id, role: 'merchant', memberLevel: 'REGULAR', merchantId: m.merchantId },
    merchantId: m.merchantId!,
    userId: m.id,
  };
}

export async function product(
  h: Harness,
  s: Shop,
  type: ProductType = 'CARD_KEY',
): Promise<{ id: string; policyId: string }> {
  const id = await createProduct(h.ctx, s.actor, productInput({ type, name: `${type} ${Math.random()}` }));
  const row = await h.db.db
    .selectFrom('products')
    .select('current_policy_id')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { id, policyId: row.current_policy_id };
}

/** Imports `lines` through the same code path as the CLI and the API. */
export async function importLines(h: Harness, s: Shop, productId: string, lines: string[] | Buffer) {
  const body = Buffer.isBuffer(lines) ? lines : Buffer.from(lines.join('\n'));
  const batch = await startBatch(h.ctx, s.actor, {
    productId,
    source: 'CLI',
    fileName: 'keys.txt',
    format: 'auto',
    bytesTotal: body.length,
  });
  return runImport(h.ctx, s.actor, batch, Readable.from([body]));
}

export const cardLines = (n: number, prefix = 'K'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(8, '0')} pw-${prefix}-${i}-secret`);

export async function units(
  h: Harness,
  productId: string,
  policyId: string,
  buyerId: string,
  count: number,
): Promise<string[]> {
  return unitOfWork(h.ctx, (trx) =>
    createUnits(trx, { productId, buyerId, policyId, count, at: h.ctx.clock.now() }),
  );
}
