/**
 * `npm run bench:import`: imports 1,000,000 generated keys with the built CLI exactly as an
 * operator runs it (`bin/kameng.js keys import`: stream parse on the main thread, HMAC and
 * AES-256-GCM in the worker-thread pool, multi-row inserts in CHUNK_LINES-line transactions) as a child
 * process under /usr/bin/time, and records keys/s, CPU seconds and its peak RSS. SQLite by default;
 * PostgreSQL when DATABASE_URL is set (the bench creates and drops its own databases beside it).
 *
 * Measured in the same run, as the yardsticks:
 * - ceiling: the same number of key rows (random hashes, ciphertext of the real length, no
 *   encryption) written through the same insert path and transaction size into a fresh database —
 *   what the database side alone allows on this machine;
 * - encryption alone: hashing + masking + AES-GCM of the same keys on one core (encodeTask).
 * The machine may be shared: wall-clock figures move with its load (reported), CPU seconds less.
 * Results in bench/results/import-<engine>.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { boot, type Booted } from '../src/boot.js';
import { loadConfig } from '../src/platform/config.js';
import { seedDemo } from '../src/modules/demo/seed.js';
import { insertIgnoringConflicts } from '../src/platform/db/dialect.js';
import { startBatch } from '../src/modules/inventory/import.js';
import {
  CHUNK_LINES,
  encodeTask,
  KEY_COLUMNS,
  KEY_COLUMN_TYPES,
  TASK_KEYS,
  type KeyRowValues,
} from '../src/modules/inventory/import-encode.js';
import { importThreads } from '../src/modules/inventory/import-pool.js';
import { newOrderedId } from '../src/platform/ids.js';
import { now } from '../src/platform/db/dialect.js';

const LINES = Number(process.env.BENCH_KEYS ?? 1_000_000);
const line = (i: number): string =>
  `${String(7_000_000_000_000 + i)} pw${(i * 2654435761) % 1_000_000_007}x${i.toString(36)}`;

async function writeKeys(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < LINES; i++) if (!out.write(`${line(i)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** A fresh PostgreSQL database beside DATABASE_URL's (dropped afterwards), or a fresh SQLite dir. */
async function freshEnv(
  label: string,
  dir: string,
): Promise<{ env: NodeJS.ProcessEnv; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    KAMENG_DATA_DIR: path.join(dir, label),
    LOG_LEVEL: 'silent',
  };
  if (!base) return { env, drop: async () => {} };
  const name = `bench_import_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { ...env, DATABASE_URL: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function bootSeeded(env: NodeJS.ProcessEnv): Promise<{ booted: Booted; productId: string }> {
  const booted = await boot(loadConfig(env));
  await seedDemo(booted);
  const product = await booted.db
    .selectFrom('products')
    .select('id')
    .where('type', '=', 'CARD_KEY')
    .executeTakeFirstOrThrow();
  return { booted, productId: product.id };
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** The same rows with no encryption, written through the import's insert path: the database's ceiling. */
async function ceiling(env: NodeJS.ProcessEnv): Promise<Record<string, number>> {
  const { booted, productId } = await bootSeeded(env);
  const owner = await booted.db
    .selectFrom('products')
    .innerJoin('merchants', 'merchants.id', 'products.merchant_id')
    .select(['merchants.owner_user_id as userId', 'merchants.id as merchantId'])
    .where('products.id', '=', productId)
    .executeTakeFirstOrThrow();
  const actor = {
    kind: 'user' as const,
    id: owner.userId,
    role: 'merchant' as const,
    memberLevel: 'REGULAR' as const,
    merchantId: owner.merchantId,
  };
  const batch = await startBatch(booted, actor, {
    productId,
    source: 'CLI',
    fileName: 'ceiling',
    format: 'text',
    bytesTotal: 0,
  });
  const cipherLength = 28 + Buffer.byteLength(JSON.stringify([String(7e12), 'pw123456789x1a2b']));
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let start = 0; start < LINES; start += CHUNK_LINES) {
    const n = Math.min(CHUNK_LINES, LINES - start);
    const stamp = now(booted.clock.now());
    const random = randomBytes(n * (8 + 16 + cipherLength));
    const rows: KeyRowValues[] = [];
    for (let i = 0, o = 0; i < n; i++, o += 24 + cipherLength) {
      rows.push([
        newOrderedId(Date.parse(stamp)),
        productId,
        batch.merchant_id,
        batch.id,
        start + i + 1,
        'AVAILABLE',
        '7000****0001',
        random.subarray(o, o + 8),
        random.subarray(o + 8, o + 24),
        batch.data_key_id!,
        random.subarray(o + 24, o + 24 + cipherLength),
        0,
        1,
        stamp,
        stamp,
      ]);
    }
    await booted.db.transaction().execute(async (trx) => {
      const inserted = await insertIgnoringConflicts(booted.db, trx, 'keys', KEY_COLUMNS, rows, {
        conflictColumn: 'secret_hmac',
        returnColumnIndex: 0,
        pgTypes: KEY_COLUMN_TYPES,
      });
      if (inserted.size !== n) throw new Error('ceiling: a random hash collided');
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = cpuSeconds(process.cpuUsage(cpu));
  await booted.handle.close();
  return { seconds: round(seconds), rowsPerSecond: Math.round(LINES / seconds), nodeCpuSeconds: round(used) };
}

/** Hashing, masking and AES-GCM of the bench's keys on one core (the pool's task function). */
function encryptionPerCore(): Record<string, number> {
  const n = Math.min(LINES, 200_000);
  const ids: string[] = [];
  const serials: string[] = [];
  const secrets: string[] = [];
  for (let i = 0; i < n; i++) {
    const [serial, secret] = line(i).split(' ');
    ids.push(newOrderedId(Date.now()));
    serials.push(serial);
    secrets.push(secret);
  }
  const hmacKey = randomBytes(32);
  const dataKey = randomBytes(32);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let from = 0; from < n; from += TASK_KEYS) {
    encodeTask({
      productType: 'CARD_KEY',
      hmacKey,
      dataKey,
      ids: ids.slice(from, from + TASK_KEYS).join('\u0000'),
      serials: serials.slice(from, from + TASK_KEYS).join('\u0000'),
      secrets: secrets.slice(from, from + TASK_KEYS).join('\u0000'),
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = cpuSeconds(process.cpuUsage(cpu));
  return { keys: n, keysPerSecondWall: Math.round(n / seconds), keysPerCpuSecond: Math.round(n / used) };
}

async function importWithCli(
  env: NodeJS.ProcessEnv,
  productId: string,
  file: string,
  dir: string,
): Promise<Record<string, number | string>> {
  const timing = path.join(dir, 'time.txt');
  const started = process.hrtime.bigint();
  const child = spawn(
    '/usr/bin/time',
    [
      '-f',
      '%e %U %S %M',
      '-o',
      timing,
      'bin/kameng.js',
      'keys',
      'import',
      '--product',
      productId,
      '--format',
      'text',
      file,
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [, user, sys, maxKiB] = readFileSync(timing, 'utf8')
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .map(Number);
  const report = out.trim().split('\n')[0] ?? '';
  const imported = Number(/(\d+) imported/.exec(report)?.[1] ?? 0);
  return {
    imported,
    seconds: round(seconds),
    keysPerSecond: Math.round(imported / seconds),
    cpuSeconds: round(user + sys),
    keysPerCpuSecond: Math.round(imported / (user + sys)),
    peakRssMiB: Math.round(maxKiB / 1024),
    exitCode: code,
    report,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-bench-import-'));
  const file = path.join(dir, 'keys.txt');
  await writeKeys(file);
  const importDb = await freshEnv('import', dir);
  const ceilingDb = await freshEnv('ceiling', dir);
  try {
    const load = os.loadavg()[0];
    const { booted, productId } = await bootSeeded(importDb.env);
    const engine = booted.engine;
    await booted.handle.close();
    const cli = await importWithCli(importDb.env, productId, file, dir);
    const db = await ceiling(ceilingDb.env);
    const enc = encryptionPerCore();
    const result = {
      engine,
      when: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      loadAverageAtStart: round(load, 2),
      loadAverageAtEnd: round(os.loadavg()[0], 2),
      lines: LINES,
      importThreads: importThreads(),
      chunkLines: CHUNK_LINES,
      ...cli,
      ceiling: db,
      encryptionPerCore: enc,
      previous: {
        note: 'before Stage 10 (one parse+encrypt worker, single-row inserts, 5,000-line transactions), bench/results of 2026-11-26',
        keysPerSecond: engine === 'postgres' ? 12_674 : 27_750,
        peakRssMiB: engine === 'postgres' ? 265 : 282,
      },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(`bench/results/import-${engine}.json`, `${JSON.stringify(result, null, 2)}\n`);
    console.log(result);
    if (cli.imported !== LINES) process.exitCode = 1;
  } finally {
    await importDb.drop();
    await ceilingDb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
