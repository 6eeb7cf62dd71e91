/**
 * The money side of an approved after-sales refund (spec §4, §8): the payout back along the
 * original path, and — when the order's money already went to the merchant — taking it back into
 * escrow first: from the merchant's balance, then its deposit (保证金); what neither covers is
 * still refunded and becomes the merchant's debt (a negative balance netted against later
 * settlements). The platform gives back the commission it kept on that amount.
 */
import type { Actor } from '../../platform/actor.js';
import { forUpdate, type Db, type Engine } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { escrowOwner, PLATFORM } from './flows.js';
import { ensureAccount, postTransaction } from './ledger.js';
import { createPayout } from './payouts.js';
import type { PaymentsContext } from './registry.js';

type C = { actor: Actor; at: Date; engine: Engine };

/**
 * The merchant's 保证金 as a ledger account. The deposit is declared on the merchant
 * (`merchants.deposit_fen`); the first time after-sales needs it, that amount is opened in the
 * ledger (from the outside, like a top-up), so every later deduction is a balanced posting and
 * the declared figure follows the account.
 */
export async function depositAccount(trx: Db, c: C, merchantId: string, declaredFen: number) {
  const existing = await trx
    .selectFrom('ledger_accounts')
    .selectAll()
    .where('kind', '=', 'MERCHANT_DEPOSIT')
    .where('owner_id', '=', merchantId)
    .executeTakeFirst();
  if (existing) return existing;
  const deposit = await ensureAccount(trx, 'MERCHANT_DEPOSIT', merchantId, c.at);
  if (declaredFen > 0) {
    const outside = await ensureAccount(trx, 'GATEWAY_CLEARING', 'deposits-received', c.at);
    await postTransaction(trx, c.actor, c.at, {
      idempotencyKey: `deposit-opening:${merchantId}`,
      kind: 'DEPOSIT_OPENING',
      reference: { type: 'merchant', id: merchantId },
      postings: [
        { accountId: outside.id, amountFen: -declaredFen },
        { accountId: deposit.id, amountFen: declaredFen },
      ],
    });
  }
  return { ...deposit, balance_fen: declaredFen };
}

/** Escrow movements of an order's ledger transactions of one kind (debits negative). */
async function escrowMoved(trx: Db, orderId: string, escrowId: string, kind: string): Promise<number> {
  const row = await trx
    .selectFrom('ledger_postings')
    .innerJoin('ledger_transactions', 'ledger_transactions.id', 'ledger_postings.transaction_id')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('ledger_postings.amount_fen'), eb.val(0)).as('n'))
    .where('ledger_transactions.reference_type', '=', 'order')
    .where('ledger_transactions.reference_id', '=', orderId)
    .where('ledger_transactions.kind', '=', kind)
    .where('ledger_postings.account_id', '=', escrowId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The platform's commission returned with a refund after settlement, prorated so that across all
 * refunds of an order it adds up to exactly the commission taken at settlement (never a fen more
 * or less): the commission on everything clawed back so far, less what was already returned.
 */
async function commissionBack(
  trx: Db,
  order: Pick<Row<'orders'>, 'id' | 'commission_fen'>,
  escrowId: string,
  amountFen: number,
): Promise<number> {
  const commission = order.commission_fen ?? 0;
  if (commission === 0) return 0;
  const settled = -(await escrowMoved(trx, order.id, escrowId, 'SETTLEMENT'));
  if (settled <= 0) return 0;
  const before = await escrowMoved(trx, order.id, escrowId, 'REFUND_CLAWBACK');
  const share = (back: number) => Math.floor((commission * Math.min(back, settled)) / settled);
  return share(before + amountFen) - share(before);
}

async function clawBack(
  trx: Db,
  c: C,
  order: Pick<Row<'orders'>, 'id' | 'merchant_id' | 'commission_fen' | 'kind'>,
  requestId: string,
  amountFen: number,
): Promise<void> {
  const escrow = await ensureAccount(trx, 'ESCROW', escrowOwner(order.id), c.at);
  const postings = [{ accountId: escrow.id, amountFen }];
  if (order.kind === 'GOODS' && order.merchant_id) {
    // The merchant row is locked first: clawbacks of one merchant run one after the other and
    // each splits the amount on balances no one else is changing.
    const merchant = await forUpdate(
      trx.selectFrom('merchants').select(['id', 'deposit_fen']).where('id', '=', order.merchant_id),
      c.engine,
    ).executeTakeFirstOrThrow();
    const platformShare = await commissionBack(trx, order, escrow.id, amountFen);
    const merchantShare = amountFen - platformShare;
    // Read, not locked: locking it here would take a ledger row out of id order (a settlement
    // posts escrow and payable in id order). Clawbacks of one merchant are serialised by the
    // merchant row; a settlement landing meanwhile only means a little more came from the deposit.
    const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', merchant.id, c.at);
    const deposit = await depositAccount(trx, c, merchant.id, merchant.deposit_fen);
    const fromPayable = Math.min(Math.max(payable.balance_fen, 0), merchantShare);
    const fromDeposit = Math.min(Math.max(deposit.balance_fen, 0), merchantShare - fromPayable);
    const debt = merchantShare - fromPayable - fromDeposit;
    postings.push({ accountId: payable.id, amountFen: -(fromPayable + debt) });
    if (fromDeposit > 0) {
      postings.push({ accountId: deposit.id, amountFen: -fromDeposit });
      await trx
        .updateTable('merchants')
        .set({ deposit_fen: deposit.balance_fen - fromDeposit })
        .where('id', '=', merchant.id)
        .execute();
    }
    if (platformShare > 0) {
      const revenue = await ensureAccount(trx, 'PLATFORM_REVENUE', PLATFORM, c.at);
      postings.push({ accountId: revenue.id, amountFen: -platformShare });
    }
  } else {
    // A membership's money is platform revenue from the start.
    const revenue = await ensureAccount(trx, 'PLATFORM_REVENUE', PLATFORM, c.at);
    postings.push({ accountId: revenue.id, amountFen: -amountFen });
  }
  await postTransaction(trx, c.actor, c.at, {
    idempotencyKey: `clawback:${requestId}`,
    kind: 'REFUND_CLAWBACK',
    reference: { type: 'order', id: order.id },
    postings: postings.filter((p) => p.amountFen !== 0),
  });
}

/**
 * Starts the refund of an approved request: money back into escrow if it had left, then one
 * payout row (PENDING; sent once the transaction commits). The payout cap — successful plus
 * in-flight never above what was paid — is checked under the payment's lock in `createPayout`.
 */
export async function startRefund(
  trx: Db,
  ctx: PaymentsContext,
  c: { actor: Actor; at: Date },
  input: { orderId: string; requestId: string; amountFen: number },
): Promise<string> {
  const order = await forUpdate(
    trx.selectFrom('orders').selectAll().where('id', '=', input.orderId),
    ctx.engine,
  ).executeTakeFirstOrThrow();
  // The payment row is locked before any ledger row (lock order: own rows, then shared ledger
  // rows); createPayout checks the refund cap under this same lock.
  const payment = await forUpdate(
    trx.selectFrom('payments').select(['id', 'provider', 'state']).where('order_id', '=', order.id),
    ctx.engine,
  ).executeTakeFirst();
  if (!payment || payment.state !== 'PAID') fail('payment.refund_exceeds_paid');
  // Settled goods money (or a membership's revenue) must come back into escrow to be paid out.
  if (order.settled_at !== null || order.kind === 'MEMBERSHIP')
    await clawBack(trx, { ...c, engine: ctx.engine }, order, input.requestId, input.amountFen);
  return createPayout(trx, ctx, c, {
    order,
    payment,
    purpose: 'REFUND',
    amountFen: input.amountFen,
    requestId: input.requestId,
  });
}
