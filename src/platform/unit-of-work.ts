/**
 * The one unit of work (architecture §2, issue 10): every state change runs inside
 * `unitOfWork(ctx, fn)`. It
 * - runs `fn` in a write transaction — group-committed on SQLite (see db/group-commit.ts), its own
 *   transaction on PostgreSQL;
 * - collects the audit events `appendAudit` records during `fn` and chains them at its end, in the
 *   same transaction (the chain head is then locked only for the last statements);
 * - runs the work registered with `afterCommit` once the transaction has committed — sending a
 *   payout to its gateway, asking a gateway for a pay URL — in order, logging (never swallowing
 *   silently, never failing the committed change for) their errors;
 * - on PostgreSQL, runs `fn` again when the transaction failed with a deadlock or a serialization
 *   failure (40P01 / 40001), a bounded number of times, instead of answering 500.
 * Called inside another unit of work's transaction, it joins it: one transaction, one audit batch,
 * hooks after the outer commit.
 */
import { writeAuditEvents, type AuditInput } from './audit-chain.js';
import type { Db } from './db/dialect.js';
import { writeTransaction } from './db/group-commit.js';
import { fallbackLogger, type ErrorLogger } from './logger.js';

interface Work {
  audit: AuditInput[];
  after: { label: string; run: () => Promise<unknown> }[];
}

const works = new WeakMap<object, Work>();

/** The unit of work `trx` belongs to; throws when a change is made outside of one. */
function workOf(trx: Db, what: string): Work {
  const work = works.get(trx);
  if (!work) throw new Error(`${what} must run inside a unit of work (platform/unit-of-work.ts)`);
  return work;
}

/**
 * Records the audit event of a state change made in `trx`; it is chained with the unit of work's
 * other events at its end, in the same transaction. Outside a unit of work it throws: an event
 * must commit with its change, never on its own.
 */
export async function appendAudit(trx: Db, input: AuditInput): Promise<void> {
  workOf(trx, 'appendAudit').audit.push(input);
}

/** Work to do once this unit of work has committed (never if it rolls back). */
export function afterCommit(trx: Db, label: string, run: () => Promise<unknown>): void {
  workOf(trx, 'afterCommit').after.push({ label, run });
}

/** Whether `trx` is inside a unit of work (for code that may be called either way). */
export const inUnitOfWork = (trx: Db): boolean => works.has(trx);

/** Attempts of a transaction PostgreSQL aborted as a deadlock victim or serialization failure. */
export const MAX_ATTEMPTS = 4;
const RETRYABLE = new Set(['40P01', '40001']);

export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

export interface UnitOfWorkContext {
  db: Db;
  /** Where after-commit failures are logged (the app's logger); stderr when absent. */
  log?: ErrorLogger;
}

export async function unitOfWork<T>(ctx: UnitOfWorkContext, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) {
    workOf(ctx.db, 'a nested unit of work');
    return fn(ctx.db); // joins the caller's unit of work
  }
  for (let attempt = 1; ; attempt++) {
    let work: Work = { audit: [], after: [] };
    try {
      const result = await writeTransaction(ctx.db, async (trx) => {
        work = { audit: [], after: [] };
        works.set(trx, work);
        try {
          const value = await fn(trx);
          await writeAuditEvents(trx, work.audit);
          return value;
        } finally {
          works.delete(trx);
        }
      });
      await runAfterCommit(work.after, ctx.log ?? fallbackLogger);
      return result;
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) {
        // The other transaction got the locks; it will be done in a moment.
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20 * attempt));
        continue;
      }
      throw error;
    }
  }
}

async function runAfterCommit(hooks: Work['after'], log: ErrorLogger): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook.run();
    } catch (err) {
      // The change is committed; what follows it (a payout sent, a pay URL asked for) is retried by
      // the sweeper or by the user. The failure is logged, not swallowed and not turned into a 500.
      log.error({ err, afterCommit: hook.label }, 'after-commit work failed; it is retried later');
    }
  }
}
