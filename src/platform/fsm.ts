/**
 * State machines of the aggregates (architecture §1–2, issue 10): each aggregate defines its machine
 * once — its transition table as typed data, initial and terminal states, who may take each edge,
 * named guards and the effects of entering a state — and every state change of that aggregate goes
 * through the machine's one `transition()`:
 *
 *   edge and role check → guard → `UPDATE … SET state, version = version + 1 WHERE id AND state
 *   AND version RETURNING *` (zero rows: 409, someone else moved it first) → enter hook → audit
 *   event, all in the caller's unit of work.
 *
 * `transitionMany()` is the bulk variant (keys move by the hundred): one UPDATE per source state,
 * the affected-row count must match, one audit event. Definitions are validated when they are made,
 * so an unreachable state or a terminal state with an exit stops the server at start.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Actor } from './actor.js';
import { appendAudit } from './unit-of-work.js';
import type { AuditInput } from './audit-chain.js';
import { now, type Db } from './db/dialect.js';
import type { Row } from './db/schema.js';
import { fail, type ErrorCode } from './errors.js';

export interface Edge<R extends string, G extends string> {
  /** Who may take the edge (the roles of the aggregate's actors). */
  readonly by: readonly R[];
  /** A named guard that must hold for the edge to be taken. */
  readonly guard?: G;
}

export type Transitions<S extends string, R extends string, G extends string = never> = {
  readonly [From in S]: { readonly [To in S]?: Edge<R, G> };
};

/** Tables that hold an aggregate: an id, a state column, a version and updated_at. */
export type AggregateTable =
  | 'orders'
  | 'payments'
  | 'payouts'
  | 'withdrawals'
  | 'refund_requests'
  | 'products'
  | 'key_batches'
  | 'memberships'
  | 'keys'
  | 'users'
  | 'merchants'
  | 'disputes'
  | 'dispute_statements'
  | 'channel_refunds';

type RowOf<T extends AggregateTable> = Row<T>;

/** What a move needs of the current row: its id, version and state (plus what guards read). */
export type Current<S extends string> = { id: string; version: number } & (
  { state: S; status?: never } | { status: S; state?: never }
);

export interface GuardArgs<T extends AggregateTable, S extends string> {
  trx: Db;
  row: Current<S> & Partial<RowOf<T>>;
  to: S;
  actor: Actor;
  at: Date;
}

export interface Guard<T extends AggregateTable, S extends string> {
  check(g: GuardArgs<T, S>): boolean | Promise<boolean>;
  /** The refusal when the guard does not hold. */
  error: ErrorCode;
}

export interface EnterArgs<T extends AggregateTable, S extends string, R extends string> {
  trx: Db;
  /** The row after the move (RETURNING *). */
  row: RowOf<T>;
  from: S;
  by: R;
  actor: Actor;
  at: Date;
}

export interface MachineDef<T extends AggregateTable, S extends string, R extends string, G extends string> {
  /** The aggregate's name: the audit object type and the default action prefix. */
  name: string;
  table: T;
  column: 'state' | 'status';
  initial: readonly NoInfer<S>[];
  /** States a row never leaves (validated: no exits, and every other state has one). */
  terminal: readonly NoInfer<S>[];
  transitions: Transitions<S, R, G>;
  /** The refusal for an edge the table does not have. */
  notAllowed: ErrorCode;
  /** The refusal when a row was moved by someone else first (default `request.conflict`). */
  conflict?: ErrorCode;
  /** The audit action of a move into `to` (default `<name>.<to in lower case>`). */
  action?: (to: S) => string;
  guards?: { readonly [K in G]: Guard<T, S> };
  /** Columns set with every move into a state (e.g. closed_at). */
  stamp?: { readonly [K in S]?: (at: Date) => Partial<RowOf<T>> };
  /** Effects of entering a state, in the same transaction, after the row moved. */
  onEnter?: { readonly [K in S]?: (e: EnterArgs<T, S, R>) => Promise<void> };
}

export interface Move<T extends AggregateTable, S extends string, R extends string> {
  row: Current<S> & Partial<RowOf<T>>;
  to: S;
  by: R;
  actor: Actor;
  at: Date;
  /** Columns changed along with the state. */
  set?: Partial<RowOf<T>>;
  /** Added to the audit event's data (which always has from and to). */
  data?: Record<string, unknown>;
}

export interface BulkMove<S extends string, R extends string, T extends AggregateTable> {
  rows: readonly { id: string; state: S }[];
  to: S;
  by: R;
  actor: Actor;
  at: Date;
  set?: Partial<RowOf<T>>;
  /** The audit event's action (default as for one move) and extra data. */
  action?: string;
  data?: Record<string, unknown>;
}

export type TransitionCheck = 'ok' | 'no_edge' | 'forbidden';

export function checkTransition<S extends string, R extends string, G extends string>(
  table: Transitions<S, R, G>,
  from: S,
  to: S,
  by: R,
): TransitionCheck {
  const edge = table[from][to];
  if (!edge) return 'no_edge';
  return edge.by.includes(by) ? 'ok' : 'forbidden';
}

export function reachableStates<S extends string, R extends string, G extends string>(
  table: Transitions<S, R, G>,
  initial: S | readonly S[],
): Set<S> {
  const start: S[] = typeof initial === 'string' ? [initial] : [...initial];
  const seen = new Set<S>(start);
  const queue = [...start];
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

export function terminalStates<S extends string, R extends string, G extends string>(
  table: Transitions<S, R, G>,
): S[] {
  return (Object.keys(table) as S[]).filter((s) => Object.keys(table[s]).length === 0);
}

/** Everything wrong with a definition (empty when it is sound). */
export function problemsOf<T extends AggregateTable, S extends string, R extends string, G extends string>(
  def: MachineDef<T, S, R, G>,
): string[] {
  const states = Object.keys(def.transitions) as S[];
  const problems: string[] = [];
  const has = (s: string): boolean => states.includes(s as S);
  for (const s of def.initial) if (!has(s)) problems.push(`initial state ${s} is not in the table`);
  const reachable = reachableStates(def.transitions, def.initial);
  for (const s of states) if (!reachable.has(s)) problems.push(`${s} is unreachable`);
  const dead = terminalStates(def.transitions);
  for (const s of def.terminal) {
    if (!has(s)) problems.push(`terminal state ${s} is not in the table`);
    else if (!dead.includes(s)) problems.push(`terminal state ${s} has exits`);
  }
  for (const s of dead)
    if (!def.terminal.includes(s)) problems.push(`${s} has no exit but is not declared terminal`);
  for (const from of states)
    for (const [to, edge] of Object.entries(def.transitions[from]) as [S, Edge<R, G> | undefined][]) {
      if (!has(to)) problems.push(`${from} → ${to}: no such state`);
      if (!edge || edge.by.length === 0) problems.push(`${from} → ${to}: nobody may take it`);
      if (edge?.guard !== undefined && !(def.guards && edge.guard in def.guards))
        problems.push(`${from} → ${to}: unknown guard ${edge.guard}`);
    }
  for (const s of [...Object.keys(def.onEnter ?? {}), ...Object.keys(def.stamp ?? {})])
    if (!has(s)) problems.push(`hook for unknown state ${s}`);
  return problems;
}

/** Every machine defined in this process, for the parametrised table test and the start check. */
const registry: Machine<AggregateTable, string, string, string>[] = [];
export const machines = (): readonly Machine<AggregateTable, string, string, string>[] => registry;

export class Machine<T extends AggregateTable, S extends string, R extends string, G extends string> {
  constructor(readonly def: MachineDef<T, S, R, G>) {}

  get transitions(): Transitions<S, R, G> {
    return this.def.transitions;
  }

  private actionOf(to: S): string {
    return this.def.action ? this.def.action(to) : `${this.def.name}.${to.toLowerCase()}`;
  }

  /** Edge and role check; a missing edge and a role not allowed on it are refused differently. */
  check(from: S, to: S, by: R): void {
    const result = checkTransition(this.def.transitions, from, to, by);
    if (result !== 'ok')
      fail(result === 'forbidden' ? 'auth.forbidden' : this.def.notAllowed, { params: { from, to } });
  }

  /** Moves one row; returns the row as it is after the move. */
  async transition(trx: Db, m: Move<T, S, R>): Promise<RowOf<T>> {
    const from = (m.row.state ?? m.row.status) as S;
    this.check(from, m.to, m.by);
    const guardName = this.def.transitions[from][m.to]?.guard;
    if (guardName !== undefined) {
      const guard = this.def.guards![guardName];
      if (!(await guard.check({ trx, row: m.row, to: m.to, actor: m.actor, at: m.at })))
        fail(guard.error, { params: { from, to: m.to } });
    }
    const set: Record<string, unknown> = {
      ...m.set,
      ...this.def.stamp?.[m.to]?.(m.at),
      [this.def.column]: m.to,
      version: m.row.version + 1,
      updated_at: now(m.at),
    };
    const result = await sql<RowOf<T>>`update ${sql.table(this.def.table)} set ${assignments(set)}
      where id = ${m.row.id} and ${sql.ref(this.def.column)} = ${from} and version = ${m.row.version}
      returning *`.execute(trx);
    const row = result.rows[0];
    if (!row) fail(this.def.conflict ?? 'request.conflict', { field: 'version' });
    // The move's own event first, then whatever entering the state causes (and its events).
    await appendAudit(trx, {
      actor: m.actor,
      action: this.actionOf(m.to),
      objectType: this.def.name,
      objectId: m.row.id,
      data: { from, to: m.to, ...m.data },
      at: m.at,
    });
    await this.def.onEnter?.[m.to]?.({ trx, row, from, by: m.by, actor: m.actor, at: m.at });
    return row;
  }

  /**
   * A move along several edges in one statement (a balance checkout creates its order, payment and
   * keys and takes them to their delivered states in one write): every edge is checked against the
   * table for `by`, exactly as `transition()` would check it one by one. A path through a state
   * with a guard or an enter hook is refused here — those need `transition()`, which runs them.
   * Returns the final state, the version a row created in `from` has after the path (a new row
   * starts at version 1), the stamps of the states entered and the audit events `transition()`
   * would have written for one row (`objectId` given) — a bulk move records one event instead,
   * with the path and the ids (see `pathEvent`).
   */
  planPath(m: { from: S; path: readonly S[]; by: R; at: Date }): {
    state: S;
    version: number;
    stamps: Partial<RowOf<T>>;
  } {
    let from = m.from;
    let stamps: Partial<RowOf<T>> = {};
    for (const to of m.path) {
      this.check(from, to, m.by);
      if (this.def.transitions[from][to]?.guard !== undefined || this.def.onEnter?.[to])
        throw new Error(`${this.def.name}: ${from} → ${to} has a guard or an enter hook; use transition()`);
      stamps = { ...stamps, ...this.def.stamp?.[to]?.(m.at) };
      from = to;
    }
    return { state: from, version: 1 + m.path.length, stamps };
  }

  /** The audit event of one row moved along `path` from `from` (as `transition()` writes per edge). */
  pathEvents(m: {
    objectId: string;
    from: S;
    path: readonly S[];
    actor: Actor;
    at: Date;
    data?: (to: S) => Record<string, unknown> | undefined;
  }): AuditInput[] {
    let from = m.from;
    return m.path.map((to) => {
      const event: AuditInput = {
        actor: m.actor,
        action: this.actionOf(to),
        objectType: this.def.name,
        objectId: m.objectId,
        data: { from, to, ...m.data?.(to) },
        at: m.at,
      };
      from = to;
      return event;
    });
  }

  /**
   * Moves every row from its current state to `to`, or none: one UPDATE per source state, whose
   * affected-row count must match (a row someone else moved first fails the whole move).
   */
  async transitionMany(trx: Db, m: BulkMove<S, R, T>): Promise<void> {
    if (m.rows.length === 0) return;
    const byState = new Map<S, string[]>();
    for (const r of m.rows) {
      this.check(r.state, m.to, m.by);
      byState.set(r.state, [...(byState.get(r.state) ?? []), r.id]);
    }
    const set = assignments({
      ...m.set,
      ...this.def.stamp?.[m.to]?.(m.at),
      [this.def.column]: m.to,
      updated_at: now(m.at),
    });
    for (const [from, ids] of byState) {
      for (let i = 0; i < ids.length; i += 500) {
        const slice = ids.slice(i, i + 500);
        const res = await sql`update ${sql.table(this.def.table)} set ${set}, version = version + 1
          where id in (${sql.join(slice)}) and ${sql.ref(this.def.column)} = ${from}`.execute(trx);
        if (Number(res.numAffectedRows ?? 0) !== slice.length) fail(this.def.conflict ?? 'request.conflict');
      }
    }
    await appendAudit(trx, {
      actor: m.actor,
      action: m.action ?? this.actionOf(m.to),
      objectType: this.def.name,
      objectId: m.rows.length === 1 ? m.rows[0].id : `${m.rows.length} ${this.def.name}`,
      data: { to: m.to, ids: m.rows.map((r) => r.id), ...m.data },
      at: m.at,
    });
  }
}

function assignments(values: Record<string, unknown>): RawBuilder<unknown> {
  return sql.join(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => sql`${sql.ref(k)} = ${v}`),
  );
}

/** Defines an aggregate's machine; an unsound definition throws at once (at start). */
export function defineMachine<
  T extends AggregateTable,
  S extends string,
  R extends string,
  G extends string = never,
>(def: MachineDef<T, S, R, G>): Machine<T, S, R, G> {
  const problems = problemsOf(def);
  if (problems.length > 0) throw new Error(`state machine ${def.name}: ${problems.join('; ')}`);
  const machine = new Machine(def);
  registry.push(machine as unknown as Machine<AggregateTable, string, string, string>);
  return machine;
}
