/**
 * A deposit (保证金) deduction for a merchant's violation (spec §9): the money goes from the
 * merchant's deposit to the wronged buyer's wallet as compensation — the deposit exists to answer
 * for the merchant's faults toward buyers (as 消费者保障 deposits do), and the buyer is the one who
 * bore the cost of the fault (time, a dispute). Never more than the deposit holds: a penalty does
 * not create debt. One balanced ledger transaction per violation (idempotent on its id).
 */
import type { Actor } from '../../platform/actor.js';
import { forUpdate, type Db, type Engine } from '../../platform/db/dialect.js';
import { ensureAccount, postTransaction } from './ledger.js';
import { depositAccount } from './refunds.js';

export async function compensateFromDeposit(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  input: { merchantId: string; buyerId: string; amountFen: number; violationId: string },
): Promise<number> {
  if (input.amountFen <= 0) return 0;
  // The merchant row first, as clawbacks take it: deductions of one merchant run one after the other.
  const merchant = await forUpdate(
    trx.selectFrom('merchants').select(['id', 'deposit_fen']).where('id', '=', input.merchantId),
    c.engine,
  ).executeTakeFirstOrThrow();
  const deposit = await depositAccount(trx, c, merchant.id, merchant.deposit_fen);
  const amount = Math.min(Math.max(deposit.balance_fen, 0), input.amountFen);
  if (amount === 0) return 0;
  const wallet = await ensureAccount(trx, 'WALLET', input.buyerId, c.at);
  await postTransaction(trx, c.actor, c.at, {
    idempotencyKey: `violation:${input.violationId}`,
    kind: 'VIOLATION_COMPENSATION',
    reference: { type: 'merchant_violation', id: input.violationId },
    postings: [
      { accountId: deposit.id, amountFen: -amount },
      { accountId: wallet.id, amountFen: amount },
    ],
  });
  await trx
    .updateTable('merchants')
    .set({ deposit_fen: deposit.balance_fen - amount })
    .where('id', '=', merchant.id)
    .execute();
  return amount;
}

/**
 * The platform overturned its own support decision in a dispute the merchant opened: the refund
 * the buyer received stands (the platform does not take money back from a buyer for its own
 * mistake), and the platform pays the merchant what the refund cost it — the refunded amount less
 * the commission the platform would have kept — from platform revenue. One balanced transaction,
 * once per dispute.
 */
export async function compensateMerchant(
  trx: Db,
  c: { actor: Actor; at: Date },
  input: { merchantId: string; disputeId: string; amountFen: number; commissionBp: number },
): Promise<number> {
  const amount = input.amountFen - Math.floor((input.amountFen * input.commissionBp) / 10_000);
  if (amount <= 0) return 0;
  const funds = await ensureAccount(trx, 'GATEWAY_CLEARING', 'platform-funds', c.at);
  const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', input.merchantId, c.at);
  await postTransaction(trx, c.actor, c.at, {
    idempotencyKey: `dispute-compensation:${input.disputeId}`,
    kind: 'DISPUTE_COMPENSATION',
    reference: { type: 'dispute', id: input.disputeId },
    postings: [
      { accountId: funds.id, amountFen: -amount },
      { accountId: payable.id, amountFen: amount },
    ],
  });
  return amount;
}
