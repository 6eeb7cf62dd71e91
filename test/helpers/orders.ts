/** Builders for order tests: a stocked product on sale, a funded wallet, a checkout call. */
import { changeStatus, createProduct } from '../../src/modules/catalog/products.js';
import { ensureAccount, postTransaction } from '../../src/modules/payments/ledger.js';
import { systemActor } from '../../src/platform/actor.js';
import { newId } from '../../src/platform/ids.js';
import type { Harness, Client, Res } from './app.js';
import { productInput } from './factories.js';
import { cardLines, importLines, shop, type Shop } from './inventory.js';
import type { ProductInput } from '../../src/modules/catalog/products.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';

export interface Stocked {
  shop: Shop;
  productId: string;
  policyVersion: number;
  faceValueFen: number;
  validityDays: number | null;
  prices: { REGULAR: number; VIP: number; SUPER: number };
}

let n = 0;
export async function stocked(
  h: Harness,
  keys: number,
  over: Partial<ProductInput> = {},
  s?: Shop,
): Promise<Stocked> {
  const owner = s ?? (await shop(h));
  const input = productInput({ name: `点卡 ${++n}`, ...over });
  const productId = await createProduct(h.ctx, owner.actor, input);
  await changeStatus(h.ctx, owner.actor, productId, { version: 1, status: 'ON_SALE' });
  if (keys > 0) await importLines(h, owner, productId, cardLines(keys, `P${n}x`));
  return {
    shop: owner,
    productId,
    policyVersion: 1,
    faceValueFen: input.faceValueFen,
    validityDays: input.validityDays,
    prices: input.prices,
  };
}

/** Credits a buyer's wallet as a settled top-up would (gateway clearing → wallet). */
export async function fund(h: Harness, buyerId: string, fen: number): Promise<void> {
  const at = h.ctx.clock.now();
  await unitOfWork(h.ctx, async (trx) => {
    const wallet = await ensureAccount(trx, 'WALLET', buyerId, at);
    const clearing = await ensureAccount(trx, 'GATEWAY_CLEARING', 'sandbox-wechat', at);
    await postTransaction(trx, systemActor('test'), at, {
      idempotencyKey: `fund-${newId()}`,
      kind: 'TOPUP',
      reference: { type: 'test', id: buyerId },
      postings: [
        { accountId: clearing.id, amountFen: -fen },
        { accountId: wallet.id, amountFen: fen },
      ],
    });
  });
}

export const idem = (): string => `k-${newId()}`;

/**
 * Checks out as a buyer would after reading the product page: the policy version, face value,
 * validity and the unit price shown to this buyer are confirmed (`over` replaces any of them).
 */
export async function buy(
  c: Client,
  p: Stocked,
  quantity: number,
  method: 'BALANCE' | 'WECHAT' | 'ALIPAY' = 'BALANCE',
  key = idem(),
  over: Record<string, unknown> = {},
): Promise<Res> {
  const unitPriceFen = 'unitPriceFen' in over ? over.unitPriceFen : await viewerPrice(c, p.productId);
  return c.req(
    'POST',
    '/api/orders',
    {
      productId: p.productId,
      quantity,
      paymentMethod: method,
      policyVersion: p.policyVersion,
      policyConfirmed: true,
      faceValueFen: p.faceValueFen,
      validityDays: p.validityDays,
      unitPriceFen,
      ...over,
    },
    { 'idempotency-key': key },
  );
}

/** The unit price the product page shows this client (its member level's price). */
export async function viewerPrice(c: Client, productId: string): Promise<number> {
  const res = await c.get<{ viewerPrice?: { priceFen: number } }>(`/api/products/${productId}`);
  // A product the buyer cannot see: any price; checkout answers for the product first.
  return res.body.viewerPrice?.priceFen ?? 0;
}

/** Buys a membership at the offer's current price and term, as the membership page confirms them. */
export async function buyMembership(
  c: Client,
  level: 'VIP' | 'SUPER',
  key = idem(),
  over: Record<string, unknown> = {},
): Promise<Res> {
  const offers = (
    await c.get<{ items: { level: string; priceFen: number; termDays: number }[] }>('/api/membership/offers')
  ).body.items;
  const offer = offers.find((o) => o.level === level);
  return c.req(
    'POST',
    '/api/me/membership',
    { level, priceFen: offer?.priceFen ?? 0, termDays: offer?.termDays ?? 1, ...over },
    { 'idempotency-key': key },
  );
}

export async function walletBalance(h: Harness, buyerId: string): Promise<number> {
  const row = await h.db.db
    .selectFrom('ledger_accounts')
    .select('balance_fen')
    .where('kind', '=', 'WALLET')
    .where('owner_id', '=', buyerId)
    .executeTakeFirst();
  return row ? Number(row.balance_fen) : 0;
}
