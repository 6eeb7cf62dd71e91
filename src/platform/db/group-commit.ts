/**
 * Group commit for SQLite. Its single writer commits one transaction at a time, and a checkout
 * dirties pages of a dozen tables and indexes, so committing each purchase alone made the commit
 * the largest single cost of a flash sale. Write jobs that arrive together are run one after the
 * other inside one transaction, each in its own savepoint: a job that fails is rolled back to its
 * savepoint and rejected alone; the others commit together and are resolved only after the commit,
 * so no caller ever sees success for something that was not durable. If the commit itself fails,
 * every job of the group is rejected. PostgreSQL runs each job in its own transaction (it commits
 * concurrently anyway).
 */
import type { ControlledTransaction } from 'kysely';
import type { Database } from './schema.js';
import { engineOf, type Db } from './dialect.js';

type Job = { fn: (trx: Db) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Jobs per commit: large enough to amortise the commit, small enough to keep latency bounded. */
const MAX_GROUP = 64;

class GroupCommitter {
  private queue: Job[] = [];
  private draining = false;
  constructor(private readonly db: Db) {}

  /** Write jobs waiting for their group (the running group not counted). */
  get waiting(): number {
    return this.queue.length;
  }

  run<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the requests that arrived in this turn of the event loop join the first group.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.runGroup(this.queue.splice(0, MAX_GROUP));
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(jobs: Job[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let trx: ControlledTransaction<Database> | undefined;
    try {
      trx = await this.db.startTransaction().execute();
      for (const job of jobs) {
        const sp = await trx.savepoint('job').execute();
        try {
          const value = await job.fn(sp);
          await sp.releaseSavepoint('job').execute();
          outcomes.push({ ok: true, value });
        } catch (error) {
          await sp.rollbackToSavepoint('job').execute();
          await sp.releaseSavepoint('job').execute();
          outcomes.push({ ok: false, error });
        }
      }
      await trx.commit().execute();
    } catch (error) {
      await trx
        ?.rollback()
        .execute()
        .catch(() => undefined);
      for (const job of jobs) job.reject(error);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? jobs[i].resolve(o.value) : jobs[i].reject(o.error)));
  }
}

const committers = new WeakMap<object, GroupCommitter>();

/** Runs `fn` in a write transaction: group-committed on SQLite, its own transaction on PostgreSQL. */
export function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db); // already inside one: join it
  if (engineOf(db) !== 'sqlite') return db.transaction().execute(fn);
  let c = committers.get(db);
  if (!c) committers.set(db, (c = new GroupCommitter(db)));
  return c.run(fn);
}

/** SQLite write jobs queued behind the running group commit (0 on PostgreSQL or before any write). */
export function groupCommitBacklog(db: Db): number {
  return committers.get(db)?.waiting ?? 0;
}
