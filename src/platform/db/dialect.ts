/**
 * Every difference between SQLite and PostgreSQL lives here: connection set-up, value
 * normalisation (time, booleans, JSON, bigint), DDL column types, row locking and triggers.
 * The rest of the code writes one Kysely query for both engines.
 */
import Sqlite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type RawBuilder,
  type SqliteDialectConfig,
  type SqlBool,
} from 'kysely';
import pg from 'pg';
import type { Engine } from '../config.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type { Engine };

export interface DbHandle {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
}

const PG_INT8 = 20;
const PG_BOOL = 16;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;
const PG_JSON = 114;
const PG_JSONB = 3802;

/** pg returns int8 as strings, booleans as booleans and JSON as objects; normalise to the SQLite shapes. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    switch (oid) {
      case PG_INT8:
        return (v: string) => {
          const n = Number(v);
          if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} exceeds 2^53`);
          return n;
        };
      case PG_BOOL:
        return (v: string) => (v === 't' ? 1 : 0);
      case PG_TIMESTAMP:
      case PG_TIMESTAMPTZ: {
        const parseDate = pg.types.getTypeParser(oid, 'text') as (v: string) => Date;
        return (v: string) => parseDate(v).toISOString();
      }
      case PG_JSON:
      case PG_JSONB:
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
    }
  },
};

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so a second
 * process (the CLI beside the server) waits on busy_timeout instead of failing mid-transaction
 * when a deferred read lock cannot be upgraded.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/** The better-sqlite3 handle behind each SQLite Kysely instance, for the bulk-insert fast path. */
const rawHandles = new WeakMap<object, Sqlite.Database>();

export function openSqlite(file: string): DbHandle {
  const raw = new Sqlite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  // 24 MiB page cache: the unique HMAC indexes take random inserts, and with the 2 MiB default a
  // large import spends its time re-reading index pages.
  raw.pragma('cache_size = -24576');
  // Checkpoint the WAL every ~40 MiB instead of 4 MiB: index pages touched again and again by a
  // bulk import are then written back once per checkpoint rather than many times.
  raw.pragma('wal_autocheckpoint = 10000');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: cachingStatements(raw) }),
  });
  rawHandles.set(db, raw);
  return { db, engine: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely prepares every query afresh; on the checkout path that was ~18% of CPU. Statements are
 * kept by SQL text (least recently used dropped past 500); one that is still iterating (a stream)
 * is not handed out twice.
 */
const statementCache = new WeakMap<Sqlite.Database, Map<string, Sqlite.Statement>>();

/** The one statement cache of a SQLite handle, shared by Kysely's queries and the bulk-insert path. */
function cachedStatement(raw: Sqlite.Database, text: string): Sqlite.Statement {
  let cache = statementCache.get(raw);
  if (!cache) statementCache.set(raw, (cache = new Map<string, Sqlite.Statement>()));
  const hit = cache.get(text);
  if (hit && !hit.busy) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const stmt = raw.prepare(text);
  cache.set(text, stmt);
  if (cache.size > 500) cache.delete(cache.keys().next().value!);
  return stmt;
}

function cachingStatements(raw: Sqlite.Database): SqliteDialectConfig['database'] {
  return { close: () => raw.close(), prepare: (text: string) => cachedStatement(raw, text) };
}

const PREPARED_PER_CONNECTION = 300;
const DML = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * PostgreSQL parses and plans every unnamed statement again (~170 µs of server CPU each on the
 * checkout path). Data statements get a name per connection, so pg prepares each text once and
 * then only binds and executes; a connection names at most 300 texts (queries with long IN
 * lists vary), the rest run unnamed.
 */
function namedStatements(pool: pg.Pool, onError: (err: Error) => void): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    // A connection checked out but between queries (a transaction's, the instance lock's) has no
    // error listener of pg's: a server restart or a terminated backend would be an uncaught
    // 'error' event that ends the process. The query under way, if any, still gets its error.
    client.on('error', onError);
    const names = new Map<string, string>();
    const query = (textOrCursor: string | PostgresCursor<unknown>, values?: readonly unknown[]): unknown => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never);
      let name = names.get(textOrCursor);
      if (!name && names.size < PREPARED_PER_CONNECTION && DML.test(textOrCursor)) {
        name = `km${names.size}`;
        names.set(textOrCursor, name);
      }
      return name
        ? client.query({ name, text: textOrCursor, values: values as unknown[] })
        : client.query(textOrCursor, values as unknown[]);
    };
    return {
      query: query as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy),
    };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let w = wrappers.get(client);
      if (!w) wrappers.set(client, (w = wrap(client)));
      return w;
    },
    end: () => pool.end(),
  };
}

/** The pg pool behind each PostgreSQL Kysely instance, for the pool-usage metrics. */
const pgPools = new WeakMap<object, pg.Pool>();

export interface PoolUsage {
  /** Connections open (busy or idle), at most `max`. */
  total: number;
  idle: number;
  /** Callers waiting for a connection: the pool is exhausted. */
  waiting: number;
  max: number;
}

/** The PostgreSQL pool's usage now; null on SQLite (one connection, no pool). */
export function poolUsage(db: Db): PoolUsage | null {
  const pool = pgPools.get(db);
  return pool
    ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }
    : null;
}

export function openPostgres(
  connectionString: string,
  options: { max?: number; schema?: string } = {},
): DbHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: pgTypes,
    // A schema per test run keeps parallel test files apart on one database.
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // The pool drops a broken connection and opens another when needed; say so once per connection.
  const onError = (err: Error): void => {
    process.stderr.write(
      `kameng: a PostgreSQL connection ended (${(err as { code?: string }).code ?? 'no code'}): ${err.message}\n`,
    );
  };
  pool.on('error', onError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namedStatements(pool, onError) }) });
  pgPools.set(db, pool);
  return { db, engine: 'postgres', close: () => db.destroy() };
}

export function engineOf(db: { getExecutor(): { readonly adapter: object } }): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

// ---- values -------------------------------------------------------------------------------

export const now = (d: Date): string => d.toISOString();
export const bool = (v: boolean): 0 | 1 => (v ? 1 : 0);
export const toJson = (v: unknown): string => JSON.stringify(v);
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

// ---- DDL ----------------------------------------------------------------------------------

export interface ColumnTypes {
  time: 'timestamptz' | 'text';
  bool: 'boolean' | 'integer';
  json: 'jsonb' | 'text';
  money: 'bigint' | 'integer';
  bytes: 'bytea' | 'blob';
  /** SQL literal for true, for CHECK expressions */
  true: RawBuilder<unknown>;
  false: RawBuilder<unknown>;
}

export function columnTypes(engine: Engine): ColumnTypes {
  const pgEngine = engine === 'postgres';
  return {
    time: pgEngine ? 'timestamptz' : 'text',
    bool: pgEngine ? 'boolean' : 'integer',
    json: pgEngine ? 'jsonb' : 'text',
    money: pgEngine ? 'bigint' : 'integer',
    bytes: pgEngine ? 'bytea' : 'blob',
    true: sql.raw(pgEngine ? 'true' : '1'),
    false: sql.raw(pgEngine ? 'false' : '0'),
  };
}

/** Boolean column CHECK for SQLite (which has no boolean type); PostgreSQL's type already enforces it. */
export function boolCheck(engine: Engine, column: string): RawBuilder<unknown> {
  return engine === 'postgres' ? sql`true` : sql`${sql.ref(column)} in (0, 1)`;
}

/** Forbids UPDATE and DELETE on a table: immutable rows (policy versions, audit events). */
export async function makeAppendOnly(db: Kysely<unknown>, table: string): Promise<void> {
  const engine = engineOf(db);
  const message = `${table} is append-only`;
  if (engine === 'postgres') {
    await sql`create or replace function kameng_append_only() returns trigger language plpgsql as $$
      begin raise exception '% is append-only', tg_table_name using errcode = 'KM001'; end $$`.execute(db);
    await sql`create trigger ${sql.id(`${table}_append_only`)} before update or delete on ${sql.table(table)}
      for each row execute function kameng_append_only()`.execute(db);
  } else {
    for (const op of ['update', 'delete'] as const) {
      await sql`create trigger ${sql.id(`${table}_no_${op}`)} before ${sql.raw(op)} on ${sql.table(table)}
        begin select raise(abort, ${sql.lit(message)}); end`.execute(db);
    }
  }
}

/** Error classification across drivers, so services can map constraint violations to domain errors. */
export type ConstraintKind = 'unique' | 'foreign_key' | 'check' | 'not_null' | 'append_only';

export function constraintKind(error: unknown): ConstraintKind | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return 'unique';
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  if (code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK') return 'check';
  if (code === '23502' || code === 'SQLITE_CONSTRAINT_NOTNULL') return 'not_null';
  if (code === 'KM001' || message.includes('is append-only') || message.includes(' is final'))
    return 'append_only';
  return null;
}

// ---- locking ------------------------------------------------------------------------------

/**
 * Row lock for read-modify-write. PostgreSQL takes `FOR NO KEY UPDATE`: it serialises writers of
 * the row like `FOR UPDATE`, but does not block the share lock a foreign-key insert takes on the
 * row it references (a notification for a buyer, a message on an order), which would otherwise
 * turn "buyer row first" into deadlocks. No Kameng transaction changes a key column. SQLite
 * rejects the clause and needs none: its single writer transaction already serialises writers.
 */
export function forUpdate<T extends { forNoKeyUpdate(): T }>(qb: T, engine: Engine): T {
  return engine === 'postgres' ? qb.forNoKeyUpdate() : qb;
}

/**
 * Locks a person's row. Lock order rule (ADR 0003/0004): a transaction that moves a buyer's money
 * or refund takes the buyer's row first — checkout, payouts, refund decisions alike — so they
 * queue on it instead of meeting in opposite order on ledger accounts or requests.
 */
export async function lockUser(trx: Db, engine: Engine, userId: string): Promise<void> {
  await lockRows(trx.selectFrom('users').select('id').where('id', '=', userId), engine);
}

/**
 * Takes row locks for their own sake (no rows wanted back). Only PostgreSQL needs them: SQLite's
 * single writer transaction already serialises writers, so there no query runs at all.
 */
export async function lockRows<T extends { forNoKeyUpdate(): T; execute(): Promise<unknown> }>(
  qb: T,
  engine: Engine,
): Promise<void> {
  if (engine === 'postgres') await qb.forNoKeyUpdate().execute();
}

/**
 * Case-insensitive substring match with `%`, `_` and `\` in the needle taken literally. Spelled
 * out because SQLite's LIKE has no default escape character and ignores ASCII case while
 * PostgreSQL's LIKE honours case.
 */
export function containsText(column: string, needle: string): RawBuilder<SqlBool> {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

type SqlValue = string | number | Buffer | null;

/**
 * Inserts rows, skipping those that conflict on `conflictColumn`, and returns the indexes of the
 * rows actually inserted. Must run inside a transaction opened on `db`.
 * - SQLite: one cached single-row prepared statement on the same (only) connection, run per row.
 *   Measured (bench/experiments/import-sqlite-insert.ts) ~30% less CPU per row than 16- or 64-row
 *   statements, whose multi-row VALUES with an upsert clause costs more than the per-call saving.
 * - PostgreSQL: one `INSERT … SELECT FROM unnest($1::type[], …) ON CONFLICT DO NOTHING RETURNING`
 *   per PG_ROWS rows — columns equal in every row go once as a scalar, the others as one array
 *   parameter each, so the statement text is fixed (prepared once) whatever the row count.
 */
export async function insertIgnoringConflicts(
  db: Db,
  trx: Db,
  table: 'keys',
  columns: readonly string[],
  rows: readonly SqlValue[][],
  options: { conflictColumn: string; returnColumnIndex: number; pgTypes: readonly string[] },
): Promise<Set<number>> {
  const { conflictColumn, returnColumnIndex } = options;
  const conflictIndex = columns.indexOf(conflictColumn);
  const inserted = new Set<number>();
  const raw = rawHandles.get(db);
  if (raw) {
    const stmt = preparedInsert(raw, table, columns, conflictColumn);
    for (let i = 0; i < rows.length; i++) if (stmt.run(rows[i]).changes === 1) inserted.add(i);
    return inserted;
  }
  // Insert in conflict-key order: two transactions inserting overlapping keys then wait for each
  // other in the same order instead of deadlocking.
  const order = rows
    .map((_, i) => i)
    .sort((a, b) => Buffer.compare(asBuffer(rows[a][conflictIndex]), asBuffer(rows[b][conflictIndex])));
  for (let start = 0; start < order.length; start += PG_ROWS) {
    const idx = order.slice(start, start + PG_ROWS);
    const slice = idx.map((i) => rows[i]);
    const params: unknown[] = [];
    const unnested: string[] = [];
    const names: string[] = [];
    const selected = columns.map((_, c) => {
      const first = slice[0][c];
      const same =
        c !== returnColumnIndex &&
        slice.every((r) =>
          Buffer.isBuffer(first) ? Buffer.isBuffer(r[c]) && first.equals(r[c]) : r[c] === first,
        );
      const type = options.pgTypes[c];
      if (same) {
        params.push(first);
        return `$${params.length}::${type}`;
      }
      params.push(slice.map((r) => r[c]));
      unnested.push(`$${params.length}::${type}[]`);
      names.push(`c${c}`);
      return `u.c${c}`;
    });
    const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')})
      select ${selected.join(', ')} from unnest(${unnested.join(', ')}) as u(${names.join(', ')})
      on conflict ("${conflictColumn}") do nothing returning "${columns[returnColumnIndex]}" as v`;
    const res = await trx.executeQuery<{ v: string }>(CompiledQuery.raw(text, params));
    const returned = new Set(res.rows.map((x) => x.v));
    idx.forEach((rowIndex) => {
      if (returned.has(rows[rowIndex][returnColumnIndex] as string)) inserted.add(rowIndex);
    });
  }
  return inserted;
}

/** Rows per PostgreSQL statement: one array parameter per column, so no 65,535-parameter limit. */
const PG_ROWS = 5_000;

const asBuffer = (v: SqlValue): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(String(v)));

function preparedInsert(
  raw: Sqlite.Database,
  table: string,
  columns: readonly string[],
  conflict: string,
): Sqlite.Statement {
  const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')}) on conflict ("${conflict}") do nothing`;
  return cachedStatement(raw, text);
}

// ---- reporting ------------------------------------------------------------------------------

/**
 * The Asia/Shanghai calendar day (`YYYY-MM-DD`) of a stored instant. Shanghai keeps UTC+8 all
 * year; SQLite stores ISO text (shifted by 8 hours), PostgreSQL timestamptz (converted by zone).
 */
export function shanghaiDay(engine: Engine, column: string): RawBuilder<string> {
  return engine === 'postgres'
    ? sql<string>`to_char(${sql.ref(column)} at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`
    : sql<string>`strftime('%Y-%m-%d', ${sql.ref(column)}, '+8 hours')`;
}

/** Hours from one stored instant to another (fractional). */
export function hoursBetween(engine: Engine, from: string, to: string): RawBuilder<number> {
  return engine === 'postgres'
    ? sql<number>`(extract(epoch from (${sql.ref(to)} - ${sql.ref(from)})) / 3600.0)`
    : sql<number>`((julianday(${sql.ref(to)}) - julianday(${sql.ref(from)})) * 24.0)`;
}

/**
 * A list of rows passed as one parameter per column and read as a table with a 1-based `rn`
 * column (the row's position): `unnest(…) with ordinality` on PostgreSQL, `json_each` on SQLite.
 * Set-based statements use it to pair generated ids with the rows they pick (one key per unit).
 */
export function listTable(
  engine: Engine,
  alias: string,
  columns: Record<string, readonly string[]>,
): RawBuilder<unknown> {
  const names = Object.keys(columns);
  if (engine === 'postgres') {
    const arrays = names.map((n) => sql`${[...columns[n]]}::text[]`);
    return sql`unnest(${sql.join(arrays)}) with ordinality as ${sql.raw(alias)}(${sql.raw(names.join(', '))}, rn)`;
  }
  const length = columns[names[0]].length;
  const rows = Array.from({ length }, (_, i) => names.map((n) => columns[n][i]));
  const picks = names.map((n, i) => sql`json_extract(j.value, ${`$[${i}]`}) as ${sql.raw(n)}`);
  return sql`(select ${sql.join(picks)}, j.key + 1 as rn from json_each(${JSON.stringify(rows)}) j) as ${sql.raw(alias)}`;
}
