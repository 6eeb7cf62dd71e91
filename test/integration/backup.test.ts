/**
 * `kameng backup`: an online copy of the SQLite database taken while another connection keeps
 * writing, checked, never over an existing file without --force; on PostgreSQL, instructions only.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliStream } from '../../src/cli/program.js';
import { testEngine } from '../helpers/db.js';

function collector(tty = false): CliStream & { text(): string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as unknown as CliStream & { text(): string };
  w.isTTY = tty;
  w.columns = 100;
  w.text = () => chunks.join('');
  return w;
}

async function cli(env: NodeJS.ProcessEnv, args: string[], tty = false) {
  const stdout = collector();
  const stderr = collector(tty);
  const code = await runCli(args, { env, stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe.runIf(testEngine() === 'sqlite')('kameng backup on SQLite', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let live: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-backup-'));
    env = { KAMENG_DATA_DIR: dir, NODE_ENV: 'development', KAMENG_DEMO: 'off' };
    const migrated = await cli(env, ['migrate']);
    expect(migrated.code, migrated.err).toBe(0);
    live = path.join(dir, 'kameng.db');
    // A few MiB, so the copy takes many steps and the writer below gets in between them.
    const db = new Sqlite(live);
    db.exec('create table backup_probe (n integer primary key, pad blob not null)');
    db.exec('create table backup_filler (pad blob not null)');
    const fill = db.prepare('insert into backup_filler (pad) values (randomblob(2048))');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) fill.run();
    })();
    db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies while another connection writes; the copy is whole and holds what was committed', async () => {
    const writer = new Sqlite(live);
    writer.pragma('busy_timeout = 5000');
    const insert = writer.prepare('insert into backup_probe (n, pad) values (?, randomblob(64))');
    let n = 0;
    let writing = true;
    const loop = (): void => {
      if (!writing) return;
      insert.run(++n); // each one its own committed transaction
      setImmediate(loop);
    };
    for (let i = 0; i < 50; i++) insert.run(++n);
    const committedBefore = n;
    loop();
    const file = path.join(dir, 'copy.db');
    const res = await cli(env, ['backup', file], true);
    const committedAfter = n;
    writing = false;
    writer.close();
    expect(res.code, res.err + res.out).toBe(0);
    expect(res.out).toContain('integrity_check: ok');
    expect(res.out).toContain(`backup written: ${file}`);
    // the writer got in while the copy was being made (the copy restarted and still finished)
    expect(committedAfter).toBeGreaterThan(committedBefore);
    expect(res.err).toMatch(/pages/);
    expect(res.err).toContain('restarted'); // and finished in one step after a few restarts
    const copy = new Sqlite(file, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const rows = copy.prepare('select n from backup_probe order by n').pluck().all() as number[];
      // one snapshot: rows 1..k with no gap, every row committed before the backup started among them
      expect(rows.length).toBeGreaterThanOrEqual(committedBefore);
      expect(rows.length).toBeLessThanOrEqual(committedAfter);
      expect(rows).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      expect(copy.prepare('select count(*) from backup_filler').pluck().get()).toBe(3000);
      expect(copy.prepare('select count(*) from member_levels').pluck().get()).toBeGreaterThan(0);
    } finally {
      copy.close();
    }
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('refuses to replace an existing file unless --force, and leaves it as it was', async () => {
    const file = path.join(dir, 'existing.db');
    writeFileSync(file, 'not a database');
    const refused = await cli(env, ['backup', file]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('--force');
    expect(refused.err).toContain('已存在');
    expect(readFileSync(file, 'utf8')).toBe('not a database');
    const forced = await cli(env, ['backup', file, '--force']);
    expect(forced.code, forced.err).toBe(0);
    const copy = new Sqlite(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('refuses the live database itself and a missing folder', async () => {
    expect((await cli(env, ['backup', live, '--force'])).code).toBe(1);
    const missing = await cli(env, ['backup', path.join(dir, 'no', 'such', 'dir.db')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('不存在');
  });

  it('--verify runs the invariant checks on the copy', async () => {
    const res = await cli(env, ['backup', path.join(dir, 'verified.db'), '--verify']);
    expect(res.code, res.err + res.out).toBe(0);
    expect(res.out).toMatch(/ledger/i);
    expect(res.out).toContain('backup written');
  });
});

describe('kameng backup on PostgreSQL', () => {
  it('runs nothing, prints the pg_dump and pg_restore commands and exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-backup-pg-'));
    try {
      const env = {
        KAMENG_DATA_DIR: dir,
        NODE_ENV: 'development',
        DATABASE_URL: 'postgres://kameng:s3cret-pass@db.internal:5432/kameng',
      };
      const res = await cli(env, ['backup', '/backups/kameng.dump']);
      expect(res.code).toBe(1);
      expect(res.out).toContain(
        `pg_dump --format=custom --no-owner --file='/backups/kameng.dump' "$DATABASE_URL"`,
      );
      expect(res.out).toContain(
        `pg_restore --no-owner --exit-on-error --dbname=kameng_restored '/backups/kameng.dump'`,
      );
      expect(res.out).toContain('PostgreSQL 请使用 pg_dump');
      expect(res.out + res.err).not.toContain('s3cret-pass');
      expect(readdirSync(dir)).toEqual([]); // nothing connected, nothing written
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
