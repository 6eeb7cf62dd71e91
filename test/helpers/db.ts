/** A fresh, migrated database per test file: a temp SQLite file, or a private PostgreSQL schema. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openPostgres, openSqlite, type DbHandle, type Engine } from '../../src/platform/db/dialect.js';
import { migrateToLatest } from '../../src/platform/db/migrate.js';
import { ensureLevels } from '../../src/modules/membership/levels.js';

export const testEngine = (): Engine =>
  process.env.KAMENG_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDb extends DbHandle {
  destroy(): Promise<void>;
}

export async function createTestDb(at = new Date('2026-01-05T02:00:00Z')): Promise<TestDb> {
  let handle: DbHandle;
  let cleanup: () => Promise<void>;
  if (testEngine() === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('KAMENG_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    handle = openPostgres(url, { schema, max: 8 });
    cleanup = async () => {
      await handle.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    };
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-test-'));
    handle = openSqlite(path.join(dir, 'test.db'));
    cleanup = async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  await migrateToLatest(handle.db);
  await ensureLevels(handle.db, at);
  return { ...handle, destroy: cleanup };
}

export { sql };
