/**
 * A merchant's two balances as the ledger has them — payable (应付余额, may be negative: a debt) and
 * the 保证金 deposit — and the movement between them (Stage 6): a top-up of the deposit from the
 * payable balance. Callers hold the merchant's row lock (`lockMerchant`), which every movement
 * that lowers either balance takes first — clawbacks, deposit penalties, top-ups, withdrawals —
 * so what is read here does not move before the caller's transaction ends.
 */
import type { Actor } from '../../platform/actor.js';
import { forUpdate, type Db, type Engine } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { fenToYuan } from '../../platform/money.js';
import { ensureAccount, postTransaction } from './ledger.js';
import { depositAccount } from './refunds.js';

export interface MerchantBalances {
  /** What the platform owes the merchant; negative is the merchant's debt. */
  payableFen: number;
  /** The 保证金: its ledger account, or the declared figure until the account is opened. */
  depositFen: number;
}

/** Locks the merchant's row (lock order: the merchant before any ledger row) and returns it. */
export async function lockMerchant(
  trx: Db,
  engine: Engine,
  merchantId: string,
): Promise<{ id: string; deposit_fen: number; status: 'ACTIVE' | 'SUSPENDED' }> {
  return forUpdate(
    trx.selectFrom('merchants').select(['id', 'deposit_fen', 'status']).where('id', '=', merchantId),
    engine,
  ).executeTakeFirstOrThrow();
}

export async function merchantBalances(db: Db, merchantId: string): Promise<MerchantBalances> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select(['kind', 'balance_fen'])
    .where('owner_id', '=', merchantId)
    .where('kind', 'in', ['MERCHANT_PAYABLE', 'MERCHANT_DEPOSIT'])
    .execute();
  const merchant = await db
    .selectFrom('merchants')
    .select('deposit_fen')
    .where('id', '=', merchantId)
    .executeTakeFirstOrThrow();
  const payable = rows.find((r) => r.kind === 'MERCHANT_PAYABLE');
  const deposit = rows.find((r) => r.kind === 'MERCHANT_DEPOSIT');
  return {
    payableFen: payable ? Number(payable.balance_fen) : 0,
    depositFen: deposit ? Number(deposit.balance_fen) : merchant.deposit_fen,
  };
}

/**
 * Moves `amountFen` of the payable balance into the deposit: one balanced transaction keyed by the
 * top-up's id, the declared `merchants.deposit_fen` kept in step. Refused when the payable balance
 * (what is left of it after withdrawals in flight, which already left it) does not cover it.
 * The caller holds the merchant's lock.
 */
export async function moveToDeposit(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  input: { merchantId: string; declaredDepositFen: number; amountFen: number; topupId: string },
): Promise<MerchantBalances> {
  const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', input.merchantId, c.at);
  const available = Math.max(Number(payable.balance_fen), 0);
  if (input.amountFen > available)
    fail('deposit.exceeds_payable', {
      field: 'amountFen',
      params: { amount: fenToYuan(input.amountFen), available: fenToYuan(available) },
      data: { availableFen: available },
    });
  const deposit = await depositAccount(trx, c, input.merchantId, input.declaredDepositFen);
  await postTransaction(trx, c.actor, c.at, {
    idempotencyKey: `deposit-topup:${input.topupId}`,
    kind: 'DEPOSIT_TOPUP',
    reference: { type: 'merchant', id: input.merchantId },
    postings: [
      { accountId: payable.id, amountFen: -input.amountFen },
      { accountId: deposit.id, amountFen: input.amountFen },
    ],
  });
  const depositFen = Number(deposit.balance_fen) + input.amountFen;
  await trx
    .updateTable('merchants')
    .set({ deposit_fen: depositFen })
    .where('id', '=', input.merchantId)
    .execute();
  return { payableFen: Number(payable.balance_fen) - input.amountFen, depositFen };
}
