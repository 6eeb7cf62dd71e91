/**
 * The `kameng` CLI against a real database of this run's engine. Every command runs in-process
 * through runCli (what a process would print, its exit code, the database it leaves); one test
 * spawns the real entry point to prove the binary itself starts, prints and exits with the code.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type CliStream } from '../../src/cli/program.js';
import { testEngine } from '../helpers/db.js';

const spawn = promisify(execFile);
let env: NodeJS.ProcessEnv;
let dir: string;
let schema: string | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-cli-'));
  // The demo is asked for explicitly: on PostgreSQL it would otherwise be off (a real database).
  env = { ...process.env, KAMENG_DATA_DIR: dir, NODE_ENV: 'development', KAMENG_DEMO: 'on' };
  delete env.DATABASE_URL;
  if (testEngine() === 'postgres') {
    const url = process.env.TEST_DATABASE_URL!;
    schema = `cli_${Date.now().toString(36)}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    env.DATABASE_URL = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (schema) {
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    await c.query(`drop schema ${schema} cascade`);
    await c.end();
  }
});

async function firstProduct(): Promise<string> {
  const { boot } = await import('../../src/boot.js');
  const { loadConfig } = await import('../../src/platform/config.js');
  const b = await boot(loadConfig(env));
  try {
    const p = await b.db
      .selectFrom('products')
      .select('id')
      .where('type', '=', 'CARD_KEY')
      .executeTakeFirstOrThrow();
    return p.id;
  } finally {
    await b.handle.close();
  }
}

/** A stream that keeps what is written to it; `tty` makes it pass for a terminal. */
function collector(tty = false): { stream: CliStream; text: () => string } {
  let text = '';
  const writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const stream: CliStream = tty ? Object.assign(writable, { isTTY: true, columns: 120 }) : writable;
  return { stream, text: () => text };
}

interface Result {
  code: number;
  out: string;
  err: string;
}

/**
 * One command line in-process. What the code under test writes to the process's own streams
 * (boot's warnings go to process.stderr) is caught and counted as the run's output, as a
 * spawned process would have printed it, so the no-secret checks see it too.
 */
async function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<Result> {
  const stdout = collector();
  const stderr = collector(opts.tty);
  const stray = { out: '', err: '' };
  const text = (chunk: string | Uint8Array): string =>
    typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stray.out += text(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stray.err += text(chunk);
    return true;
  });
  try {
    const code = await runCli(args, { env: opts.env ?? env, stdout: stdout.stream, stderr: stderr.stream });
    return { code, out: stdout.text() + stray.out, err: stderr.text() + stray.err };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}

const kameng = (...args: string[]): Promise<Result> => cli(args);

/** The real binary's entry, as a process (node --import tsx: no npx in between). */
async function kamengProcess(args: string[], processEnv: NodeJS.ProcessEnv): Promise<Result> {
  try {
    const r = await spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: processEnv,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('kameng CLI', () => {
  it('migrates, seeds the demo once, creates an admin, and verifies the audit chain', async () => {
    expect((await kameng('migrate')).out).toContain(`migrated (${testEngine()})`);
    expect((await kameng('seed-demo')).out).toContain('demo data seeded');
    expect((await kameng('seed-demo')).out).toContain('already present');
    env.KAMENG_ADMIN_PASSWORD = 'ops-admin-password';
    expect((await kameng('create-admin', '--username', 'ops')).out).toMatch(/admin ops created/);
    const dup = await kameng('create-admin', '--username', 'ops');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('用户名已被注册 / This username is already taken');
    expect((await kameng('audit-verify')).out).toMatch(/audit chain OK \(\d+ events\)/);
  });

  it('moves the test clock and imports a holiday year', async () => {
    const before = (await kameng('clock', 'show')).out;
    const t0 = Date.parse(/now: (\S+)/.exec(before)![1]);
    const after = (await kameng('clock', 'advance', '--days', '2')).out;
    const t1 = Date.parse(/now: (\S+)/.exec(after)![1]);
    expect(t1 - t0).toBeGreaterThanOrEqual(2 * 86400_000);
    expect(t1 - t0).toBeLessThan(2 * 86400_000 + 60_000);
    expect((await kameng('clock', 'advance')).code).toBe(1);

    const file = path.join(dir, '2031.json');
    writeFileSync(
      file,
      JSON.stringify({
        year: 2031,
        source: 'test',
        holidays: [{ date: '2031-01-01', name: '元旦' }],
        workdays: [],
      }),
    );
    expect((await kameng('calendar', 'import', file)).out).toContain(
      'imported 2031: 1 holidays, 0 make-up workdays',
    );
    writeFileSync(file, JSON.stringify({ year: 2031, holidays: [] }));
    const bad = await kameng('calendar', 'import', file);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('节假日文件无效');
  });

  it('imports a key file with a report, and rotates the master key without touching secrets', async () => {
    // the demo seed above made products; take the first card-key product
    const list = await kameng('keys', 'import', '--product', 'no-such-product', path.join(dir, 'none.txt'));
    expect(list.code).toBe(1);
    const file = path.join(dir, 'keys.txt');
    writeFileSync(
      file,
      ['CLI-0001 cli-secret-1', 'CLI-0002 cli-secret-2', 'CLI-0001 cli-secret-1', 'only-one-field'].join(
        '\n',
      ),
    );
    const productId = await firstProduct();
    const r = await kameng('keys', 'import', '--product', productId, file);
    expect(r.code, r.err).toBe(0); // completed; the report lists what did not go in
    expect(r.out).toMatch(/COMPLETED batch \S+: 2 imported, 1 duplicate, 1 rejected, 4 lines/);
    expect(r.out).toContain('line 3: DUPLICATE_IN_BATCH');
    expect(r.out + r.err).not.toContain('cli-secret');
    expect(r.err).not.toContain('bytes | imported'); // no progress bar when stderr is not a terminal
    const newKey = path.join(dir, 'next.key');
    const rot = await kameng('keys', 'rotate-master', '--new-key-file', newKey);
    expect(rot.out).toMatch(/re-wrapped \d+ stored key\(s\)/);
    // the demo key file now holds the new key, so the platform still opens and decrypts
    expect((await kameng('audit-verify')).out).toMatch(/audit chain OK/);
    // a 2 GB file (sparse: zeros) is refused as not text in its first bytes, with a batch report
    const huge = path.join(dir, 'huge.txt');
    writeFileSync(huge, '');
    truncateSync(huge, 2 * 1024 ** 3);
    const big = await kameng('keys', 'import', '--product', productId, huge);
    expect(big.code).toBe(1);
    expect(big.out, big.err).toMatch(/FAILED batch \S+: 0 imported/);
    expect(big.out).toContain('文件不是文本文件');
    const tooBig = await kameng('keys', 'import', '--product', productId, '--max-bytes', '1000000', huge);
    expect(tooBig.err).toContain('文件过大');
    const again = await kameng('keys', 'import', '--product', productId, file);
    expect(again.out, again.err).toMatch(/0 imported, 3 duplicate, 1 rejected/);
  });

  it('sweeps deadlines once and exports a buyer’s records without secrets', async () => {
    expect((await kameng('sweep')).out).toMatch(/fired \d+ deadline\(s\), postponed 0, sent 0 payout\(s\)/);
    const file = path.join(dir, 'chaohui.xlsx');
    const r = await kameng('records', 'export', '--user', 'chaohui', '--out', file);
    expect(r.out).toContain(`to ${file}`);
    const body = readFileSync(file);
    expect(body.subarray(0, 2).toString()).toBe('PK');
    const csv = path.join(dir, 'keys.csv');
    await kameng('records', 'export', '-u', 'chaohui', '-o', csv, '-f', 'csv', '-d', 'keys');
    const text = readFileSync(csv, 'utf8');
    expect(text).toContain('发货（未拆封）'); // codes read as words (Stage 8)
    expect(text).not.toContain('DELIVERED');
    expect(text).not.toMatch(/demo\d+pw/); // demo passwords end in "pw"
    const bad = await kameng('records', 'export', '-u', 'nobody', '-o', csv);
    expect(bad.code).toBe(1);
  });

  it('draws the import progress bar on a terminal, without secrets, and still reports on stdout', async () => {
    const file = path.join(dir, 'keys-tty.txt');
    writeFileSync(file, ['CLI-0101 cli-secret-101', 'CLI-0102 cli-secret-102'].join('\n'));
    const r = await cli(['keys', 'import', '--product', await firstProduct(), file], { tty: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/COMPLETED batch \S+: 2 imported, 0 duplicate, 0 rejected, 2 lines/);
    expect(r.err).toMatch(/100% \| \d+\/\d+ bytes \| imported 2 dup 0 rejected 0/);
    expect(r.err).toContain('\x1B[?25h'); // the bar stopped: the cursor is shown again
    expect(r.out + r.err).not.toContain('cli-secret');
  });

  it('verify: the database after all the commands above is clean (0), a deleted tail is found (1), no database is "could not run" (2); rotate-audit keeps old events verifiable', async () => {
    const rotated = await cli(['keys', 'rotate-audit']);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/audit key rotated: audit-\S+ → audit-\S+/);
    const clean = await cli(['verify']);
    expect(clean.out).toContain('all 16 checks passed');
    expect(clean.code).toBe(0);
    const json = await cli(['verify', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true });
    // the exported head says the chain once reached far beyond its end: events were deleted
    appendFileSync(
      path.join(dir, 'audit-head.log'),
      `${JSON.stringify({ seq: 999999, hash: 'f'.repeat(64), at: new Date().toISOString() })}\n`,
    );
    const broken = await cli(['verify']);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/\[FAIL\] audit\.head/);
    expect(broken.out).toContain('999999');
    const cannot = await cli(['verify'], { env: { ...env, NODE_ENV: 'production', KAMENG_MASTER_KEY: '' } });
    expect(cannot.code).toBe(2);
    expect(cannot.err).toContain('verify could not run');
  });

  it('names a bad configuration variable', async () => {
    const r = await cli(['migrate'], { env: { ...env, PORT: 'abc' } });
    expect(r.code).toBe(1);
    expect(r.err).toContain('PORT="abc"');
  });

  it('runs as a process: the entry point prints, and exits with the run’s code', async () => {
    const [ok, bad] = await Promise.all([
      kamengProcess(['migrate'], env),
      kamengProcess(['migrate'], { ...env, PORT: 'abc' }),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`migrated (${testEngine()})`);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('kameng: Invalid configuration');
    expect(bad.err).toContain('PORT="abc"');
  });
});
