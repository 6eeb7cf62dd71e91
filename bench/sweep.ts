/**
 * `npm run bench:sweep`: 100,000 due deadlines drained by the sweeper (src/platform/sweeper.ts).
 * SQLite by default; PostgreSQL when DATABASE_URL is set (a private database is made from it, as
 * the tests make theirs, and dropped at the end).
 *
 * The app is built on a fresh database (the test harness), a shop sells a card key to a buyer who
 * applies for a refund (a real request); the request row is copied SWEEP_DEADLINES (100,000) times
 * under new ids (deadlines are unique per kind and object) and one REFUND_REMINDER deadline, due
 * now, is written for each copy.
 * REFUND_REMINDER is a registered kind whose handler does real but cheap work in the firing unit of
 * work: it locks the buyer and the request, checks the request's phase and writes a notification
 * to the merchant. Three drains of the same rows, each timed (the rows are set OPEN again between):
 * - floor: one set-based UPDATE … SET state = 'DONE' of every due row (no per-deadline work at all);
 * - no-op: the sweeper with a handler that does nothing (claim, mark DONE, commit — per deadline);
 * - real: the sweeper with the app's refund deadline handlers.
 * Each sweep run takes SWEEP_LIMIT (200, the app's default) due rows; runs repeat until none is due.
 * Checks after the real drain: every deadline DONE, one notification per deadline (fired once).
 * Results in bench/results/sweep-<engine>.json (SWEEP_LABEL adds a suffix).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const DEADLINES = Number(process.env.SWEEP_DEADLINES ?? 100_000);
const LIMIT = Number(process.env.SWEEP_LIMIT ?? 200);

if (process.env.DATABASE_URL) {
  process.env.KAMENG_TEST_ENGINE = 'postgres';
  process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
}
// The harness and the app read these when imported.
const { harness, T0 } = await import('../test/helpers/app.js');
const { stocked, fund, buy, idem } = await import('../test/helpers/orders.js');
const { refundDeadlines } = await import('../src/modules/aftersales/index.js');
const { Sweeper } = await import('../src/platform/sweeper.js');
const { newOrderedId } = await import('../src/platform/ids.js');
const { now } = await import('../src/platform/db/dialect.js');

interface Drain {
  seconds: number;
  deadlinesPerSec: number;
  runs: number;
}

async function main(): Promise<void> {
  const h = await harness();
  const engine = h.ctx.engine;
  try {
    const p = await stocked(h, 1);
    const b = await h.loggedIn({ role: 'buyer' });
    await fund(h, b.userId, 10_000_000);
    const res = await buy(b, p, 1);
    if (res.status !== 201) throw new Error(`checkout: ${res.status} ${JSON.stringify(res.body)}`);
    const orderId = (res.body as { id: string }).id;
    const r = await b.req<{ id: string; version: number; state: string }>(
      'POST',
      `/api/orders/${orderId}/refunds`,
      { description: '误拍，申请退款', reason: 'MISTAKEN_PURCHASE' },
      { 'idempotency-key': idem() },
    );
    if (r.status !== 201) throw new Error(`refund: ${r.status} ${JSON.stringify(r.body)}`);
    // One deadline per object (deadlines are unique by kind and object): the real request is
    // copied, row for row, under new ids — each reminder finds its own request to lock and act on.
    const db = h.ctx.db;
    const original = await db
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', r.body.id)
      .executeTakeFirstOrThrow();
    const targets: string[] = [];
    for (let i = 0; i < DEADLINES; i += 500) {
      const rows = Array.from({ length: Math.min(500, DEADLINES - i) }, (_, k) => ({
        ...original,
        id: newOrderedId(T0.getTime()),
        request_no: `${original.request_no}B${i + k}`,
        idempotency_key: `bench-sweep-${i + k}`,
      }));
      await db.insertInto('refund_requests').values(rows).execute();
      for (const row of rows) targets.push(`${row.id}:${row.version}`);
    }

    // The bench's deadlines: due one second ago, told apart from the requests' own (future) ones.
    const at = h.ctx.clock.now();
    const due = now(new Date(at.getTime() - 1000));
    const t0 = performance.now();
    for (let i = 0; i < DEADLINES; i += 1000) {
      await db
        .insertInto('deadlines')
        .values(
          Array.from({ length: Math.min(1000, DEADLINES - i) }, (_, k) => ({
            id: newOrderedId(T0.getTime()),
            kind: 'REFUND_REMINDER',
            object_id: targets[i + k],
            due_at: due,
            state: 'OPEN' as const,
            attempts: 0,
            last_error: null,
            fired_at: null,
            created_at: now(at),
          })),
        )
        .execute();
    }
    console.log(
      `${engine}: ${DEADLINES} deadlines written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const reopen = () =>
      db
        .updateTable('deadlines')
        .set({ state: 'OPEN', fired_at: null })
        .where('kind', '=', 'REFUND_REMINDER')
        .where('due_at', '=', due)
        .execute();
    const countDone = async (): Promise<number> =>
      Number(
        (
          await db
            .selectFrom('deadlines')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('kind', '=', 'REFUND_REMINDER')
            .where('due_at', '=', due)
            .where('state', '=', 'DONE')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const drain = async (sweeper: InstanceType<typeof Sweeper>): Promise<Drain> => {
      const s = performance.now();
      let runs = 0;
      let fired = 0;
      for (;;) {
        const r = await sweeper.run({ limit: LIMIT });
        runs++;
        fired += r.fired;
        if (r.fired === 0 && r.postponed === 0) break;
      }
      const seconds = (performance.now() - s) / 1000;
      if (fired !== DEADLINES) throw new Error(`fired ${fired} of ${DEADLINES}`);
      return { seconds: round(seconds), deadlinesPerSec: Math.round(DEADLINES / seconds), runs };
    };
    const round = (x: number): number => Math.round(x * 1000) / 1000;

    // Floor: one statement.
    let s = performance.now();
    await db
      .updateTable('deadlines')
      .set({ state: 'DONE', fired_at: now(at) })
      .where('state', '=', 'OPEN')
      .where('due_at', '<=', now(at))
      .execute();
    const floorSeconds = (performance.now() - s) / 1000;
    if ((await countDone()) !== DEADLINES) throw new Error('floor: not every deadline done');
    const floor = { seconds: round(floorSeconds), deadlinesPerSec: Math.round(DEADLINES / floorSeconds) };
    console.log(`floor (one UPDATE):     ${floor.seconds} s, ${floor.deadlinesPerSec} deadlines/s`);
    await reopen();

    const sweepCtx = { db, engine, clock: h.ctx.clock };
    const noop = await drain(
      new Sweeper(sweepCtx).handle({ REFUND_REMINDER: { fire: () => Promise.resolve() } }),
    );
    console.log(
      `no-op handler:          ${noop.seconds} s, ${noop.deadlinesPerSec} deadlines/s (${noop.runs} runs)`,
    );
    await reopen();

    const notifications = async (): Promise<number> =>
      Number(
        (
          await db
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('kind', '=', 'DEADLINE_APPROACHING')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await notifications();
    s = performance.now();
    const real = await drain(new Sweeper(sweepCtx).handle(refundDeadlines(h.app.kameng.ctx)));
    console.log(
      `real (REFUND_REMINDER): ${real.seconds} s, ${real.deadlinesPerSec} deadlines/s (${real.runs} runs)`,
    );
    const done = await countDone();
    const written = (await notifications()) - before;
    const checks = {
      everyDeadlineDone: { ok: done === DEADLINES, value: `${done} of ${DEADLINES}` },
      firedOnce: { ok: written === DEADLINES, value: `${written} notifications for ${DEADLINES} deadlines` },
    };
    for (const [k, v] of Object.entries(checks)) console.log(`  ${v.ok ? 'ok  ' : 'FAIL'} ${k}: ${v.value}`);

    const out = {
      benchmark: 'bench:sweep',
      engine,
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '' },
      deadlines: DEADLINES,
      kind: 'REFUND_REMINDER (locks buyer and request, checks the phase, notifies the merchant)',
      limitPerRun: LIMIT,
      floor,
      noopHandler: noop,
      real,
      realOverNoop: round(real.seconds / noop.seconds),
      checks,
    };
    const label = process.env.SWEEP_LABEL ? `-${process.env.SWEEP_LABEL}` : '';
    const dir = path.join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `sweep-${engine}${label}.json`), `${JSON.stringify(out, null, 2)}\n`);
    if (!Object.values(checks).every((c) => c.ok)) process.exitCode = 1;
  } finally {
    await h.close();
  }
}

await main();
