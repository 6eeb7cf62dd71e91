/**
 * Transition tables as typed data: every state is listed, each edge names who may take it.
 * `checkTransition` is the single gate every state change of an aggregate goes through.
 */
export type Transitions<S extends string, By extends string> = {
  readonly [From in S]: { readonly [To in S]?: { readonly by: readonly By[] } };
};

export type TransitionCheck = 'ok' | 'no_edge' | 'forbidden';

export function checkTransition<S extends string, By extends string>(
  table: Transitions<S, By>,
  from: S,
  to: S,
  by: By,
): TransitionCheck {
  const edge = table[from][to];
  if (!edge) return 'no_edge';
  return edge.by.includes(by) ? 'ok' : 'forbidden';
}

export function reachableStates<S extends string, By extends string>(
  table: Transitions<S, By>,
  initial: S,
): Set<S> {
  const seen = new Set<S>([initial]);
  const queue: S[] = [initial];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const to of Object.keys(table[s]) as S[]) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

export function terminalStates<S extends string, By extends string>(table: Transitions<S, By>): S[] {
  return (Object.keys(table) as S[]).filter((s) => Object.keys(table[s]).length === 0);
}
