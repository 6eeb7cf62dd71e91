/**
 * Experiment (not product code): how fast can *any* checkout go over HTTP on this machine if it
 * writes the rows the spec requires per purchase? A minimal Fastify route (no session, no
 * validation, no idempotency lookup) writes raw-rows.ts's rows with synchronous precompiled
 * statements, group-committed like the product; measured with the same load and sell-out as
 * `npm run bench:checkout`, beside the bare ceiling (insert order + take key).
 * `npx tsx bench/experiments/records-ceiling.ts` (RAW_EVENTS, RAW_LEAN as in raw-checkout.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { ceilingSqlite, sellOut, type Buyer } from '../checkout.js';
import { rawRows } from './raw-rows.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const EVENTS = Number(process.env.RAW_EVENTS ?? 5);
const LEAN = process.env.RAW_LEAN === '1';
const buyers: Buyer[] = Array.from({ length: 50 }, (_, i) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ buyer: i }),
}));

const r = await rawRows(KEYS, { events: EVENTS, lean: LEAN });
let n = 0;
const group = r.db.transaction((jobs: number[]): boolean[] => {
  const events: unknown[][] = [];
  const out = jobs.map((buyer) => {
    r.db.exec('savepoint job');
    const ok = r.purchase(r.buyers[buyer % r.buyers.length].id, n++, events);
    r.db.exec('release job');
    return ok;
  });
  r.writeAudit(events);
  return out;
});
type Job = { buyer: number; resolve: (ok: boolean) => void; reject: (e: unknown) => void };
const queue: Job[] = [];
let scheduled = false;
function flush(): void {
  scheduled = false;
  const jobs = queue.splice(0, 64);
  try {
    const results = group.immediate(jobs.map((j) => j.buyer));
    jobs.forEach((j, i) => j.resolve(results[i]));
  } catch (error) {
    jobs.forEach((j) => j.reject(error));
  }
  if (queue.length > 0 && !scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}
const app = Fastify({ logger: false });
app.post('/buy', async (req, reply) => {
  const body = req.body as { buyer?: number };
  const ok = await new Promise<boolean>((resolve, reject) => {
    queue.push({ buyer: body.buyer ?? 0, resolve, reject });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  return ok ? reply.code(201).send({ ok }) : reply.code(409).send({ code: 'inventory.out_of_stock' });
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`records route (${EVENTS} audit events${LEAN ? ', lean' : ''}): selling out ${KEYS} keys …`);
const records = await sellOut(base, '/buy', buyers);
await app.close();
await r.close();

const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-records-ceiling-'));
const c = await ceilingSqlite(path.join(dir, 'ceiling.db'));
const cBase = await c.app.listen({ host: '127.0.0.1', port: 0 });
console.log('bare ceiling: selling out …');
const ceiling = await sellOut(cBase, '/buy', buyers);
await c.close();
rmSync(dir, { recursive: true, force: true });

const line = (name: string, l: typeof records) =>
  `${name}: ${l.orders} orders, ${l.ordersPerSec}/s, p50 ${l.latencyP50ms} ms, p99 ${l.latencyP99ms} ms`;
console.log(line('records route', records));
console.log(line('bare ceiling ', ceiling));
console.log(`ratio records/ceiling: ${(records.ordersPerSec / ceiling.ordersPerSec).toFixed(2)}`);
