/**
 * Experiment (not product code): the spec's per-purchase rows (see raw-rows.ts) written as
 * synchronous precompiled statements, 50 purchases per commit, no HTTP — what a dedicated SQLite
 * checkout transaction could cost at best. `npx tsx bench/experiments/raw-checkout.ts`;
 * RAW_EVENTS=n audit events per purchase (default 5), RAW_LEAN=1 without the payment and
 * deadline rows. Compare with `npm run bench:tx`.
 */
import { rawRows } from './raw-rows.js';

const ORDERS = Number(process.env.RAW_ORDERS ?? 4000);
const GROUP = 50;
const r = await rawRows(ORDERS, {
  events: Number(process.env.RAW_EVENTS ?? 5),
  lean: process.env.RAW_LEAN === '1',
});
const group = r.db.transaction((jobs: number[]) => {
  const events: unknown[][] = [];
  for (const n of jobs) {
    r.db.exec('savepoint job');
    r.purchase(r.buyers[n % 50].id, n, events);
    r.db.exec('release job');
  }
  r.writeAudit(events);
});
const t0 = performance.now();
for (let i = 0; i < ORDERS; i += GROUP)
  group(Array.from({ length: Math.min(GROUP, ORDERS - i) }, (_, k) => i + k));
const ms = performance.now() - t0;
console.log(
  `${ORDERS} raw purchases in ${ms.toFixed(0)} ms = ${((ORDERS / ms) * 1000).toFixed(0)}/s, ${(ms / ORDERS).toFixed(3)} ms each`,
);
await r.close();
