/** A shop's sales over a span of time, for the merchant's home page. */
import { z } from 'zod';
import type { DataContext } from '../../platform/context.js';
import { now } from '../../platform/db/dialect.js';

export const salesFiguresSchema = z.object({
  orders: z.number().int(),
  units: z.number().int(),
  amountFen: z.number().int(),
});
export type SalesFigures = z.infer<typeof salesFiguresSchema>;

/**
 * Goods orders of one shop paid in [from, to): those paid on Kameng (balance, WeChat, Alipay) and,
 * apart, those placed through a channel shop (paid to the channel). An order refunded since still
 * counts as sold that day (its refund is after-sales, not a missing sale).
 */
export async function shopSales(
  ctx: Pick<DataContext, 'db'>,
  merchantId: string,
  from: Date,
  to: Date,
): Promise<{ direct: SalesFigures; channel: SalesFigures }> {
  const rows = await ctx.db
    .selectFrom('orders')
    .select((eb) => [
      'payment_method',
      eb.fn.countAll<number>().as('orders'),
      eb.fn.coalesce(eb.fn.sum<number>('quantity'), eb.val(0)).as('units'),
      eb.fn.coalesce(eb.fn.sum<number>('total_fen'), eb.val(0)).as('amount'),
    ])
    .where('merchant_id', '=', merchantId)
    .where('kind', '=', 'GOODS')
    .where('paid_at', 'is not', null)
    .where('paid_at', '>=', now(from))
    .where('paid_at', '<', now(to))
    .groupBy('payment_method')
    .execute();
  const figures = (channel: boolean): SalesFigures => {
    const rs = rows.filter((x) => (x.payment_method === 'CHANNEL') === channel);
    return {
      orders: rs.reduce((n, r) => n + Number(r.orders), 0),
      units: rs.reduce((n, r) => n + Number(r.units), 0),
      amountFen: rs.reduce((n, r) => n + Number(r.amount), 0),
    };
  };
  return { direct: figures(false), channel: figures(true) };
}
