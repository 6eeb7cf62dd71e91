/**
 * This process as an instance among several on one database (Stage 9, issue 14 item 9). Work that a
 * process runs for minutes and that must be recovered when the process dies (a key import) records
 * `INSTANCE_ID`. On PostgreSQL each instance holds a session advisory lock named after its id for
 * its whole life, on a connection of its own: the database releases it the moment the process's
 * connection goes (a crash, a SIGKILL), so another instance tells a dead owner from a live one at
 * once, without waiting for a heartbeat to go stale. On SQLite the processes share one machine:
 * the pid in the id tells whether the owner still runs.
 */
import { sql } from 'kysely';
import type { Db, Engine } from './db/dialect.js';
import { newId } from './ids.js';

/** `inst-<pid>-<uuid>`: the pid lets a process sharing a SQLite file tell whether the owner lives. */
export const INSTANCE_ID = `inst-${process.pid}-${newId()}`;

/** Whether the process named in an instance id runs on this machine (SQLite: one machine). */
function processAlive(id: string): boolean {
  const pid = /^inst-(\d+)-/.exec(id)?.[1];
  if (!pid) return false;
  try {
    process.kill(Number(pid), 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's
  }
}

/** The advisory lock class of instance locks ('KM' + 1), with hashtext(instance id) as object id. */
const LOCK_CLASS = 0x4b4d01;

export interface InstanceLock {
  release(): Promise<void>;
}

/**
 * Takes this instance's lock on a connection reserved until `release` (PostgreSQL; a no-op on
 * SQLite). `id` is for tests playing another instance.
 */
export async function holdInstanceLock(db: Db, engine: Engine, id = INSTANCE_ID): Promise<InstanceLock> {
  if (engine !== 'postgres') return { release: () => Promise.resolve() };
  let done!: () => void;
  const released = new Promise<void>((resolve) => (done = resolve));
  let acquired!: () => void;
  let failed!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    acquired = resolve;
    failed = reject;
  });
  const held = db
    .connection()
    .execute(async (conn) => {
      await sql`select pg_advisory_lock(${LOCK_CLASS}, hashtext(${id}))`.execute(conn);
      acquired();
      await released;
      await sql`select pg_advisory_unlock(${LOCK_CLASS}, hashtext(${id}))`.execute(conn);
    })
    .catch(failed);
  await ready;
  return {
    release: async () => {
      done();
      await held;
    },
  };
}

/**
 * Whether the instance `id` is alive: its lock is held (PostgreSQL). Tried inside a transaction so
 * a lock this call takes ends with it. On SQLite (processes on one machine): whether the process
 * named in the id still runs — a `kameng keys import` beside the server must not be interrupted
 * when the server starts. (A reused pid makes a dead owner look alive; the staleness rule then
 * recovers its batch.)
 */
export async function instanceAlive(db: Db, engine: Engine, id: string): Promise<boolean> {
  if (id === INSTANCE_ID) return true;
  if (engine !== 'postgres') return processAlive(id);
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      got: 0 | 1;
    }>`select pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(${id})) as got`.execute(trx);
    return rows[0]?.got !== 1; // the dialect gives booleans as 0/1
  });
}
