/**
 * Payment and payout lifecycles as transition tables, each defined once as a machine whose one
 * version-checked `transition()` (platform/fsm.ts) every state change goes through.
 */
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { PaymentState, PayoutState, Row } from '../../platform/db/schema.js';
import { defineMachine, type Move, type Transitions } from '../../platform/fsm.js';

export type MoneyActor = 'system' | 'support';

export const paymentTransitions: Transitions<PaymentState, MoneyActor> = {
  PENDING: { PAID: { by: ['system'] }, CLOSED: { by: ['system'] } },
  // The gateway reports a payment Kameng had already given up on (late payment): it is recorded.
  CLOSED: { PAID: { by: ['system'] } },
  PAID: {},
};

/**
 * Spec §8: PROCESSING → SUCCESS | ABNORMAL | CLOSED. An ABNORMAL payout is settled by support by
 * hand, or by the gateway itself when it later reports the money arrived (or closes the refund).
 */
export const payoutTransitions: Transitions<PayoutState, MoneyActor> = {
  PENDING: {
    PROCESSING: { by: ['system'] },
    SUCCESS: { by: ['system'] },
    ABNORMAL: { by: ['system'] },
    CLOSED: { by: ['system'] },
  },
  PROCESSING: { SUCCESS: { by: ['system'] }, ABNORMAL: { by: ['system'] }, CLOSED: { by: ['system'] } },
  ABNORMAL: { SUCCESS: { by: ['system', 'support'] }, CLOSED: { by: ['system', 'support'] } },
  SUCCESS: {},
  CLOSED: {},
};

/** The payment aggregate: paid at most once, whatever order the gateway's messages arrive in. */
export const paymentMachine = defineMachine({
  name: 'payment',
  table: 'payments',
  column: 'state',
  initial: ['PENDING'],
  terminal: ['PAID'],
  transitions: paymentTransitions,
  notAllowed: 'payment.transition_not_allowed',
});

/** The payout aggregate (spec §8): each one is one out_refund_no the gateway sees. */
export const payoutMachine = defineMachine({
  name: 'payout',
  table: 'payouts',
  column: 'state',
  initial: ['PENDING'],
  terminal: ['SUCCESS', 'CLOSED'],
  transitions: payoutTransitions,
  notAllowed: 'payment.transition_not_allowed',
});

export const transitionPayment = (
  trx: Db,
  m: Move<'payments', PaymentState, MoneyActor>,
): Promise<Row<'payments'>> => paymentMachine.transition(trx, m);

export const transitionPayout = (
  trx: Db,
  m: Move<'payouts', PayoutState, MoneyActor>,
): Promise<Row<'payouts'>> => payoutMachine.transition(trx, m);

/** An unpaid order was given up (expired or cancelled): its payment can no longer be paid here. */
export function closeUnpaidPayment(
  trx: Db,
  c: { actor: Actor; at: Date },
  payment: Row<'payments'>,
): Promise<Row<'payments'>> {
  return transitionPayment(trx, {
    row: payment,
    to: 'CLOSED',
    by: 'system',
    actor: c.actor,
    at: c.at,
    set: { closed_at: now(c.at) },
  });
}

/**
 * An ABNORMAL payout (a frozen 零钱, a closed card) given up for another destination — the buyer's
 * choice or support's: closed, marked as rerouted (a gateway SUCCESS for it later is a double
 * payment for support to recover).
 */
export function closeRerouted(
  trx: Db,
  c: { actor: Actor & { kind: 'user' }; at: Date },
  payout: Row<'payouts'>,
): Promise<Row<'payouts'>> {
  return transitionPayout(trx, {
    row: payout,
    to: 'CLOSED',
    by: 'support',
    actor: c.actor,
    at: c.at,
    set: { error_code: 'REROUTED_TO_BALANCE', finished_at: now(c.at) },
    data: { reroutedBy: c.actor.role },
  });
}
