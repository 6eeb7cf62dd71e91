/**
 * A fresh, migrated database per test file: a temp SQLite file, or a private PostgreSQL database.
 *
 * Migrating (and what an app start writes: the HMAC key, the sandbox gateways' RSA keys) took
 * about a second per harness. It is done once per version of the sources into a template, which
 * each test file copies: the SQLite file is copied, the PostgreSQL database is made with
 * `CREATE DATABASE … TEMPLATE`. The template's name is a hash of src/ and these helpers, so a
 * changed migration (or anything else) builds a new one.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
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

/** What a template holds beyond the migrations (e.g. an app started once on it), named for its key. */
export interface Primer {
  name: string;
  prime(handle: DbHandle): Promise<void>;
}

/** The schema every PostgreSQL test database keeps its tables in (not public, as in staging). */
const PG_SCHEMA = 'kameng';

/**
 * What a template's content depends on: the schema (src/platform/db), the rows an app start writes
 * before any request (the vault's keys, the sandbox gateways' and bank's key pairs, the member
 * levels) and these helpers. Anything else an app start writes is written again on the copy.
 */
const TEMPLATE_SOURCES = [
  'src/platform/db',
  'src/platform/vault.ts',
  'src/platform/crypto.ts',
  'src/modules/payments/sandbox',
  'src/modules/finance/sandbox-bank.ts',
  'src/modules/membership/levels.ts',
  'test/helpers/db.ts',
  'test/helpers/app.ts',
];

let sourceHash: string | undefined;
function sourcesHash(): string {
  if (sourceHash) return sourceHash;
  const h = createHash('sha256');
  const add = (p: string): void => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) add(path.join(p, e));
    else h.update(p).update(readFileSync(p));
  };
  for (const p of TEMPLATE_SOURCES) add(path.resolve(p));
  return (sourceHash = h.digest('hex').slice(0, 16));
}

const templateKey = (at: Date, primer: Primer | undefined): string =>
  createHash('sha256')
    .update(`${sourcesHash()}|${at.toISOString()}|${primer?.name ?? ''}`)
    .digest('hex')
    .slice(0, 16);

async function fill(handle: DbHandle, at: Date, primer: Primer | undefined): Promise<void> {
  await migrateToLatest(handle.db);
  await ensureLevels(handle.db, at);
  if (primer) await primer.prime(handle);
}

/** The SQLite template's path, built if missing (in a temp name, then renamed: workers may race). */
async function sqliteTemplate(at: Date, primer: Primer | undefined): Promise<string> {
  const dir = path.join(os.tmpdir(), 'kameng-test-templates');
  const file = path.join(dir, `${templateKey(at, primer)}.db`);
  if (existsSync(file)) {
    const t = new Date();
    utimesSync(file, t, t); // in use: kept by the clean-up below
    return file;
  }
  mkdirSync(dir, { recursive: true });
  // Templates of older sources, unused for a day, are removed.
  for (const old of readdirSync(dir)) {
    const p = path.join(dir, old);
    try {
      if (Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true });
    } catch {
      // another worker removed it first
    }
  }
  const building = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = openSqlite(building);
  await fill(handle, at, primer);
  await handle.close(); // closing the last connection checkpoints the WAL into the file
  renameSync(building, file);
  return file;
}

const databaseUrl = (url: string, database: string): string => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/**
 * Retries while PostgreSQL says a database is still in use (55006): a pool's connections end a
 * moment after the pool is closed.
 */
async function whileInUse(run: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run();
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt === 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The PostgreSQL template database's name, built if missing (one builder at a time: an advisory lock). */
async function pgTemplate(url: string, at: Date, primer: Primer | undefined): Promise<string> {
  const name = `kameng_tmpl_${templateKey(at, primer)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const exists = async () =>
      (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
    if (await exists()) return name;
    await admin.query(`select pg_advisory_lock(hashtext('kameng-test-template'))`);
    try {
      if (await exists()) return name;
      const building = `${name}_build`;
      await admin.query(`drop database if exists ${building}`);
      await admin.query(`create database ${building}`);
      const setup = new pg.Client({ connectionString: databaseUrl(url, building) });
      await setup.connect();
      await setup.query(`create schema ${PG_SCHEMA}`);
      await setup.end();
      const handle = openPostgres(databaseUrl(url, building), { schema: PG_SCHEMA, max: 8 });
      await fill(handle, at, primer);
      await handle.close();
      await whileInUse(() => admin.query(`alter database ${building} rename to ${name}`));
      return name;
    } finally {
      await admin.query(`select pg_advisory_unlock(hashtext('kameng-test-template'))`);
    }
  } finally {
    await admin.end();
  }
}

export async function createTestDb(at = new Date('2026-01-05T02:00:00Z'), primer?: Primer): Promise<TestDb> {
  if (testEngine() === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('KAMENG_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    const template = await pgTemplate(url, at, primer);
    const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await whileInUse(() => admin.query(`create database ${name} template ${template}`));
    } finally {
      await admin.end();
    }
    const handle = openPostgres(databaseUrl(url, name), { schema: PG_SCHEMA, max: 8 });
    return {
      ...handle,
      destroy: async () => {
        await handle.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const template = await sqliteTemplate(at, primer);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-test-'));
  copyFileSync(template, path.join(dir, 'test.db'));
  const handle = openSqlite(path.join(dir, 'test.db'));
  return {
    ...handle,
    destroy: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { sql };
