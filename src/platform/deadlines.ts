/**
 * Deadlines as data (architecture §8): a row per (kind, object) with its due time, written in the
 * transaction that creates the obligation. The sweeper fires due rows; a handler's effects and the
 * row's OPEN → DONE update commit together, and that update is conditional, so with several
 * instances on one database each deadline fires exactly once.
 */
import { engineOf, now, type Db, type Engine } from './db/dialect.js';
import type { Row } from './db/schema.js';
import { fail } from './errors.js';
import { newOrderedId } from './ids.js';

export type DeadlineKind =
  | 'ORDER_EXPIRY'
  | 'SETTLEMENT'
  | 'MEMBERSHIP_EXPIRY'
  | 'MEMBERSHIP_START'
  | 'REFUND_REVIEW'
  | 'REFUND_SUPPORT'
  | 'REFUND_SUPPLEMENT'
  | 'REFUND_ESCALATION'
  | 'REFUND_REMINDER'
  | 'PAYOUT_DELAY'
  | 'DISPUTE_EVIDENCE'
  | 'DISPUTE_EVIDENCE_REMINDER'
  | 'DISPUTE_DECISION_REMINDER'
  | 'DISPUTE_DECISION';

export async function scheduleDeadline(
  trx: Db,
  input: { kind: DeadlineKind; objectId: string; dueAt: Date; at: Date },
): Promise<void> {
  await trx.insertInto('deadlines').values(deadlineRow(input)).execute();
}

/** A new open deadline, as a row (for a batched write that inserts it with other rows). */
export function deadlineRow(input: {
  kind: DeadlineKind;
  objectId: string;
  dueAt: Date;
  at: Date;
}): Row<'deadlines'> {
  return {
    id: newOrderedId(input.at.getTime()),
    kind: input.kind,
    object_id: input.objectId,
    due_at: now(input.dueAt),
    state: 'OPEN',
    attempts: 0,
    last_error: null,
    fired_at: null,
    created_at: now(input.at),
  };
}

/** Marks a deadline fired; fails (rolling back the handler's work) if another run fired it first. */
export async function completeDeadline(trx: Db, id: string, at: Date): Promise<void> {
  const res = await trx
    .updateTable('deadlines')
    .set({ state: 'DONE', fired_at: now(at) })
    .where('id', '=', id)
    .where('state', '=', 'OPEN')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) fail('request.conflict', { field: 'deadline' });
}

/**
 * The obligation went away (order paid before expiry, refund paid before its delay alert …): the
 * deadline will never fire. A row the sweeper is firing right now (locked, on PostgreSQL) is
 * skipped, not waited for — the sweeper holds it and may be waiting for a row this transaction
 * holds; every handler re-checks its object's state, so that firing is a no-op.
 */
export async function cancelDeadline(trx: Db, kind: DeadlineKind, objectId: string): Promise<void> {
  await trx
    .updateTable('deadlines')
    .set({ state: 'CANCELLED' })
    .where('state', '=', 'OPEN')
    .$if(engineOf(trx) === 'postgres', (q) =>
      q.where('id', 'in', (eb) =>
        eb
          .selectFrom('deadlines')
          .select('id')
          .where('kind', '=', kind)
          .where('object_id', '=', objectId)
          .where('state', '=', 'OPEN')
          .forUpdate()
          .skipLocked(),
      ),
    )
    .where('kind', '=', kind)
    .where('object_id', '=', objectId)
    .execute();
}

/** Moves an open deadline (a settlement held back by an open request, a failed attempt …). */
export async function postponeDeadline(db: Db, id: string, dueAt: Date, error: string | null): Promise<void> {
  await db
    .updateTable('deadlines')
    .set((eb) => ({ due_at: now(dueAt), attempts: eb('attempts', '+', 1), last_error: error }))
    .where('id', '=', id)
    .where('state', '=', 'OPEN')
    .execute();
}

/** A fired deadline that asked to be looked at again later (inside the firing unit of work). */
export async function reopenDeadline(trx: Db, id: string, dueAt: Date): Promise<void> {
  await trx
    .updateTable('deadlines')
    .set({ state: 'OPEN', due_at: now(dueAt), fired_at: null })
    .where('id', '=', id)
    .execute();
}

/** Due deadlines, oldest first (a candidate list; each is claimed in its own transaction). */
export async function dueDeadlines(db: Db, at: Date, limit: number): Promise<Row<'deadlines'>[]> {
  return db
    .selectFrom('deadlines')
    .selectAll()
    .where('state', '=', 'OPEN')
    .where('due_at', '<=', now(at))
    .orderBy('due_at')
    .limit(limit)
    .execute();
}

/**
 * Claims one open deadline inside the firing transaction. PostgreSQL skips a row another instance
 * holds (`FOR UPDATE SKIP LOCKED`) instead of waiting for it; SQLite's single writer needs no lock.
 */
export async function claimDeadline(
  trx: Db,
  engine: Engine,
  id: string,
): Promise<Row<'deadlines'> | undefined> {
  const q = trx.selectFrom('deadlines').selectAll().where('id', '=', id).where('state', '=', 'OPEN');
  return (engine === 'postgres' ? q.forUpdate().skipLocked() : q).executeTakeFirst();
}

/**
 * Claims one open deadline and marks it DONE in a single statement, inside the firing transaction
 * (one round trip where claim-then-complete took two). PostgreSQL skips a row another instance
 * holds (`FOR UPDATE SKIP LOCKED`); SQLite's single writer needs no lock. Undefined: another run
 * has it, or it already fired. The handler's effects commit with the mark or not at all.
 */
export async function claimAndComplete(
  trx: Db,
  engine: Engine,
  id: string,
  at: Date,
): Promise<Row<'deadlines'> | undefined> {
  return trx
    .updateTable('deadlines')
    .set({ state: 'DONE', fired_at: now(at) })
    .where('state', '=', 'OPEN')
    .$if(engine === 'postgres', (q) =>
      q.where('id', 'in', (eb) =>
        eb
          .selectFrom('deadlines')
          .select('id')
          .where('id', '=', id)
          .where('state', '=', 'OPEN')
          .forUpdate()
          .skipLocked(),
      ),
    )
    .$if(engine !== 'postgres', (q) => q.where('id', '=', id))
    .returningAll()
    .executeTakeFirst();
}
