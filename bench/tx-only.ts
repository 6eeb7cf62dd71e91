/**
 * The balance checkout transaction alone — no HTTP, no load generator — with 50 concurrent
 * callers on SQLite (or PostgreSQL with DATABASE_URL): what the purchase itself costs.
 */
import { harness } from '../test/helpers/app.js';
import { fund, stocked } from '../test/helpers/orders.js';
import { checkout } from '../src/modules/orders/checkout.js';

const N = Number(process.env.TX_PER_BUYER ?? 50);
const h = await harness();
const p = await stocked(h, 50 * N);
const buyers = await Promise.all(Array.from({ length: 50 }, () => h.account({ role: 'buyer' })));
for (const b of buyers) await fund(h, b.id, 10_000_000);
const ctx = h.app.kameng.ctx;
const t0 = performance.now();
await Promise.all(
  buyers.map(async (b) => {
    const actor = {
      kind: 'user' as const,
      id: b.id,
      role: 'buyer' as const,
      memberLevel: 'REGULAR' as const,
      merchantId: null,
    };
    for (let i = 0; i < N; i++)
      await checkout(ctx, actor, `k-${b.id}-${i}`, {
        productId: p.productId,
        quantity: 1,
        paymentMethod: 'BALANCE',
        policyVersion: 1,
        policyConfirmed: true,
        faceValueFen: p.faceValueFen,
        validityDays: p.validityDays,
        unitPriceFen: p.prices.REGULAR,
      });
  }),
);
const ms = performance.now() - t0;
console.log(
  `${50 * N} checkouts in ${ms.toFixed(0)} ms = ${(((50 * N) / ms) * 1000).toFixed(0)}/s, ${(ms / (50 * N)).toFixed(3)} ms each`,
);
await h.close();
