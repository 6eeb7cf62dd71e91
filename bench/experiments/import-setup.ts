/**
 * Prepares a SQLite data directory for a manual key-import run (profiling, bench/experiments/import-ab.sh):
 * writes BENCH_KEYS generated keys, boots and seeds the demo, prints "<dir> <product id>".
 */
import { createWriteStream, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { boot } from '../../src/boot.js';
import { loadConfig } from '../../src/platform/config.js';
import { seedDemo } from '../../src/modules/demo/seed.js';
const LINES = Number(process.env.BENCH_KEYS ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-prof-'));
const file = path.join(dir, 'keys.txt');
const out = createWriteStream(file);
for (let i = 0; i < LINES; i++) {
  const line = `${String(7_000_000_000_000 + i)} pw${(i * 2654435761) % 1_000_000_007}x${i.toString(36)}\n`;
  if (!out.write(line)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const env = { ...process.env, NODE_ENV: 'development', KAMENG_DATA_DIR: dir, LOG_LEVEL: 'silent' };
const booted = await boot(loadConfig(env));
await seedDemo(booted);
const product = await booted.db
  .selectFrom('products')
  .select('id')
  .where('type', '=', 'CARD_KEY')
  .executeTakeFirstOrThrow();
await booted.handle.close();
console.log(`${dir} ${product.id}`);
