/**
 * Payment and payout lifecycles as transition tables, each with its one version-checked
 * transition function (conditional UPDATE + audit event in the caller's transaction).
 */
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { PaymentState, PayoutState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { checkTransition, type Transitions } from '../../platform/fsm.js';
import { appendAudit } from '../audit/index.js';

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

interface Move<S extends string, R> {
  row: { id: string; state: S; version: number };
  to: S;
  by: MoneyActor;
  actor: Actor;
  at: Date;
  set?: Partial<R>;
  data?: Record<string, unknown>;
}

function check<S extends string>(table: Transitions<S, MoneyActor>, from: S, to: S, by: MoneyActor): void {
  const result = checkTransition(table, from, to, by);
  if (result !== 'ok')
    fail(result === 'forbidden' ? 'auth.forbidden' : 'payment.transition_not_allowed', {
      params: { from, to },
    });
}

/**
 * The one version-checked move both aggregates share: edge check, `UPDATE … WHERE id, state,
 * version` (zero rows is a 409) and the audit event. Both tables have the same id / state /
 * version / updated_at columns; the update is typed against `payments` for both.
 */
async function move<S extends string>(
  trx: Db,
  table: 'payments' | 'payouts',
  transitions: Transitions<S, MoneyActor>,
  m: Move<S, object>,
): Promise<void> {
  check(transitions, m.row.state, m.to, m.by);
  const set = { ...m.set, state: m.to, version: m.row.version + 1, updated_at: now(m.at) };
  const res = await trx
    .updateTable(table as 'payments')
    .set(set as Partial<Row<'payments'>>)
    .where('id', '=', m.row.id)
    .where('state', '=', m.row.state as PaymentState)
    .where('version', '=', m.row.version)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) fail('request.conflict', { field: 'version' });
  const kind = table === 'payments' ? 'payment' : 'payout';
  await appendAudit(trx, {
    actor: m.actor,
    action: `${kind}.${m.to.toLowerCase()}`,
    objectType: kind,
    objectId: m.row.id,
    data: { from: m.row.state, to: m.to, ...m.data },
    at: m.at,
  });
}

export const transitionPayment = (
  trx: Db,
  m: Move<PaymentState, Omit<Row<'payments'>, 'id' | 'state' | 'version'>>,
): Promise<void> => move(trx, 'payments', paymentTransitions, m);

export const transitionPayout = (
  trx: Db,
  m: Move<PayoutState, Omit<Row<'payouts'>, 'id' | 'state' | 'version'>>,
): Promise<void> => move(trx, 'payouts', payoutTransitions, m);
