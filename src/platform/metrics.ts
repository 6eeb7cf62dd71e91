/**
 * The platform's Prometheus metrics (served at GET /metrics, platform/http/metrics.ts). One
 * registry per app, never prom-client's global one: tests build many apps in one process.
 *
 * Counted as things happen: HTTP requests (a latency histogram by method, route pattern and status
 * class), checkouts by outcome, deadlines fired and fired late (the sweeper tells). Read at scrape
 * time with cheap, indexed queries: refund requests by state, deadlines due, payouts not finished;
 * and the database pool. A scrape never fails because the database does: the queries get a short
 * time limit, `kameng_metrics_db_up` says whether they answered, and the gauges keep their last values.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from './clock.js';
import { poolUsage, type Db, type Engine } from './db/dialect.js';
import { groupCommitBacklog } from './db/group-commit.js';
import type { PayoutState, RefundState, Row } from './db/schema.js';
import type { ErrorLogger } from './logger.js';

export interface MetricsSources {
  db: Db;
  engine: Engine;
  clock: Clock;
  log: ErrorLogger;
}

/** A deadline fired more than this after its due time counts as late (the sweep runs every few seconds). */
export const LATE_AFTER_SECONDS = 60;
/** How long the scrape-time queries may take before the scrape answers without them. */
const SCRAPE_QUERY_TIMEOUT_MS = 2000;

/** Every refund state, so each series exists (at 0) before the first request reaches it. */
const REFUND_STATES = Object.keys({
  PENDING_REVIEW: 1,
  SUPPORT_REVIEW: 1,
  AWAITING_BUYER: 1,
  APPROVED: 1,
  REFUNDING: 1,
  REFUNDED: 1,
  REFUND_ABNORMAL: 1,
  REJECTED: 1,
  DISPUTED: 1,
  CANCELLED: 1,
  CLOSED: 1,
} satisfies Record<RefundState, 1>) as RefundState[];

/** Payouts not finished: waiting to be sent, sent and unanswered, or stuck (support acts). */
const UNFINISHED_PAYOUTS = ['PENDING', 'PROCESSING', 'ABNORMAL'] as const satisfies readonly PayoutState[];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export type CheckoutOutcome = 'created' | 'replayed' | 'refused' | 'failed';

export class Metrics {
  readonly registry = new Registry();
  private defaultsOn = false;
  /** Deadline kinds seen due once: shown at 0 afterwards rather than disappearing. */
  private readonly dueKinds = new Set<string>();

  private readonly httpDuration = new Histogram({
    name: 'kameng_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern (never the raw URL) and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly checkouts = new Counter({
    name: 'kameng_checkouts_total',
    help: 'POST /api/orders answers: created, replayed (same Idempotency-Key), refused (4xx, by error code family) or failed (5xx)',
    labelNames: ['outcome', 'code_class'] as const,
    registers: [this.registry],
  });
  private readonly fired = new Counter({
    name: 'kameng_deadlines_fired_total',
    help: 'Deadlines fired by this instance, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly late = new Counter({
    name: 'kameng_deadlines_late_total',
    help: `Deadlines fired more than ${LATE_AFTER_SECONDS} s after their due time, by kind`,
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly refunds = new Gauge({
    name: 'kameng_refund_requests',
    help: 'Refund requests by state (all instances: read from the database at scrape time)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private readonly due = new Gauge({
    name: 'kameng_deadlines_due',
    help: 'Open deadlines whose due time has passed (waiting for the sweeper), by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly payouts = new Gauge({
    name: 'kameng_payouts_pending',
    help: 'Refund and late-payment payouts not finished (PENDING, PROCESSING, ABNORMAL), by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private readonly dbUp = new Gauge({
    name: 'kameng_metrics_db_up',
    help: '1 when the scrape-time queries answered; 0 when the database did not (the gauges above keep their last values)',
    registers: [this.registry],
  });

  constructor(private readonly src: MetricsSources) {
    const usage = (): ReturnType<typeof poolUsage> => poolUsage(src.db);
    if (src.engine === 'postgres') {
      new Gauge({
        name: 'kameng_db_pool_connections',
        help: 'PostgreSQL pool connections of this instance, busy (checked out) or idle',
        labelNames: ['state'] as const,
        registers: [this.registry],
        collect() {
          const u = usage();
          if (!u) return;
          this.set({ state: 'busy' }, u.total - u.idle);
          this.set({ state: 'idle' }, u.idle);
        },
      });
      new Gauge({
        name: 'kameng_db_pool_waiting',
        help: 'Queries of this instance waiting for a PostgreSQL connection (the pool is exhausted)',
        registers: [this.registry],
        collect() {
          this.set(usage()?.waiting ?? 0);
        },
      });
      new Gauge({
        name: 'kameng_db_pool_max',
        help: 'The PostgreSQL pool size of this instance',
        registers: [this.registry],
        collect() {
          this.set(usage()?.max ?? 0);
        },
      });
    } else {
      // SQLite has one connection and no pool; what queues is writes, behind the group commit.
      new Gauge({
        name: 'kameng_sqlite_write_queue',
        help: 'SQLite write transactions waiting for the running group commit (db/group-commit.ts)',
        registers: [this.registry],
        collect() {
          this.set(groupCommitBacklog(src.db));
        },
      });
    }
  }

  /** One answered request; `route` is the route's pattern (`/api/orders/:id`), absent for a 404. */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration.observe(
      {
        method: METHODS.has(method) ? method : 'OTHER',
        route: route ?? '(unmatched)',
        status_class: `${Math.floor(status / 100)}xx`,
      },
      seconds,
    );
  }

  /** One POST /api/orders answer; `code` is the problem's code when refused or failed. */
  observeCheckout(outcome: CheckoutOutcome, code: string | undefined): void {
    this.checkouts.inc({ outcome, code_class: code ? code.split('.')[0] : 'none' });
  }

  /** The sweeper's hook: a deadline fired at `firedAt` (the platform clock). */
  deadlineFired = (d: Pick<Row<'deadlines'>, 'kind' | 'due_at'>, firedAt: Date): void => {
    this.fired.inc({ kind: d.kind });
    if (firedAt.getTime() - new Date(d.due_at).getTime() > LATE_AFTER_SECONDS * 1000)
      this.late.inc({ kind: d.kind });
  };

  /** The exposition text, after reading the scrape-time figures. */
  async scrape(): Promise<string> {
    if (!this.defaultsOn) {
      // Started on the first scrape: the event-loop and GC observers live as long as the process,
      // and most apps (every test's) are never scraped.
      collectDefaultMetrics({ register: this.registry });
      this.defaultsOn = true;
    }
    await this.readDatabase();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async readDatabase(): Promise<void> {
    const { db, clock } = this.src;
    const queries = Promise.all([
      db
        .selectFrom('refund_requests')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('state')
        .execute(),
      db
        .selectFrom('deadlines')
        .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', '=', 'OPEN')
        .where('due_at', '<=', clock.now().toISOString())
        .groupBy('kind')
        .execute(),
      db
        .selectFrom('payouts')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', 'in', UNFINISHED_PAYOUTS)
        .groupBy('state')
        .execute(),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('scrape queries timed out')), SCRAPE_QUERY_TIMEOUT_MS);
    });
    try {
      const [refunds, due, payouts] = await Promise.race([queries, timeout]);
      for (const state of REFUND_STATES) this.refunds.set({ state }, 0);
      for (const r of refunds) this.refunds.set({ state: r.state }, Number(r.n));
      for (const r of due) this.dueKinds.add(r.kind);
      for (const kind of this.dueKinds) this.due.set({ kind }, due.find((r) => r.kind === kind)?.n ?? 0);
      for (const state of UNFINISHED_PAYOUTS) this.payouts.set({ state }, 0);
      for (const r of payouts) this.payouts.set({ state: r.state }, Number(r.n));
      this.dbUp.set(1);
    } catch (err) {
      queries.catch(() => undefined); // a late failure after the timeout is not unhandled
      this.dbUp.set(0);
      this.src.log.warn({ err }, 'metrics: database figures unavailable for this scrape');
    } finally {
      clearTimeout(timer);
    }
  }
}
