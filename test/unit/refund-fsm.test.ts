/**
 * The refund request lifecycle table, exhaustively: every state reachable, the terminal states
 * exit-free, and every (from, to, role) triple answered exactly as this expectation table says —
 * so adding or widening an edge is a deliberate change to both.
 */
import { describe, expect, it } from 'vitest';
import { refundTransitions, type RefundActor } from '../../src/modules/aftersales/lifecycle.js';
import { OPEN_REFUND_STATES, type RefundState } from '../../src/platform/db/schema.js';
import { checkTransition, reachableStates, terminalStates } from '../../src/platform/fsm.js';

const STATES: RefundState[] = [
  'PENDING_REVIEW',
  'SUPPORT_REVIEW',
  'AWAITING_BUYER',
  'APPROVED',
  'REFUNDING',
  'REFUNDED',
  'REFUND_ABNORMAL',
  'REJECTED',
  'DISPUTED',
  'CANCELLED',
  'CLOSED',
];
const ROLES: RefundActor[] = ['buyer', 'merchant', 'support', 'system', 'arbitrator', 'channel'];

/**
 * The edges spec §7/§8 call for, with who takes them — `channel` for a channel order's refund, moved
 * by the channel's own states (spec §11). Anything not listed is refused.
 */
const EXPECTED: Record<string, RefundActor[]> = {
  'PENDING_REVIEW>APPROVED': ['merchant', 'system', 'channel'],
  'PENDING_REVIEW>REJECTED': ['merchant', 'channel'],
  'PENDING_REVIEW>AWAITING_BUYER': ['merchant'],
  'PENDING_REVIEW>SUPPORT_REVIEW': ['system'],
  'PENDING_REVIEW>CANCELLED': ['buyer', 'channel'],
  'PENDING_REVIEW>CLOSED': ['channel'],
  'SUPPORT_REVIEW>APPROVED': ['support', 'channel'],
  'SUPPORT_REVIEW>REJECTED': ['support', 'channel'],
  'SUPPORT_REVIEW>AWAITING_BUYER': ['support'],
  'SUPPORT_REVIEW>CANCELLED': ['buyer', 'channel'],
  'SUPPORT_REVIEW>CLOSED': ['channel'],
  'AWAITING_BUYER>PENDING_REVIEW': ['buyer'],
  'AWAITING_BUYER>SUPPORT_REVIEW': ['buyer'],
  'AWAITING_BUYER>CLOSED': ['system'],
  'AWAITING_BUYER>CANCELLED': ['buyer'],
  'APPROVED>REFUNDING': ['system'],
  'REFUNDING>REFUNDED': ['system'],
  'REFUNDING>REFUND_ABNORMAL': ['system'],
  'REFUNDING>CLOSED': ['channel'],
  'REFUND_ABNORMAL>REFUNDING': ['buyer', 'support', 'system'],
  'REFUND_ABNORMAL>REFUNDED': ['system'],
  'REJECTED>PENDING_REVIEW': ['buyer'],
  'REJECTED>SUPPORT_REVIEW': ['buyer'],
  'REJECTED>DISPUTED': ['buyer'],
  'REJECTED>CLOSED': ['buyer', 'system', 'channel'],
  // a channel order (Stage 7): the channel's staff refunded over the merchant's refusal
  'REJECTED>APPROVED': ['channel'],
  // the arbitrator's final decision executes itself (Stage 6)
  'DISPUTED>APPROVED': ['arbitrator'],
  'DISPUTED>CLOSED': ['arbitrator'],
};

describe('refund request transition table', () => {
  it('lists every state, each reachable from PENDING_REVIEW', () => {
    expect(Object.keys(refundTransitions).sort()).toEqual([...STATES].sort());
    expect([...reachableStates(refundTransitions, 'PENDING_REVIEW')].sort()).toEqual([...STATES].sort());
  });

  it('ends in REFUNDED, CANCELLED or CLOSED — with no exits; DISPUTED waits for the arbitrator', () => {
    expect(terminalStates(refundTransitions).sort()).toEqual(['CANCELLED', 'CLOSED', 'REFUNDED']);
  });

  it('open states are exactly the non-terminal ones (units and settlement stay held)', () => {
    const terminal = new Set(terminalStates(refundTransitions));
    expect([...OPEN_REFUND_STATES].sort()).toEqual(STATES.filter((s) => !terminal.has(s)).sort());
  });

  const triples = STATES.flatMap((from) =>
    STATES.flatMap((to) => ROLES.map((by) => [from, to, by] as const)),
  );
  it.each(triples)('%s → %s by %s', (from, to, by) => {
    const allowed = EXPECTED[`${from}>${to}`];
    const want = !allowed ? 'no_edge' : allowed.includes(by) ? 'ok' : 'forbidden';
    expect(checkTransition(refundTransitions, from, to, by)).toBe(want);
  });
});
