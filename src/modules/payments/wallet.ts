/** Read models over the ledger: a buyer's wallet (余额) and a merchant's balances and settlements. */
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import type { AccountKind } from '../../platform/db/schema.js';

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

export const merchantFinanceSchema = z
  .object({
    payableFen: z.number().int(),
    depositFen: z.number().int(),
    escrowFen: z.number().int(),
    commissionBp: z.number().int(),
    sales: z.object({ orders: z.number().int(), units: z.number().int(), amountFen: z.number().int() }),
    settlements: z.array(
      z.object({
        orderId: z.string(),
        orderNo: z.string(),
        productName: z.string().nullable(),
        amountFen: z.number().int(),
        commissionFen: z.number().int(),
        netFen: z.number().int(),
        settledAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'MerchantFinance' });
export type MerchantFinance = z.infer<typeof merchantFinanceSchema>;

export async function merchantFinance(db: Db, merchantId: string): Promise<MerchantFinance> {
  const merchant = await db
    .selectFrom('merchants')
    .select(['deposit_fen', 'commission_bp'])
    .where('id', '=', merchantId)
    .executeTakeFirstOrThrow();
  const [payable, deposit, held, sales, settled] = await Promise.all([
    balanceOf(db, 'MERCHANT_PAYABLE', merchantId),
    balanceOf(db, 'MERCHANT_DEPOSIT', merchantId),
    db
      .selectFrom('orders')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_fen'), eb.val(0)).as('total'))
      .where('merchant_id', '=', merchantId)
      .where('state', '=', 'DELIVERED')
      .where('settled_at', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('orders')
      .select((eb) => [
        eb.fn.countAll<number>().as('orders'),
        eb.fn.coalesce(eb.fn.sum<number>('quantity'), eb.val(0)).as('units'),
        eb.fn.coalesce(eb.fn.sum<number>('total_fen'), eb.val(0)).as('amount'),
      ])
      .where('merchant_id', '=', merchantId)
      .where('state', '=', 'DELIVERED')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('orders')
      .select(['id', 'order_no', 'product_name', 'total_fen', 'commission_fen', 'settled_at'])
      .where('merchant_id', '=', merchantId)
      .where('settled_at', 'is not', null)
      .orderBy('settled_at', 'desc')
      .limit(100)
      .execute(),
  ]);
  return {
    payableFen: payable.balance,
    // The declared 保证金 until after-sales first needs it; from then on its ledger account.
    depositFen: deposit.id ? deposit.balance : merchant.deposit_fen,
    escrowFen: Number(held.total),
    commissionBp: merchant.commission_bp,
    sales: { orders: Number(sales.orders), units: Number(sales.units), amountFen: Number(sales.amount) },
    settlements: settled.map((s) => ({
      orderId: s.id,
      orderNo: s.order_no,
      productName: s.product_name,
      amountFen: s.total_fen,
      commissionFen: s.commission_fen ?? 0,
      netFen: s.total_fen - (s.commission_fen ?? 0),
      settledAt: s.settled_at!,
    })),
  };
}

/** The buyer's own wallet. */
export function myWallet(ctx: { db: Db }, actor: Actor): Promise<Wallet> {
  if (actor.kind !== 'user' || actor.role !== 'buyer') fail('order.buyers_only');
  return walletOf(ctx.db, actor.id);
}

/** The actor's own shop's balances, sales and settlements. */
export function myFinance(ctx: { db: Db }, actor: Actor): Promise<MerchantFinance> {
  const merchantId = actor.kind === 'user' || actor.kind === 'token' ? actor.merchantId : null;
  return merchantFinance(ctx.db, merchantId ?? fail('catalog.not_merchant'));
}
