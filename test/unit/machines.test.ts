/**
 * Every aggregate's state machine (issue 10), one parametrised test: the definitions the app loads
 * are sound — every state reachable from an initial one, terminal states exit-free and every other
 * state with a way out, every edge with someone allowed to take it, guards and hooks that exist —
 * and the one `check()` answers exactly what the table says for every (from, to, role).
 */
import { describe, expect, it } from 'vitest';
import '../../src/app.js'; // loads every module, and with them every machine definition
import {
  defineMachine,
  machines,
  problemsOf,
  reachableStates,
  terminalStates,
  type Transitions,
} from '../../src/platform/fsm.js';
import { DomainError } from '../../src/platform/errors.js';

const all = machines();

describe('the aggregates have machines', () => {
  it('every aggregate of the issue is there, once', () => {
    expect(all.map((m) => m.def.name).sort()).toEqual(
      [
        'key_batch',
        'keys',
        'membership',
        'order',
        'payment',
        'payout',
        'product',
        'refund_request',
        'user',
        'withdrawal',
        'dispute',
        'dispute_statement',
        'merchant',
        'channel_refund',
      ].sort(),
    );
    expect(new Set(all.map((m) => m.def.table)).size).toBe(all.length);
  });
});

describe.each(all.map((m) => [m.def.name, m] as const))('machine %s', (_name, machine) => {
  const { def } = machine;
  const states = Object.keys(def.transitions);
  const roles = [
    ...new Set(states.flatMap((s) => Object.values(def.transitions[s]).flatMap((e) => e?.by ?? []))),
  ];

  it('is sound: reachable, terminal states exit-free, no dead end that is not declared terminal', () => {
    expect(problemsOf(def)).toEqual([]);
    expect([...reachableStates(def.transitions, def.initial)].sort()).toEqual([...states].sort());
    expect(terminalStates(def.transitions).sort()).toEqual([...def.terminal].sort());
  });

  it('refuses every edge the table does not have, and every role the edge does not name', () => {
    for (const from of states)
      for (const to of states)
        for (const by of [...roles, 'nobody']) {
          const edge = def.transitions[from][to];
          let outcome = 'ok';
          try {
            machine.check(from, to, by);
          } catch (e) {
            outcome = e instanceof DomainError ? e.code : String(e);
          }
          const expected = !edge ? def.notAllowed : edge.by.includes(by) ? 'ok' : 'auth.forbidden';
          expect(outcome, `${def.name} ${from} → ${to} by ${by}`).toBe(expected);
        }
  });
});

describe('an unsound definition stops the server at start', () => {
  type S = 'A' | 'B' | 'C';
  const base = {
    name: 'test',
    table: 'orders' as const,
    column: 'state' as const,
    initial: ['A'] as const,
    notAllowed: 'request.invalid' as const,
  };
  it('an unreachable state', () => {
    const transitions: Transitions<S, 'x'> = { A: { B: { by: ['x'] } }, B: {}, C: {} };
    expect(() => defineMachine({ ...base, terminal: ['B', 'C'], transitions })).toThrow(/C is unreachable/);
  });
  it('a terminal state with an exit, and a dead end not declared terminal', () => {
    const transitions: Transitions<S, 'x'> = { A: { B: { by: ['x'] } }, B: { C: { by: ['x'] } }, C: {} };
    expect(() => defineMachine({ ...base, terminal: ['B'], transitions })).toThrow(
      /terminal state B has exits.*C has no exit but is not declared terminal/,
    );
  });
  it('an edge nobody may take, and an unknown guard', () => {
    const transitions: Transitions<S, 'x', 'g'> = {
      A: { B: { by: [] }, C: { by: ['x'], guard: 'g' } },
      B: {},
      C: {},
    };
    expect(() => defineMachine({ ...base, terminal: ['B', 'C'], transitions })).toThrow(
      /A → B: nobody may take it.*A → C: unknown guard g/,
    );
  });
});
