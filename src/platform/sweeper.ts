/**
 * The sweeper (architecture §8): fires due deadlines and runs the platform's periodic work. It knows
 * no domain: each module registers handlers for its deadline kinds (and its periodic tasks), and the
 * app wires them together (app.ts).
 *
 * Each deadline fires in its own unit of work that claims the row (`FOR UPDATE SKIP LOCKED` on
 * PostgreSQL, so several instances on one database never fire it twice) and marks it DONE before
 * the handler runs — the handler's effects and that mark commit together or not at all. A sweep's
 * due deadlines are fired side by side (see inLanes): group-committed on SQLite, a few
 * transactions at a time on PostgreSQL. A handler
 * may ask to be looked at again later (a settlement held by an open refund request). A handler that
 * fails is retried a minute later; after a few failures support is alerted.
 */
import type { Clock } from './clock.js';
import { raiseAlert } from './alerts.js';
import {
  type DeadlineKind,
  claimAndComplete,
  dueDeadlines,
  postponeDeadline,
  reopenDeadline,
} from './deadlines.js';
import type { Db, Engine } from './db/dialect.js';
import type { Row } from './db/schema.js';
import { DomainError } from './errors.js';
import { fallbackLogger, type ErrorLogger } from './logger.js';
import { unitOfWork } from './unit-of-work.js';

export interface DeadlineHandler {
  /**
   * Work outside any transaction before the deadline is claimed — asking a gateway, which must not
   * hold the database. `skip`: another path has dealt with the deadline meanwhile.
   */
  prepare?(d: Row<'deadlines'>): Promise<'fire' | 'skip'>;
  /** The deadline's effect, in the unit of work that claimed it (already marked DONE). */
  fire(trx: Db, d: Row<'deadlines'>, at: Date): Promise<void | { retryAt: Date }>;
  /** The refund request a stuck deadline concerns, for support's alert (null: none). */
  requestOf?(d: Row<'deadlines'>): string | null;
}

export type DeadlineHandlers = Partial<Record<DeadlineKind, DeadlineHandler>>;

/** Periodic work beside the deadlines; returns how much it did (for the report). */
export type SweepTask = () => Promise<number | void>;

export interface SweepReport {
  fired: number;
  postponed: number;
  /** What each periodic task reported. */
  tasks: Record<string, number>;
}

export interface SweeperContext {
  db: Db;
  engine: Engine;
  clock: Clock;
  log?: ErrorLogger;
  /** Told of each deadline fired, after its commit (the metrics count fired and late ones). */
  onFired?: (d: Row<'deadlines'>, firedAt: Date) => void;
}

/** How long a failing deadline waits before the next try. */
const RETRY_MS = 60_000;
/** Failed attempts after which a deadline raises a support alert (it keeps being retried). */
const FAILING_AFTER = 5;

export class Sweeper {
  private readonly handlers = new Map<string, DeadlineHandler>();
  private readonly tasks: { name: string; run: SweepTask }[] = [];

  constructor(private readonly ctx: SweeperContext) {}

  /** Registers handlers by deadline kind; a kind handled twice is a wiring error. */
  handle(handlers: DeadlineHandlers): this {
    for (const [kind, handler] of Object.entries(handlers)) {
      if (!handler) continue;
      if (this.handlers.has(kind)) throw new Error(`deadline kind ${kind} has two handlers`);
      this.handlers.set(kind, handler);
    }
    return this;
  }

  every(name: string, run: SweepTask): this {
    this.tasks.push({ name, run });
    return this;
  }

  /** The kinds with a handler (a test checks every kind the code schedules has one). */
  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  async run(options: { limit?: number } = {}): Promise<SweepReport> {
    const { ctx } = this;
    const log = ctx.log ?? fallbackLogger;
    const report: SweepReport = { fired: 0, postponed: 0, tasks: {} };
    const due = await dueDeadlines(ctx.db, ctx.clock.now(), options.limit ?? 200);
    await inLanes(due, ctx.engine, async (d) => {
      try {
        if (await this.fire(d)) report.fired++;
      } catch (error) {
        // A lost race (another instance fired it first) is not an error; anything else is retried.
        if (error instanceof DomainError && error.code === 'request.conflict') return;
        log.error({ err: error, deadline: d.id, kind: d.kind }, 'deadline failed; retrying later');
        await this.failed(d, error);
        report.postponed++;
      }
    });
    for (const task of this.tasks) {
      try {
        report.tasks[task.name] = Number((await task.run()) ?? 0);
      } catch (error) {
        log.error({ err: error, task: task.name }, 'sweep task failed');
      }
    }
    return report;
  }

  private async fire(d: Row<'deadlines'>): Promise<boolean> {
    const handler = this.handlers.get(d.kind);
    if (!handler) throw new Error(`no handler for deadline kind ${d.kind}`);
    if (handler.prepare && (await handler.prepare(d)) === 'skip') return false;
    const firedAt = await unitOfWork(this.ctx, async (trx) => {
      const at = this.ctx.clock.now();
      // Claimed and marked done first, in one statement: a handler may cancel the other open
      // deadlines of its object.
      const claimed = await claimAndComplete(trx, this.ctx.engine, d.id, at);
      if (!claimed) return null; // another instance has it, or it already fired
      const outcome = await handler.fire(trx, claimed, at);
      if (outcome) await reopenDeadline(trx, claimed.id, outcome.retryAt);
      return at;
    });
    if (firedAt) this.ctx.onFired?.(d, firedAt);
    return firedAt !== null;
  }

  private async failed(d: Row<'deadlines'>, error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    const at = this.ctx.clock.now();
    await postponeDeadline(this.ctx.db, d.id, new Date(at.getTime() + RETRY_MS), message);
    // Retried every minute; after a few failures a person is told (the object may be stuck).
    if (d.attempts + 1 === FAILING_AFTER)
      await raiseAlert(
        this.ctx.db,
        'DEADLINE_FAILING',
        { type: 'deadline', id: d.id },
        this.handlers.get(d.kind)?.requestOf?.(d) ?? null,
        { kind: d.kind, objectId: d.object_id, error: message },
        at,
      );
  }
}

/**
 * Deadlines of one sweep fired at once: on SQLite one group commit's worth (db/group-commit.ts),
 * on PostgreSQL a few transactions (each holds a connection of the pool of 10).
 */
const LANES = { sqlite: 64, postgres: 4 } as const;

/**
 * Fires a sweep's due deadlines without waiting for each commit in turn — each still in its own
 * unit of work. SQLite: the group committer runs them one after another, each in its own
 * savepoint, under one commit per group instead of one per deadline. PostgreSQL: a few
 * transactions at a time. The deadlines of one object stay in one lane, in due order.
 */
async function inLanes(
  due: readonly Row<'deadlines'>[],
  engine: Engine,
  fire: (d: Row<'deadlines'>) => Promise<void>,
): Promise<void> {
  const lanes: Row<'deadlines'>[][] = Array.from({ length: LANES[engine] }, () => []);
  for (const d of due) lanes[laneOf(d.object_id, lanes.length)].push(d);
  await Promise.all(
    lanes.map(async (lane) => {
      for (const d of lane) await fire(d);
    }),
  );
}

function laneOf(objectId: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < objectId.length; i++) h = (h * 31 + objectId.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
