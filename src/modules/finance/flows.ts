/**
 * The money movements of a withdrawal, as balanced ledger transactions keyed by the withdrawal:
 *
 *   requested  MERCHANT_PAYABLE → in transit       (`withdrawal:<id>`)
 *   paid       in transit → the bank's clearing     (`withdrawal-paid:<id>`)
 *   failed     in transit → MERCHANT_PAYABLE        (`withdrawal-returned:<id>`)
 *
 * "In transit" is one clearing account (GATEWAY_CLEARING `withdrawals-in-transit`) that, unlike a
 * gateway's, may never go negative: nothing leaves it that did not go in. Its balance is every
 * withdrawal in flight. The bank's clearing account (`bank:<bank>`) is the platform's money paid
 * out through that bank, as a gateway's clearing account is the money collected through it.
 */
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { ensureAccount, postTransaction } from '../payments/index.js';

export const TRANSIT_OWNER = 'withdrawals-in-transit';

type Withdrawal = Pick<Row<'withdrawals'>, 'id' | 'merchant_id' | 'amount_fen' | 'bank'>;

const transit = (trx: Db, at: Date) => ensureAccount(trx, 'GATEWAY_CLEARING', TRANSIT_OWNER, at, false);

export async function postHold(trx: Db, actor: Actor, at: Date, w: Withdrawal): Promise<void> {
  const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', w.merchant_id, at);
  const held = await transit(trx, at);
  await postTransaction(trx, actor, at, {
    idempotencyKey: `withdrawal:${w.id}`,
    kind: 'WITHDRAWAL',
    reference: { type: 'withdrawal', id: w.id },
    postings: [
      { accountId: payable.id, amountFen: -w.amount_fen },
      { accountId: held.id, amountFen: w.amount_fen },
    ],
  });
}

export async function postPaid(trx: Db, actor: Actor, at: Date, w: Withdrawal): Promise<void> {
  const held = await transit(trx, at);
  const bank = await ensureAccount(trx, 'GATEWAY_CLEARING', `bank:${w.bank}`, at);
  await postTransaction(trx, actor, at, {
    idempotencyKey: `withdrawal-paid:${w.id}`,
    kind: 'WITHDRAWAL_PAID',
    reference: { type: 'withdrawal', id: w.id },
    postings: [
      { accountId: held.id, amountFen: -w.amount_fen },
      { accountId: bank.id, amountFen: w.amount_fen },
    ],
  });
}

/** A failed payout's money back to the payable balance — once: the key is the withdrawal's. */
export async function postReturned(trx: Db, actor: Actor, at: Date, w: Withdrawal): Promise<void> {
  const held = await transit(trx, at);
  const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', w.merchant_id, at);
  await postTransaction(trx, actor, at, {
    idempotencyKey: `withdrawal-returned:${w.id}`,
    kind: 'WITHDRAWAL_RETURNED',
    reference: { type: 'withdrawal', id: w.id },
    postings: [
      { accountId: held.id, amountFen: -w.amount_fen },
      { accountId: payable.id, amountFen: w.amount_fen },
    ],
  });
}
