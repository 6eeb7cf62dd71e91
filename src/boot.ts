/** Start-up shared by the server and the CLI: database, migrations, clock, base data. */
import type { Config } from './config.js';
import { ensureLevels } from './modules/membership/levels.js';
import { systemClock, TestClock, type Clock } from './platform/clock.js';
import type { DataContext } from './platform/context.js';
import type { DbHandle } from './platform/db/dialect.js';
import { openDatabase } from './platform/db/open.js';

export interface Booted extends DataContext {
  handle: DbHandle;
  testClock: TestClock | null;
}

export async function boot(config: Config, base: Clock = systemClock): Promise<Booted> {
  const handle = await openDatabase(config);
  const testClock = config.testClock ? new TestClock(handle.db, base) : null;
  await testClock?.refresh();
  const clock = testClock ?? base;
  await ensureLevels(handle.db, clock.now());
  return { handle, db: handle.db, engine: handle.engine, clock, testClock };
}
