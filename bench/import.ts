/**
 * `npm run bench:import`: imports 1,000,000 generated keys with the built CLI exactly as an
 * operator runs it (`bin/kameng.js keys import`, node flags from its shebang: stream parse, HMAC, AES-256-GCM, chunked transactions) as a
 * child process, and records keys/s and its peak RSS (VmHWM from /proc). SQLite by default;
 * PostgreSQL when DATABASE_URL is set. Results in bench/results/import-<engine>.json.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { boot } from '../src/boot.js';
import { loadConfig } from '../src/platform/config.js';
import { seedDemo } from '../src/modules/demo/seed.js';

const LINES = Number(process.env.BENCH_KEYS ?? 1_000_000);

async function writeKeys(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < LINES; i++) {
    const line = `${String(7_000_000_000_000 + i)} pw${(i * 2654435761) % 1_000_000_007}x${i.toString(36)}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-bench-import-'));
  const file = path.join(dir, 'keys.txt');
  await writeKeys(file);
  const env = { ...process.env, NODE_ENV: 'development', KAMENG_DATA_DIR: dir, LOG_LEVEL: 'silent' };
  const config = loadConfig(env);
  const booted = await boot(config);
  await seedDemo(booted);
  const product = await booted.db
    .selectFrom('products')
    .select('id')
    .where('type', '=', 'CARD_KEY')
    .executeTakeFirstOrThrow();
  await booted.handle.close();

  const started = process.hrtime.bigint();
  const child = spawn(
    'bin/kameng.js',
    ['keys', 'import', '--product', product.id, '--format', 'text', file],
    {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let peakKiB = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      // the process has exited
    }
  }, 50);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(dir, { recursive: true, force: true });

  const report = out.trim().split('\n')[0] ?? '';
  const imported = Number(/(\d+) imported/.exec(report)?.[1] ?? 0);
  const result = {
    engine: config.engine,
    when: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    lines: LINES,
    imported,
    seconds: Math.round(seconds * 10) / 10,
    keysPerSecond: Math.round(imported / seconds),
    peakRssMiB: Math.round(peakKiB / 1024),
    exitCode: code,
    report,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/import-${config.engine}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(result);
  if (imported !== LINES) process.exitCode = 1;
}

await main();
