/**
 * The dispute aggregate's table (spec §9): every (from, to, role) against an expectation, every
 * state reachable, and finality — DECIDED has no exit for anyone; a submitted statement neither.
 * (The database's own refusal of any change to a decided dispute is in disputes.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  disputeTransitions,
  statementTransitions,
  type DisputeActor,
  type StatementActor,
} from '../../src/modules/disputes/lifecycle.js';
import { merchantTransitions } from '../../src/modules/disputes/penalties.js';
import { checkTransition, reachableStates, terminalStates } from '../../src/platform/fsm.js';

describe('dispute transition table', () => {
  const STATES = ['EVIDENCE', 'ARBITRATION', 'DECIDED'] as const;
  const ROLES: DisputeActor[] = ['system', 'arbitrator'];
  const ALLOWED: Record<string, DisputeActor[]> = {
    'EVIDENCE>ARBITRATION': ['system'], // both submitted, or the evidence deadline passed
    'ARBITRATION>DECIDED': ['arbitrator'],
  };

  it('every state reachable from EVIDENCE; DECIDED is the only end and has no exit (final)', () => {
    expect([...reachableStates(disputeTransitions, 'EVIDENCE')].sort()).toEqual([...STATES].sort());
    expect(terminalStates(disputeTransitions)).toEqual(['DECIDED']);
  });

  const triples = STATES.flatMap((from) =>
    STATES.flatMap((to) => ROLES.map((by) => [from, to, by] as const)),
  );
  it.each(triples)('%s → %s by %s', (from, to, by) => {
    const allowed = ALLOWED[`${from}>${to}`];
    expect(checkTransition(disputeTransitions, from, to, by)).toBe(
      allowed === undefined ? 'no_edge' : allowed.includes(by) ? 'ok' : 'forbidden',
    );
  });
});

describe('statement and merchant tables', () => {
  it('a statement is submitted once by its party and never moves again', () => {
    const roles: StatementActor[] = ['buyer', 'merchant'];
    for (const by of roles)
      expect(checkTransition(statementTransitions, 'DRAFT', 'SUBMITTED', by)).toBe('ok');
    for (const by of roles)
      expect(checkTransition(statementTransitions, 'SUBMITTED', 'DRAFT', by)).toBe('no_edge');
    expect(terminalStates(statementTransitions)).toEqual(['SUBMITTED']);
  });

  it('the system suspends past the threshold; only an admin reinstates', () => {
    expect(checkTransition(merchantTransitions, 'ACTIVE', 'SUSPENDED', 'system')).toBe('ok');
    expect(checkTransition(merchantTransitions, 'ACTIVE', 'SUSPENDED', 'admin')).toBe('ok');
    expect(checkTransition(merchantTransitions, 'SUSPENDED', 'ACTIVE', 'admin')).toBe('ok');
    expect(checkTransition(merchantTransitions, 'SUSPENDED', 'ACTIVE', 'system')).toBe('forbidden');
  });
});
