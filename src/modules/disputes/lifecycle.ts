/**
 * The dispute aggregate (平台仲裁, spec §9) and each party's statement, on the platform's machine:
 *
 *   EVIDENCE ──(both parties submitted, or the evidence deadline passed: system)──▶ ARBITRATION
 *   ARBITRATION ──(the arbitrator decides)──▶ DECIDED   (final: no exit, and the database refuses
 *                                                        any change to a decided dispute)
 *
 * A statement is a DRAFT its party may edit until it submits it once (SUBMITTED, unchangeable —
 * like a dispute response to a card network), before the evidence deadline.
 */
import type { Db } from '../../platform/db/dialect.js';
import { forUpdate, type Engine } from '../../platform/db/dialect.js';
import type { DisputeState, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';

/** `system`: the sweeper and the submission that completes the evidence. */
export type DisputeActor = 'system' | 'arbitrator';

export const disputeTransitions: Transitions<DisputeState, DisputeActor> = {
  EVIDENCE: { ARBITRATION: { by: ['system'] } },
  ARBITRATION: { DECIDED: { by: ['arbitrator'] } },
  DECIDED: {},
};

export const disputeMachine = defineMachine({
  name: 'dispute',
  table: 'disputes',
  column: 'state',
  initial: ['EVIDENCE'],
  terminal: ['DECIDED'],
  transitions: disputeTransitions,
  notAllowed: 'dispute.transition_not_allowed',
});

export type StatementState = Row<'dispute_statements'>['state'];
export type StatementActor = 'buyer' | 'merchant';

export const statementTransitions: Transitions<StatementState, StatementActor, 'evidenceOpen'> = {
  DRAFT: { SUBMITTED: { by: ['buyer', 'merchant'], guard: 'evidenceOpen' } },
  SUBMITTED: {},
};

export const statementMachine = defineMachine({
  name: 'dispute_statement',
  table: 'dispute_statements',
  column: 'state',
  initial: ['DRAFT'],
  terminal: ['SUBMITTED'],
  transitions: statementTransitions,
  notAllowed: 'dispute.evidence_closed',
  guards: {
    // the dispute is still collecting evidence and its deadline has not passed (checked on the dispute row)
    evidenceOpen: {
      check: async ({ trx, row, at }) => {
        if (row.dispute_id === undefined) return false;
        const d = await trx
          .selectFrom('disputes')
          .select(['state', 'evidence_due_at'])
          .where('id', '=', row.dispute_id)
          .executeTakeFirst();
        return d?.state === 'EVIDENCE' && at.getTime() < Date.parse(d.evidence_due_at);
      },
      error: 'dispute.evidence_closed',
    },
  },
});

/** Locks a dispute row (after its buyer, as every after-sales transaction takes them). */
export async function lockDispute(trx: Db, engine: Engine, id: string): Promise<Row<'disputes'>> {
  const d = await forUpdate(
    trx.selectFrom('disputes').selectAll().where('id', '=', id),
    engine,
  ).executeTakeFirst();
  if (!d) fail('dispute.not_found');
  return d;
}
