/** Read models over the ledger: a buyer's wallet (余额) and a merchant's balances and settlements. */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import type { AccountKind } from '../../platform/db/schema.js';
import { COMMITTED_PAYOUT_STATES } from './payouts.js';

export const walletSchema = z
  .object({
    balanceFen: z.number().int(),
    entries: z.array(
      z.object({
        at: z.string(),
        kind: z.string(),
        amountFen: z.number().int(),
        orderId: z.string().nullable(),
        orderNo: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'Wallet' });
export type Wallet = z.infer<typeof walletSchema>;

async function balanceOf(
  db: Db,
  kind: AccountKind,
  owner: string,
): Promise<{ id: string | null; balance: number }> {
  const row = await db
    .selectFrom('ledger_accounts')
    .select(['id', 'balance_fen'])
    .where('kind', '=', kind)
    .where('owner_id', '=', owner)
    .executeTakeFirst();
  return { id: row?.id ?? null, balance: row ? Number(row.balance_fen) : 0 };
}

export async function walletOf(db: Db, buyerId: string, limit = 50): Promise<Wallet> {
  const account = await balanceOf(db, 'WALLET', buyerId);
  if (!account.id) return { balanceFen: 0, entries: [] };
  const rows = await db
    .selectFrom('ledger_postings')
    .innerJoin('ledger_transactions', 'ledger_transactions.id', 'ledger_postings.transaction_id')
    .leftJoin('orders', (j) =>
      j
        .onRef('orders.id', '=', 'ledger_transactions.reference_id')
        .on('ledger_transactions.reference_type', '=', 'order'),
    )
    .select([
      'ledger_postings.created_at',
      'ledger_postings.amount_fen',
      'ledger_transactions.kind',
      'orders.id as order_id',
      'orders.order_no',
    ])
    .where('ledger_postings.account_id', '=', account.id)
    .orderBy('ledger_postings.created_at', 'desc')
    .orderBy('ledger_postings.id', 'desc')
    .limit(limit)
    .execute();
  return {
    balanceFen: account.balance,
    entries: rows.map((r) => ({
      at: r.created_at,
      kind: r.kind,
      amountFen: Number(r.amount_fen),
      orderId: r.order_id,
      orderNo: r.order_no,
    })),
  };
}

/** A shop's ledger balances, sales and settlements (finance adds withdrawals: its `MerchantFinance`). */
export const merchantFinanceSchema = z.object({
  payableFen: z.number().int().describe('What the platform owes the shop (应付余额); negative is a debt'),
  depositFen: z.number().int().describe('The 保证金 deposit'),
  escrowFen: z
    .number()
    .int()
    .describe('Delivered, not yet settled (担保中), net of refunds paid or on their way back'),
  commissionBp: z.number().int(),
  sales: z.object({
    orders: z.number().int().describe('Delivered orders with at least one unit not refunded'),
    units: z.number().int().describe('Their units not refunded'),
    grossFen: z.number().int().describe('What buyers paid for delivered (and later refunded) orders'),
    refundedFen: z.number().int().describe('Refunds of those orders, paid or on their way back'),
    amountFen: z.number().int().describe('成交金额: grossFen − refundedFen'),
  }),
  settlements: z.array(
    z.object({
      orderId: z.string(),
      orderNo: z.string(),
      productName: z.string().nullable(),
      orderTotalFen: z.number().int(),
      amountFen: z
        .number()
        .int()
        .describe('What was settled: the order total less refunds before settlement'),
      commissionFen: z.number().int(),
      netFen: z.number().int().describe('What reached the payable balance'),
      settledAt: z.string(),
    }),
  ),
});
export type MerchantFinance = z.infer<typeof merchantFinanceSchema>;

/** Sum of the committed payouts (refunds paid or on their way back) of a shop's orders. */
async function refundedOf(
  db: Db,
  merchantId: string,
  states: readonly ('DELIVERED' | 'REFUNDED')[],
  unsettledOnly: boolean,
): Promise<number> {
  const row = await db
    .selectFrom('payouts')
    .innerJoin('orders', 'orders.id', 'payouts.order_id')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('payouts.amount_fen'), eb.val(0)).as('total'))
    .where('orders.merchant_id', '=', merchantId)
    .where('orders.kind', '=', 'GOODS')
    .where('orders.state', 'in', [...states])
    .$if(unsettledOnly, (q) => q.where('orders.settled_at', 'is', null))
    .where('payouts.state', 'in', [...COMMITTED_PAYOUT_STATES])
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/**
 * A shop's balances and sales, net of refunds (Stage 6): refunded money — paid back or on its way
 * back — is neither a sale nor held for the shop, the same amount settlement leaves out.
 */
export async function merchantFinance(db: Db, merchantId: string): Promise<MerchantFinance> {
  const merchant = await db
    .selectFrom('merchants')
    .select(['deposit_fen', 'commission_bp'])
    .where('id', '=', merchantId)
    .executeTakeFirstOrThrow();
  // Channel orders are paid and refunded on the channel (ADR 0008): no money of them is held or
  // settled here, so they are not the shop's Kameng sales.
  const goods = db
    .selectFrom('orders')
    .where('orders.merchant_id', '=', merchantId)
    .where('orders.kind', '=', 'GOODS')
    .where('orders.payment_method', '<>', 'CHANNEL');
  const [payable, deposit, held, heldRefunded, gross, refunded, counts, units, settled] = await Promise.all([
    balanceOf(db, 'MERCHANT_PAYABLE', merchantId),
    balanceOf(db, 'MERCHANT_DEPOSIT', merchantId),
    goods
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_fen'), eb.val(0)).as('total'))
      .where('state', '=', 'DELIVERED')
      .where('settled_at', 'is', null)
      .executeTakeFirstOrThrow(),
    refundedOf(db, merchantId, ['DELIVERED'], true),
    goods
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_fen'), eb.val(0)).as('total'))
      .where('state', 'in', ['DELIVERED', 'REFUNDED'])
      .executeTakeFirstOrThrow(),
    refundedOf(db, merchantId, ['DELIVERED', 'REFUNDED'], false),
    goods
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'DELIVERED')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('units')
            .select('units.id')
            .whereRef('units.order_id', '=', 'orders.id')
            .where('units.refunded_at', 'is', null),
        ),
      )
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('units')
      .innerJoin('orders', 'orders.id', 'units.order_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('orders.merchant_id', '=', merchantId)
      .where('orders.kind', '=', 'GOODS')
      .where('orders.payment_method', '<>', 'CHANNEL')
      .where('orders.state', '=', 'DELIVERED')
      .where('units.refunded_at', 'is', null)
      .executeTakeFirstOrThrow(),
    goods
      .select(['id', 'order_no', 'product_name', 'total_fen', 'commission_fen', 'settled_at'])
      .where('settled_at', 'is not', null)
      .orderBy('settled_at', 'desc')
      .limit(100)
      .execute(),
  ]);
  // What each settlement put into the payable balance, as the ledger has it.
  const credited = new Map<string, number>();
  if (payable.id && settled.length > 0) {
    const rows = await db
      .selectFrom('ledger_transactions')
      .innerJoin('ledger_postings', 'ledger_postings.transaction_id', 'ledger_transactions.id')
      .select(['ledger_transactions.reference_id', 'ledger_postings.amount_fen'])
      .where('ledger_transactions.kind', '=', 'SETTLEMENT')
      .where('ledger_transactions.reference_type', '=', 'order')
      .where(
        'ledger_transactions.reference_id',
        'in',
        settled.map((s) => s.id),
      )
      .where('ledger_postings.account_id', '=', payable.id)
      .execute();
    for (const r of rows)
      credited.set(r.reference_id, (credited.get(r.reference_id) ?? 0) + Number(r.amount_fen));
  }
  const grossFen = Number(gross.total);
  return {
    payableFen: payable.balance,
    // The declared 保证金 until after-sales first needs it; from then on its ledger account.
    depositFen: deposit.id ? deposit.balance : merchant.deposit_fen,
    escrowFen: Number(held.total) - heldRefunded,
    commissionBp: merchant.commission_bp,
    sales: {
      orders: Number(counts.n),
      units: Number(units.n),
      grossFen,
      refundedFen: refunded,
      amountFen: grossFen - refunded,
    },
    settlements: settled.map((s) => {
      const commissionFen = s.commission_fen ?? 0;
      const netFen = credited.get(s.id) ?? 0;
      return {
        orderId: s.id,
        orderNo: s.order_no,
        productName: s.product_name,
        orderTotalFen: s.total_fen,
        amountFen: netFen + commissionFen,
        commissionFen,
        netFen,
        settledAt: s.settled_at!,
      };
    }),
  };
}

/** The buyer's own wallet. */
export function myWallet(ctx: { db: Db }, actor: Actor): Promise<Wallet> {
  if (actor.kind !== 'user' || actor.role !== 'buyer') fail('order.buyers_only');
  return walletOf(ctx.db, actor.id);
}
