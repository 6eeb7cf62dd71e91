/**
 * The withdrawal aggregate's machine (ADR 0005):
 *
 *   REQUESTED ──▶ PROCESSING ──▶ PAID
 *       │              └───────▶ FAILED
 *       ├──▶ PAID    (the bank's result arrived before its acceptance was recorded)
 *       └──▶ FAILED  (the bank refused at once: a frozen or closed account)
 *
 * Entering PAID moves the money from transit to the bank's clearing account; entering FAILED
 * returns it to the merchant's payable balance. A row enters a state once (the version-checked
 * UPDATE), and the ledger keys the movement by the withdrawal: a failure returns the money once,
 * however many failure notices arrive. Only the system moves a withdrawal: the bank decides.
 */
import { now } from '../../platform/db/dialect.js';
import type { WithdrawalState } from '../../platform/db/schema.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';
import { postPaid, postReturned } from './flows.js';

export type WithdrawalActor = 'system';

export const withdrawalTransitions: Transitions<WithdrawalState, WithdrawalActor> = {
  REQUESTED: { PROCESSING: { by: ['system'] }, PAID: { by: ['system'] }, FAILED: { by: ['system'] } },
  PROCESSING: { PAID: { by: ['system'] }, FAILED: { by: ['system'] } },
  PAID: {},
  FAILED: {},
};

export const withdrawalMachine = defineMachine({
  name: 'withdrawal',
  table: 'withdrawals',
  column: 'state',
  initial: ['REQUESTED'],
  terminal: ['PAID', 'FAILED'],
  transitions: withdrawalTransitions,
  notAllowed: 'withdrawal.transition_not_allowed',
  stamp: {
    PAID: (at) => ({ finished_at: now(at) }),
    FAILED: (at) => ({ finished_at: now(at) }),
  },
  onEnter: {
    PAID: (e) => postPaid(e.trx, e.actor, e.at, e.row),
    FAILED: (e) => postReturned(e.trx, e.actor, e.at, e.row),
  },
});
