/** Start-up shared by the server and the CLI: database, migrations, clock, base data. */
import type { Config } from './platform/config.js';
import { ensureLevels } from './modules/membership/index.js';
import { systemClock, TestClock, type Clock } from './platform/clock.js';
import type { DataContext } from './platform/context.js';
import type { DbHandle } from './platform/db/dialect.js';
import { openDatabase } from './platform/db/open.js';
import { loadMasterKey, type MasterKey } from './platform/crypto.js';
import { assertMasterKeyMatches, KeyVault } from './platform/vault.js';
import { retireDemoLogins } from './modules/demo/index.js';
import { holdInstanceLock } from './platform/instance.js';

export interface Booted extends DataContext {
  handle: DbHandle;
  testClock: TestClock | null;
  vault: KeyVault;
  masterKey: MasterKey;
  /** The demo key file when the master key was generated into the data directory. */
  masterKeyFile: string | null;
  /** Demo accounts disabled at this start: the database held the demo seed, the demo is off. */
  retiredDemoLogins: string[];
}

export async function boot(config: Config, base: Clock = systemClock): Promise<Booted> {
  const opened = await openDatabase(config);
  // This instance's lock (PostgreSQL): held while the process lives, so others can tell it is alive
  // (platform/instance.ts); released before the pool closes.
  const lock = await holdInstanceLock(opened.db, opened.engine);
  const handle = {
    ...opened,
    close: async () => {
      await lock.release();
      await opened.close();
    },
  };
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
  await vault.auditKeys(handle.db, clock.now()); // the keyed audit chain's keys (audit-chain.ts)
  const data = { db: handle.db, engine: handle.engine, clock };
  // Published demo passwords never open a database running without the demo.
  const retiredDemoLogins = config.demo === 'off' ? await retireDemoLogins(data) : [];
  if (retiredDemoLogins.length > 0)
    process.stderr.write(
      `\n!!! This database once held the demo seed. Demo accounts still using the published password are now DISABLED: ${retiredDemoLogins.join(', ')}.\n` +
        '!!! Create your own admin with `kameng create-admin`. / 此数据库曾导入演示数据，使用公开密码的演示账号已停用，请用 kameng create-admin 创建管理员。\n\n',
    );
  return { handle, ...data, testClock, vault, masterKey, masterKeyFile, retiredDemoLogins };
}
