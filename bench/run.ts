/**
 * `npm run bench`: read-path throughput of the catalog with autocannon against an in-process
 * server on the demo data (SQLite by default; PostgreSQL when DATABASE_URL is set). Load
 * generator and server share this machine's cores, so figures are conservative.
 * Results go to bench/results/catalog-<engine>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { buildApp } from '../src/app.js';
import { boot } from '../src/boot.js';
import { loadConfig } from '../src/platform/config.js';
import { seedDemo } from '../src/modules/demo/seed.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-bench-'));
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    KAMENG_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const booted = await boot(config);
  await seedDemo(booted);
  const app = await buildApp({
    config,
    handle: booted.handle,
    clock: booted.clock,
    testClock: null,
    vault: booted.vault,
    logger: false,
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const product = await booted.db.selectFrom('products').select('id').limit(1).executeTakeFirstOrThrow();

  const targets = [
    { name: 'GET /api/health', url: `${base}/api/health` },
    { name: 'GET /api/products (5 products, full views)', url: `${base}/api/products` },
    { name: 'GET /api/products/:id', url: `${base}/api/products/${product.id}` },
  ];
  const results = [];
  for (const t of targets) {
    const r = await autocannon({ url: t.url, connections: 20, duration: DURATION_S });
    results.push({
      name: t.name,
      reqPerSec: Math.round(r.requests.average),
      latencyP50ms: r.latency.p50,
      latencyP99ms: r.latency.p99,
      errors: r.errors + r.non2xx,
    });
  }
  await app.close();
  await booted.handle.close();
  rmSync(dataDir, { recursive: true, force: true });

  const report = {
    engine: booted.engine,
    when: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    durationSeconds: DURATION_S,
    connections: 20,
    results,
  };
  const dir = path.resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `catalog-${booted.engine}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.table(results);
}

await main();
