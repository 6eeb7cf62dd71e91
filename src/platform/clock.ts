/**
 * All code reads time through a Clock. Production uses the system clock; outside production the
 * test clock (like Stripe's test clocks) can be moved forward by an admin so demos and end-to-end
 * tests can watch windows and deadlines pass. Its offset is stored in `settings` so it survives a
 * restart and is picked up by every app instance on the same database.
 */
import type { Db } from './db/dialect.js';
import { getSetting, putSetting } from './settings.js';

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

  /** Moves time forward by `ms` (never backwards: deadlines that fired cannot un-fire). */
  async advance(ms: number): Promise<Date> {
    if (!Number.isInteger(ms) || ms <= 0) throw new RangeError('advance needs a positive whole number of ms');
    await this.refresh();
    this.offsetMs += ms;
    await putSetting(this.db, SETTING, { offsetMs: this.offsetMs } satisfies TestClockState, this.base.now());
    return this.now();
  }
}
