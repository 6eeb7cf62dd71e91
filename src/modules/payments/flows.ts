/**
 * The money movements of orders, as balanced ledger transactions (spec §4): who pays whom when
 * an order is paid, settled, or paid back. Each runs inside the caller's state-change transaction
 * and carries an idempotency key derived from the object it belongs to.
 */
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { ensureAccount, postTransaction, type MoneyMovement } from './ledger.js';
import { BALANCE_PROVIDER } from './registry.js';

/** Owner id of the platform's own accounts (revenue). */
export const PLATFORM = 'platform';

/**
 * Escrow is split over 16 accounts by order, so concurrent checkouts (a flash sale) do not all
 * update — and on PostgreSQL lock — one balance row. Their sum is the platform's escrow; an order's
 * money always stays in its own shard, from payment to settlement or payout.
 */
export const ESCROW_SHARDS = 16;
export function escrowOwner(orderId: string): string {
  let h = 0;
  for (let i = 0; i < orderId.length; i++) h = (h * 31 + orderId.charCodeAt(i)) >>> 0;
  return `escrow-${h % ESCROW_SHARDS}`;
}

type Order = Pick<Row<'orders'>, 'id' | 'kind' | 'buyer_id' | 'merchant_id' | 'total_fen'>;
type Payment = Pick<Row<'payments'>, 'id' | 'provider' | 'amount_fen'>;

/** Where the payer's money comes from: their wallet, or the gateway that collected it. */
const sourceAccount = (trx: Db, payment: Payment, buyerId: string, at: Date) =>
  payment.provider === BALANCE_PROVIDER
    ? ensureAccount(trx, 'WALLET', buyerId, at)
    : ensureAccount(trx, 'GATEWAY_CLEARING', payment.provider, at);

/** Goods money waits in escrow; a top-up lands in the wallet; a membership is platform revenue. */
function destination(trx: Db, order: Order, at: Date) {
  switch (order.kind) {
    case 'GOODS':
      return ensureAccount(trx, 'ESCROW', escrowOwner(order.id), at);
    case 'TOPUP':
      return ensureAccount(trx, 'WALLET', order.buyer_id, at);
    case 'MEMBERSHIP':
      return ensureAccount(trx, 'PLATFORM_REVENUE', PLATFORM, at);
  }
}

export async function postOrderPayment(
  trx: Db,
  actor: Actor,
  at: Date,
  order: Order,
  payment: Payment,
): Promise<void> {
  const [from, to] = [
    await sourceAccount(trx, payment, order.buyer_id, at),
    await destination(trx, order, at),
  ];
  await postTransaction(trx, actor, at, orderPaymentMovement(order, payment, from.id, to.id));
}

/** The movement of an order's payment: from the payer's wallet or gateway to escrow (goods), the wallet (top-up) or revenue (membership). */
export function orderPaymentMovement(
  order: Order,
  payment: Payment,
  fromId: string,
  toId: string,
): MoneyMovement {
  return {
    idempotencyKey: `payment:${payment.id}`,
    kind:
      order.kind === 'TOPUP' ? 'TOPUP' : order.kind === 'MEMBERSHIP' ? 'MEMBERSHIP_PAYMENT' : 'ORDER_PAYMENT',
    reference: { type: 'order', id: order.id },
    postings: [
      { accountId: fromId, amountFen: -payment.amount_fen },
      { accountId: toId, amountFen: payment.amount_fen },
    ],
  };
}

/** Escrow → merchant payable, less the platform's commission. */
export async function postSettlement(
  trx: Db,
  actor: Actor,
  at: Date,
  order: Order & { merchant_id: string },
  amountFen: number,
  commissionFen: number,
): Promise<void> {
  const escrow = await ensureAccount(trx, 'ESCROW', escrowOwner(order.id), at);
  const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', order.merchant_id, at);
  const postings = [
    { accountId: escrow.id, amountFen: -amountFen },
    { accountId: payable.id, amountFen: amountFen - commissionFen },
  ];
  if (commissionFen > 0) {
    const revenue = await ensureAccount(trx, 'PLATFORM_REVENUE', PLATFORM, at);
    postings.push({ accountId: revenue.id, amountFen: commissionFen });
  }
  await postTransaction(trx, actor, at, {
    idempotencyKey: `settlement:${order.id}`,
    kind: 'SETTLEMENT',
    reference: { type: 'order', id: order.id },
    postings: postings.filter((p) => p.amountFen !== 0),
  });
}

/** A payout reached the payer: the money leaves escrow back along the path it came. */
export async function postPayout(
  trx: Db,
  actor: Actor,
  at: Date,
  payout: Pick<Row<'payouts'>, 'id' | 'order_id' | 'provider' | 'amount_fen' | 'buyer_id'>,
): Promise<void> {
  const escrow = await ensureAccount(trx, 'ESCROW', escrowOwner(payout.order_id), at);
  const back = await sourceAccount(
    trx,
    { id: payout.id, provider: payout.provider, amount_fen: payout.amount_fen },
    payout.buyer_id,
    at,
  );
  await postTransaction(trx, actor, at, {
    idempotencyKey: `payout:${payout.id}`,
    kind: 'PAYOUT',
    reference: { type: 'order', id: payout.order_id },
    postings: [
      { accountId: escrow.id, amountFen: -payout.amount_fen },
      { accountId: back.id, amountFen: payout.amount_fen },
    ],
  });
}
