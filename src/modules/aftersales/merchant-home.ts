/**
 * The merchant's home page (商家首页): today's sales, the refund requests waiting for the shop's
 * review with their deadlines, and products running out. It lives here, with the review queue it
 * mostly shows, and asks orders (sales) and inventory (stock) through their entries.
 */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import { shanghaiDate } from '../../platform/calendar.js';
import type { DataContext } from '../../platform/context.js';
import { shopOf } from '../catalog/index.js';
import { DEFAULT_LOW_STOCK, lowStockOf, lowStockSchema } from '../inventory/index.js';
import { salesFiguresSchema, shopSales } from '../orders/index.js';
import { pendingReviews, requestSummarySchema } from './views.js';

/** How many pending reviews the home page lists (the queue page has them all). */
const REVIEWS_SHOWN = 10;

export const merchantHomeSchema = z
  .object({
    /** The Asia/Shanghai day the sales are counted for (YYYY-MM-DD), and its bounds in UTC. */
    day: z.string(),
    dayStart: z.string(),
    dayEnd: z.string(),
    /** Goods orders paid today on Kameng; channel orders (paid to the channel) apart. */
    sales: z.object({ direct: salesFiguresSchema, channel: salesFiguresSchema }),
    pendingReviews: z.object({ total: z.number().int(), items: z.array(requestSummarySchema) }),
    lowStock: z.object({ defaultThreshold: z.number().int(), items: z.array(lowStockSchema) }),
  })
  .meta({ id: 'MerchantHome' });
export type MerchantHome = z.infer<typeof merchantHomeSchema>;

const DAY_MS = 86_400_000;

export async function merchantHome(ctx: DataContext, actor: Actor): Promise<MerchantHome> {
  const merchantId = shopOf(actor);
  const day = shanghaiDate(ctx.clock.now());
  const start = new Date(`${day}T00:00:00+08:00`);
  const end = new Date(start.getTime() + DAY_MS);
  const [sales, reviews, low] = await Promise.all([
    shopSales(ctx, merchantId, start, end),
    pendingReviews(ctx.db, merchantId, REVIEWS_SHOWN),
    lowStockOf(ctx, merchantId),
  ]);
  return {
    day,
    dayStart: start.toISOString(),
    dayEnd: end.toISOString(),
    sales,
    pendingReviews: reviews,
    lowStock: { defaultThreshold: DEFAULT_LOW_STOCK, items: low },
  };
}
