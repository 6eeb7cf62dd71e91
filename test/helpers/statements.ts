/**
 * Counts the SQL statements a piece of work sends to the database, on either engine: every
 * `pg` client query (one round trip each) and every better-sqlite3 statement execution. For
 * tests of the checkout's statement budget (Stage 10); installed once per test file.
 */
import Sqlite from 'better-sqlite3';
import pg from 'pg';

type AnyFn = (...args: unknown[]) => unknown;
let recording: string[] | null = null;

const client = pg.Client.prototype as unknown as { query: AnyFn };
const query = client.query;
client.query = function (this: unknown, ...args: unknown[]) {
  const q = args[0] as { text?: string } | string;
  recording?.push(typeof q === 'string' ? q : String(q?.text));
  return query.apply(this, args);
};
const database = Sqlite.prototype as unknown as { prepare: AnyFn };
const prepare = database.prepare;
database.prepare = function (this: unknown, ...args: unknown[]) {
  const stmt = prepare.apply(this, args) as Record<string, AnyFn>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const run = stmt[method];
    stmt[method] = function (this: unknown, ...a: unknown[]) {
      recording?.push(String(args[0]));
      return run.apply(this, a);
    };
  }
  return stmt;
};

/** Runs `work` and returns its result with the statements it sent (whitespace collapsed). */
export async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  recording = statements;
  try {
    const result = await work();
    return { result, statements: statements.map((s) => s.replace(/\s+/g, ' ').trim()) };
  } finally {
    recording = null;
  }
}
