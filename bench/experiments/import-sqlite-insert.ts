/**
 * What the SQLite side of a key import costs per row, with no encryption: the keys table's rows
 * (random 128/64-bit hashes) inserted by a 1-row vs a 64-row prepared statement, with the default
 * 24 MiB page cache vs a larger one. `npx tsx bench/experiments/import-sqlite-insert.ts` (ROWS=…).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { boot } from '../../src/boot.js';
import { loadConfig } from '../../src/platform/config.js';
import { KEY_COLUMNS } from '../../src/modules/inventory/import-encode.js';
import { newOrderedId } from '../../src/platform/ids.js';

const ROWS = Number(process.env.ROWS ?? 300_000);
const TX = 10_000;

async function run(label: string, perStatement: number, cacheMiB: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-insert-exp-'));
  const booted = await boot(loadConfig({ ...process.env, KAMENG_DATA_DIR: dir, NODE_ENV: 'development' }));
  await booted.handle.close();
  const db = new Sqlite(path.join(dir, 'kameng.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${cacheMiB * 1024}`);
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('foreign_keys = OFF');
  const row = `(${KEY_COLUMNS.map(() => '?').join(',')})`;
  const stmt = db.prepare(
    `insert into keys (${KEY_COLUMNS.join(',')}) values ${Array(perStatement).fill(row).join(',')} on conflict (secret_hmac) do nothing`,
  );
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const stamp = new Date().toISOString();
  for (let done = 0; done < ROWS; done += TX) {
    const r = randomBytes(TX * 94);
    const values: unknown[] = [];
    const tx = db.transaction(() => {
      for (let i = 0; i < TX; i++) {
        const o = i * 94;
        values.push(
          newOrderedId(Date.now()),
          'p',
          'm',
          'b',
          done + i,
          'AVAILABLE',
          '7000****0001',
          r.subarray(o, o + 8),
          r.subarray(o + 8, o + 24),
          'd',
          r.subarray(o + 24, o + 94),
          0,
          1,
          stamp,
          stamp,
        );
        if (values.length === perStatement * KEY_COLUMNS.length) {
          stmt.run(values);
          values.length = 0;
        }
      }
    });
    tx();
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu);
  console.log(label, {
    rowsPerSecond: Math.round(ROWS / s),
    rowsPerCpuSecond: Math.round(ROWS / ((c.user + c.system) / 1e6)),
    sys: Math.round(c.system / 1e5) / 10,
  });
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

for (let rep = 0; rep < 2; rep++) {
  await run('64-row, 24 MiB', 64, 24);
  await run('1-row, 24 MiB', 1, 24);
  await run('16-row, 24 MiB', 16, 24);
  await run('1-row, 256 MiB', 1, 256);
}
