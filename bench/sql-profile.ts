/**
 * A preload for profiling SQLite statements in a benchmark: it times every better-sqlite3
 * `prepare` and every statement execution, grouped by SQL text, and prints the top statements
 * by total time when the process exits. For example:
 *
 *   BENCH_CEILING=0 node --import tsx --import ./bench/sql-profile.ts bench/checkout.ts
 */
import { performance } from 'node:perf_hooks';
import Sqlite from 'better-sqlite3';

interface Stat {
  calls: number;
  ms: number;
  prepares: number;
  prepareMs: number;
}

const stats = new Map<string, Stat>();
const statOf = (text: string): Stat => {
  const key = text.replace(/\s+/g, ' ').trim();
  let s = stats.get(key);
  if (!s) stats.set(key, (s = { calls: 0, ms: 0, prepares: 0, prepareMs: 0 }));
  return s;
};

type AnyFn = (...args: unknown[]) => unknown;
const proto = Sqlite.prototype as unknown as { prepare: AnyFn };
const prepare = proto.prepare;
proto.prepare = function (this: unknown, ...args: unknown[]) {
  const t0 = performance.now();
  const stmt = prepare.apply(this, args) as Record<string, AnyFn>;
  const s = statOf(String(args[0]));
  s.prepares++;
  s.prepareMs += performance.now() - t0;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = stmt[method];
    stmt[method] = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, a);
      } finally {
        s.calls++;
        s.ms += performance.now() - t;
      }
    };
  }
  return stmt;
};

process.on('exit', () => {
  const rows = [...stats].sort((a, b) => b[1].ms + b[1].prepareMs - (a[1].ms + a[1].prepareMs));
  const total = rows.reduce((t, [, s]) => t + s.ms + s.prepareMs, 0);
  const prepTotal = rows.reduce((t, [, s]) => t + s.prepareMs, 0);
  console.log(
    `\nSQLite statements: ${Math.round(total)} ms in all, of which prepare ${Math.round(prepTotal)} ms (${stats.size} distinct SQL texts)`,
  );
  for (const [text, s] of rows.slice(0, Number(process.env.SQL_PROFILE_TOP ?? 30))) {
    console.log(
      `${Math.round(s.ms).toString().padStart(7)} ms exec ${Math.round(s.prepareMs).toString().padStart(6)} ms prep ` +
        `${s.calls.toString().padStart(7)} calls ${((1000 * s.ms) / Math.max(1, s.calls)).toFixed(0).padStart(6)} µs/call  ${text.slice(0, 220)}`,
    );
  }
});
