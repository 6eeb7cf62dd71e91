import { mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { openPostgres, openSqlite, type DbHandle } from './dialect.js';
import { migrateToLatest } from './migrate.js';

/** Opens the configured engine (SQLite file by default, PostgreSQL with DATABASE_URL) and migrates it. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'sqlitePath'>,
): Promise<DbHandle> {
  let handle: DbHandle;
  if (config.databaseUrl) {
    handle = openPostgres(config.databaseUrl);
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    handle = openSqlite(config.sqlitePath);
  }
  await migrateToLatest(handle.db);
  return handle;
}
