/** Start-up shared by the server and the CLI: database, migrations, clock, base data. */
import type { Config } from './config.js';
import { ensureLevels } from './modules/membership/levels.js';
import { systemClock, TestClock, type Clock } from './platform/clock.js';
import type { DataContext } from './platform/context.js';
import type { DbHandle } from './platform/db/dialect.js';
import { openDatabase } from './platform/db/open.js';
import { loadMasterKey, type MasterKey } from './platform/crypto.js';
import { assertMasterKeyMatches, KeyVault } from './modules/inventory/vault.js';

export interface Booted extends DataContext {
  handle: DbHandle;
  testClock: TestClock | null;
  vault: KeyVault;
  masterKey: MasterKey;
  /** The demo key file when the master key was generated into the data directory. */
  masterKeyFile: string | null;
}

export async function boot(config: Config, base: Clock = systemClock): Promise<Booted> {
  const handle = await openDatabase(config);
  const testClock = config.testClock ? new TestClock(handle.db, base) : null;
  await testClock?.refresh();
  const clock = testClock ?? base;
  await ensureLevels(handle.db, clock.now());
  const { key: masterKey, file: masterKeyFile } = loadMasterKey(config.masterKey, {
    production: config.env === 'production',
    dataDir: config.dataDir,
    warn: (m) => void process.stderr.write(`${m}\n`),
  });
  await assertMasterKeyMatches(handle.db, masterKey);
  const vault = new KeyVault(masterKey);
  await vault.hmacKey(handle.db, clock.now()); // created and committed once, before any request
  return { handle, db: handle.db, engine: handle.engine, clock, testClock, vault, masterKey, masterKeyFile };
}
