/**
 * All code reads time through a Clock. Production uses the system clock; outside production the
 * test clock (like Stripe's test clocks) can be moved forward by an admin so demos and end-to-end
 * tests can watch windows and deadlines pass. Its offset is stored in `settings` so it survives a
 * restart and is picked up by every app instance on the same database.
 */
import { sql } from 'kysely';
import { appendAudit } from './audit.js';
import type { Actor } from './actor.js';
import { engineOf, forUpdate, fromJson, now, toJson, type Db } from './db/dialect.js';
import { getSetting } from './settings.js';
import { unitOfWork } from './unit-of-work.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock fixed at a given instant that tests move by hand. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

const SETTING = 'test_clock';
/** The PostgreSQL channel an advance is announced on (platform/clock-sync.ts listens). */
export const TEST_CLOCK_CHANNEL = 'kameng_test_clock';
interface TestClockState {
  offsetMs: number;
}

/** System time plus a forward-only offset held in the database. */
export class TestClock implements Clock {
  private offsetMs = 0;
  constructor(
    private readonly db: Db,
    private readonly base: Clock = systemClock,
  ) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** Re-reads the offset another instance (or the CLI) may have stored. */
  async refresh(): Promise<void> {
    const state = await getSetting<TestClockState>(this.db, SETTING);
    this.offsetMs = state?.offsetMs ?? 0;
  }

  /**
   * Moves time forward by `ms` (never backwards: deadlines that fired cannot un-fire). The stored
   * offset is read under a row lock and written with its audit event in one transaction, so two
   * admins advancing at once both count.
   */
  async advance(ms: number, actor: Actor): Promise<Date> {
    if (!Number.isInteger(ms) || ms <= 0) throw new RangeError('advance needs a positive whole number of ms');
    const at = this.base.now();
    this.offsetMs = await unitOfWork({ db: this.db }, async (trx) => {
      await trx
        .insertInto('settings')
        .values({
          key: SETTING,
          value: toJson({ offsetMs: 0 } satisfies TestClockState),
          updated_at: now(at),
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await forUpdate(
        trx.selectFrom('settings').select('value').where('key', '=', SETTING),
        engineOf(trx),
      ).executeTakeFirstOrThrow();
      const from = fromJson<TestClockState>(row.value).offsetMs;
      const offsetMs = from + ms;
      await trx
        .updateTable('settings')
        .set({ value: toJson({ offsetMs } satisfies TestClockState), updated_at: now(at) })
        .where('key', '=', SETTING)
        .execute();
      await appendAudit(trx, {
        actor,
        action: 'clock.advanced',
        objectType: 'clock',
        objectId: 'test',
        data: { ms, fromOffsetMs: from, toOffsetMs: offsetMs },
        at: new Date(at.getTime() + offsetMs),
      });
      // Every listening instance is told when (and only if) this commits.
      if (engineOf(trx) === 'postgres')
        await sql`select pg_notify(${TEST_CLOCK_CHANNEL}, ${String(offsetMs)})`.execute(trx);
      return offsetMs;
    });
    return this.now();
  }
}
