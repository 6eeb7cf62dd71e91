/**
 * `kameng backup <file>`: a consistent copy of the embedded SQLite database, taken while the
 * server runs and writes. SQLite's online backup API copies the pages of one snapshot; in WAL mode
 * readers do not block the writer, so the server keeps selling meanwhile. The copy is written under
 * a temporary name beside the target, checked (`PRAGMA integrity_check`, and the invariant checks
 * of `kameng verify` with --verify), and only then given the target's name — never over an existing
 * file unless --force.
 *
 * On PostgreSQL nothing is run: the exact pg_dump / pg_restore commands are printed (custom format,
 * no owners), and the command exits 1 because no backup was made.
 */
import { existsSync, linkSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import type { Config } from '../platform/config.js';
import { systemClock } from '../platform/clock.js';
import { loadMasterKey } from '../platform/crypto.js';
import { openSqlite } from '../platform/db/dialect.js';
import { KeyVault } from '../platform/vault.js';
import { formatReport, verifyDatabase } from '../modules/admin/index.js';
import type { CliStream } from './io.js';

export interface BackupOptions {
  file: string;
  force: boolean;
  verify: boolean;
  out: (line: string) => void;
  progress: CliStream;
}

/** Pages per step: about 2% of the file, so the bar moves, and at least 256 (1 MiB at 4 KiB pages). */
const pagesPerStep = (total: number): number => Math.max(256, Math.ceil(total / 50));
/**
 * A write by another connection (the server) restarts a step-wise backup from the first page. After
 * this many restarts the rest is copied in one step: one read snapshot, which in WAL mode does not
 * block the writer, so a busy server cannot keep the backup from finishing.
 */
const RESTARTS_BEFORE_ONE_STEP = 3;

/** Exit code: 0 copy written and checked; 1 refused, failed, or (PostgreSQL) nothing done here. */
export async function backup(config: Config, opts: BackupOptions): Promise<number> {
  if (config.engine === 'postgres') return postgresInstructions(opts);
  const source = config.sqlitePath;
  const target = path.resolve(opts.file);
  if (!existsSync(source))
    throw new InvalidArgumentError(`no database at ${source} / 找不到数据库文件 ${source}`);
  if ([source, `${source}-wal`, `${source}-shm`].includes(target))
    throw new InvalidArgumentError(
      'the backup cannot replace the live database / 备份文件不能覆盖正在使用的数据库',
    );
  if (existsSync(target) && !opts.force)
    throw new InvalidArgumentError(
      `${target} exists; pass --force to replace it / 文件 ${target} 已存在，如需覆盖请加 --force`,
    );
  if (!existsSync(path.dirname(target)))
    throw new InvalidArgumentError(
      `the folder ${path.dirname(target)} does not exist / 目录 ${path.dirname(target)} 不存在`,
    );

  const temp = `${target}.partial-${process.pid}-${Date.now().toString(36)}`;
  const started = Date.now();
  try {
    const pages = await copy(source, temp, opts.progress);
    const check = integrityCheck(temp);
    opts.out(`integrity_check: ${check.join('; ')}`);
    if (check.length !== 1 || check[0] !== 'ok') {
      opts.out(
        `backup NOT written: the copy failed its integrity check / 备份副本完整性检查未通过，未写入 ${target}`,
      );
      return 1;
    }
    if (opts.verify && !(await verifyCopy(config, temp, opts.out))) {
      opts.out(`backup NOT written: the copy failed verify / 备份副本校验未通过，未写入 ${target}`);
      return 1;
    }
    place(temp, target, opts.force);
    const bytes = statSync(target).size;
    opts.out(
      `backup written: ${target} (${pages} pages, ${bytes} bytes, ${Date.now() - started} ms) / 备份完成`,
    );
    opts.out(
      `also keep: KAMENG_MASTER_KEY (or ${path.join(config.dataDir, 'master.key')}) — without it the card secrets in the copy cannot be read — and evidence/ and audit-head.log under ${config.dataDir} / 另请备份主密钥、evidence/ 目录和 audit-head.log`,
    );
    return 0;
  } finally {
    for (const f of [temp, `${temp}-wal`, `${temp}-shm`, `${temp}-journal`]) rmSync(f, { force: true });
  }
}

/** Copies `source` to `dest` page by page, drawing a bar on a terminal; returns the page count. */
async function copy(source: string, dest: string, progress: CliStream): Promise<number> {
  const db = new Sqlite(source, { fileMustExist: true });
  const tty = progress.isTTY === true;
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {percentage}% | {value}/{total} pages{restarted}', hideCursor: true, stream: progress },
    cliProgress.Presets.shades_classic,
  );
  try {
    db.pragma('busy_timeout = 5000');
    let restarts = 0;
    let lastRemaining = Infinity;
    let started = false;
    const done = await db.backup(dest, {
      progress({ totalPages, remainingPages }) {
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        if (tty) {
          if (!started) bar.start(totalPages, 0, { restarted: '' });
          started = true;
          bar.setTotal(totalPages);
          bar.update(totalPages - remainingPages, {
            restarted: restarts > 0 ? ` | restarted ${restarts}× (the server wrote)` : '',
          });
        }
        return restarts >= RESTARTS_BEFORE_ONE_STEP ? 0x7fffffff : pagesPerStep(totalPages);
      },
    });
    if (tty && started) bar.update(done.totalPages);
    return done.totalPages;
  } finally {
    if (tty) bar.stop();
    db.close();
  }
}

/**
 * The copy's own check. The copy is also made a plain rollback-journal file (one self-contained
 * file to move around; the server switches it back to WAL when it opens it).
 */
function integrityCheck(file: string): string[] {
  const db = new Sqlite(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/**
 * `kameng verify`'s checks on the copy. The exported audit head in the data folder is the live
 * server's (it may be ahead of the copy), so it is not compared here: an empty folder stands in.
 */
async function verifyCopy(config: Config, file: string, out: (line: string) => void): Promise<boolean> {
  const handle = openSqlite(file);
  const noHead = mkdtempSync(path.join(os.tmpdir(), 'kameng-backup-verify-'));
  try {
    const { key } = loadMasterKey(config.masterKey, {
      production: config.env === 'production',
      dataDir: config.dataDir,
      warn: () => undefined,
    });
    await new KeyVault(key).loadAuditKeys(handle.db);
    const report = await verifyDatabase({
      db: handle.db,
      engine: 'sqlite',
      clock: systemClock,
      dataDir: noHead,
    });
    out(formatReport(report));
    return report.ok;
  } finally {
    await handle.close();
    rmSync(noHead, { recursive: true, force: true });
  }
}

/** Gives the checked copy its name: atomically, and without --force never over a file that appeared meanwhile. */
function place(temp: string, target: string, force: boolean): void {
  if (force) return renameSync(temp, target);
  try {
    linkSync(temp, target); // fails with EEXIST instead of replacing
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new InvalidArgumentError(
        `${target} appeared during the backup; pass --force to replace it / 备份期间出现了同名文件 ${target}，如需覆盖请加 --force`,
      );
    throw error;
  }
  unlinkSync(temp);
}

function postgresInstructions(opts: BackupOptions): number {
  const file = opts.file;
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  opts.out(
    [
      'kameng backup copies the embedded SQLite database only. On PostgreSQL use pg_dump; nothing was run.',
      'kameng backup 只备份内置的 SQLite 数据库。PostgreSQL 请使用 pg_dump，本命令未执行任何操作。',
      '',
      '# back up (custom format: compressed, restorable table by table; runs while the servers keep writing)',
      `pg_dump --format=custom --no-owner --file=${q(file)} "$DATABASE_URL"`,
      '',
      '# restore into a new, empty database (then point DATABASE_URL at it and start the servers)',
      'createdb kameng_restored',
      `pg_restore --no-owner --exit-on-error --dbname=kameng_restored ${q(file)}`,
      '',
      '# list what a dump holds',
      `pg_restore --list ${q(file)}`,
      '',
      'Also keep KAMENG_MASTER_KEY (card secrets cannot be read without it) and the shared upload store.',
      '另请妥善保存 KAMENG_MASTER_KEY（没有它无法解密卡密）以及共享的上传文件存储。',
    ].join('\n'),
  );
  return 1;
}
