/**
 * The operator dashboard (Stage 8): figures over the last N Asia/Shanghai days, each an aggregate
 * query that runs the same on both engines (day buckets and hour differences come from the
 * dialect):
 * - orders and refund requests by day (goods orders by the day they were paid; requests by the
 *   day they were made, and the amount of those since refunded);
 * - the refund rate: units refunded of the goods units delivered in the window (as the merchant
 *   record counts it);
 * - the median time from a request to its (first recorded) decision, for requests decided in the
 *   window;
 * - review deadlines breached: auto-approved when the merchant missed them, sent to support when
 *   a judgement was needed, and support's own deadlines that raised an overdue alert;
 * - disputes decided in the window by outcome, and those still open;
 * - payouts delayed: refunds past their working-day promise (alerts raised in the window, still
 *   open now), gateway refunds PROCESSING past their expected arrival, and abnormal ones;
 * - the merchants with the most sales in the window, with their refund rate and disputes lost.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { hoursBetween, now, shanghaiDay } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';

const DAY_MS = 24 * 3_600_000;
const SHANGHAI_MS = 8 * 3_600_000;

export const dashboardQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(30),
});

export const dashboardSchema = z.object({
  days: z.number().int(),
  /**
   * The window's first instant (00:00 Asia/Shanghai of its first day) and the moment computed
   * (figures are recomputed at most every DASHBOARD_FRESH_MS per instance).
   */
  from: z.string(),
  at: z.string(),
  byDay: z.array(
    z.object({
      day: z.string(),
      orders: z.number().int(),
      salesFen: z.number().int(),
      refundRequests: z.number().int(),
      refundedFen: z.number().int(),
    }),
  ),
  totals: z.object({
    orders: z.number().int(),
    salesFen: z.number().int(),
    refundRequests: z.number().int(),
    refundedFen: z.number().int(),
    unitsDelivered: z.number().int(),
    unitsRefunded: z.number().int(),
    /** Units refunded ÷ delivered, basis points (null: nothing delivered). */
    refundRateBp: z.number().int().nullable(),
    decisions: z.number().int(),
    medianDecisionHours: z.number().nullable(),
  }),
  deadlines: z.object({
    autoApproved: z.number().int(),
    toSupport: z.number().int(),
    supportOverdue: z.number().int(),
  }),
  disputes: z.object({
    buyer: z.number().int(),
    merchant: z.number().int(),
    split: z.number().int(),
    open: z.number().int(),
  }),
  payouts: z.object({
    delayedAlerts: z.number().int(),
    delayedOpen: z.number().int(),
    processingOverdue: z.number().int(),
    abnormal: z.number().int(),
  }),
  merchants: z.array(
    z.object({
      merchantId: z.string(),
      name: z.string(),
      orders: z.number().int(),
      salesFen: z.number().int(),
      unitsDelivered: z.number().int(),
      unitsRefunded: z.number().int(),
      refundRateBp: z.number().int().nullable(),
      disputesLost: z.number().int(),
    }),
  ),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

const bp = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part * 10_000) / whole);
const num = (v: unknown): number => Number(v ?? 0);

/** The Shanghai date `YYYY-MM-DD` of an instant. */
const dayOf = (d: Date): string => new Date(d.getTime() + SHANGHAI_MS).toISOString().slice(0, 10);

/**
 * Figures younger than this are served as they are; older ones (up to STALE_MS) are served while
 * one refresh runs in the background; beyond that (or when the platform clock went back) a request
 * waits for fresh ones. At 1,000,000 orders one computation reads every order and unit of the
 * window (about a second on PostgreSQL), so it runs at most once per FRESH_MS per instance and
 * window length, whatever the number of operators looking — the reply's `at` says when.
 */
export const DASHBOARD_FRESH_MS = 30_000;
const STALE_MS = 4 * DASHBOARD_FRESH_MS;

interface Cached {
  /** Platform-clock milliseconds of the computation (the reply's `at`). */
  at: number;
  value: Dashboard;
}
interface Slot {
  cached: Cached | null;
  running: Promise<Cached> | null;
}
/** Per database handle (each app, each test harness its own), per window length. */
const slots = new WeakMap<object, Map<number, Slot>>();

export async function dashboard(
  ctx: Pick<AppContext, 'db' | 'engine' | 'clock'>,
  actor: Actor,
  query: z.infer<typeof dashboardQuerySchema>,
): Promise<Dashboard> {
  if (actor.kind !== 'user' || (actor.role !== 'admin' && actor.role !== 'support')) fail('auth.forbidden');
  let bySize = slots.get(ctx.db);
  if (!bySize) slots.set(ctx.db, (bySize = new Map<number, Slot>()));
  let slot = bySize.get(query.days);
  if (!slot) bySize.set(query.days, (slot = { cached: null, running: null }));
  const s = slot;
  const refresh = (): Promise<Cached> =>
    (s.running ??= (async () => {
      const at = ctx.clock.now();
      const value = await computeDashboard(ctx, query, at);
      s.cached = { at: at.getTime(), value };
      return s.cached;
    })().finally(() => {
      s.running = null;
    }));
  const age = s.cached ? ctx.clock.now().getTime() - s.cached.at : -1;
  if (s.cached && age >= 0 && age < DASHBOARD_FRESH_MS) return s.cached.value;
  if (s.cached && age >= 0 && age < STALE_MS) {
    // Served now; the next request after the refresh sees the new figures. A failed refresh is
    // retried by the next request (the error reaches no one: the stale figures were answered).
    refresh().catch(() => undefined);
    return s.cached.value;
  }
  return (await refresh()).value;
}

async function computeDashboard(
  ctx: Pick<AppContext, 'db' | 'engine' | 'clock'>,
  query: z.infer<typeof dashboardQuerySchema>,
  at: Date,
): Promise<Dashboard> {
  const { db, engine } = ctx;
  const firstDay = new Date(Date.parse(`${dayOf(at)}T00:00:00Z`) - (query.days - 1) * DAY_MS);
  const fromDate = new Date(firstDay.getTime() - SHANGHAI_MS);
  const from = now(fromDate);
  const days = Array.from({ length: query.days }, (_, i) =>
    new Date(firstDay.getTime() + i * DAY_MS).toISOString().slice(0, 10),
  );

  const paidDay = shanghaiDay(engine, 'orders.paid_at');
  const requestDay = shanghaiDay(engine, 'refund_requests.created_at');
  const decisionHours = hoursBetween(engine, 'refund_requests.created_at', 'refund_requests.decided_at');
  const decided = db
    .selectFrom('refund_requests')
    .where('refund_requests.decided_at', 'is not', null)
    .where('refund_requests.decided_at', '>=', from);

  const [orders, requests, units, decisions, deadlines, disputes, payouts, sales, merchantUnits, lost] =
    await Promise.all([
      db
        .selectFrom('orders')
        .select((eb) => [
          paidDay.as('day'),
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum<number>('orders.total_fen').as('fen'),
        ])
        .where('orders.kind', '=', 'GOODS')
        .where('orders.paid_at', '>=', from)
        .groupBy(paidDay)
        .execute(),
      db
        .selectFrom('refund_requests')
        .select((eb) => [
          requestDay.as('day'),
          eb.fn.countAll<number>().as('n'),
          eb.fn
            .sum<number>(
              eb
                .case()
                .when('refund_requests.state', '=', 'REFUNDED')
                .then(eb.ref('refund_requests.amount_fen'))
                .else(0)
                .end(),
            )
            .as('fen'),
        ])
        .where('refund_requests.created_at', '>=', from)
        .groupBy(requestDay)
        .execute(),
      db
        .selectFrom('units')
        .innerJoin('orders', 'orders.id', 'units.order_id')
        .select((eb) => [
          eb.fn.countAll<number>().as('delivered'),
          eb.fn.count<number>('units.refunded_at').as('refunded'),
        ])
        .where('orders.kind', '=', 'GOODS')
        .where('orders.delivered_at', '>=', from)
        .executeTakeFirstOrThrow(),
      decided.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db
        .selectNoFrom((eb) => [
          eb
            .selectFrom('refund_requests')
            .select(eb.fn.countAll<number>().as('n'))
            .where('decision_code', '=', 'AUTO_REVIEW_TIMEOUT')
            .where('decided_at', '>=', from)
            .as('auto'),
          eb
            .selectFrom('audit_events')
            .select(eb.fn.countAll<number>().as('n'))
            // PENDING_REVIEW → SUPPORT_REVIEW is taken by the system only when the merchant's
            // review deadline passed on a request needing judgement.
            .where('action', '=', 'refund.support_review')
            .where('actor_role', 'like', 'system:%')
            .where('at', '>=', from)
            .as('support'),
          eb
            .selectFrom('alerts')
            .select(eb.fn.countAll<number>().as('n'))
            .where('kind', '=', 'REVIEW_OVERDUE')
            .where('created_at', '>=', from)
            .as('overdue'),
        ])
        .executeTakeFirstOrThrow(),
      db
        .selectNoFrom((eb) => [
          ...(['BUYER', 'MERCHANT', 'SPLIT'] as const).map((o) =>
            eb
              .selectFrom('disputes')
              .select(eb.fn.countAll<number>().as('n'))
              .where('outcome', '=', o)
              .where('decided_at', '>=', from)
              .as(o.toLowerCase()),
          ),
          eb
            .selectFrom('disputes')
            .select(eb.fn.countAll<number>().as('n'))
            .where('state', '!=', 'DECIDED')
            .as('open'),
        ])
        .executeTakeFirstOrThrow(),
      db
        .selectNoFrom((eb) => [
          eb
            .selectFrom('alerts')
            .select(eb.fn.countAll<number>().as('n'))
            .where('kind', '=', 'PAYOUT_DELAYED')
            .where('created_at', '>=', from)
            .as('alerts'),
          eb
            .selectFrom('alerts')
            .select(eb.fn.countAll<number>().as('n'))
            .where('kind', '=', 'PAYOUT_DELAYED')
            .where('resolved_at', 'is', null)
            .as('open'),
          eb
            .selectFrom('payouts')
            .select(eb.fn.countAll<number>().as('n'))
            .where('state', '=', 'PROCESSING')
            .where('expected_arrival_at', '<', now(at))
            .as('processing'),
          eb
            .selectFrom('payouts')
            .select(eb.fn.countAll<number>().as('n'))
            .where('state', '=', 'ABNORMAL')
            .as('abnormal'),
        ])
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('orders')
        .innerJoin('merchants', 'merchants.id', 'orders.merchant_id')
        .select((eb) => [
          'merchants.id',
          'merchants.name',
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum<number>('orders.total_fen').as('fen'),
        ])
        .where('orders.kind', '=', 'GOODS')
        .where('orders.paid_at', '>=', from)
        .groupBy(['merchants.id', 'merchants.name'])
        .orderBy(sql`sum(orders.total_fen)`, 'desc')
        .orderBy('merchants.name')
        .limit(10)
        .execute(),
      db
        .selectFrom('units')
        .innerJoin('orders', 'orders.id', 'units.order_id')
        .select((eb) => [
          'orders.merchant_id',
          eb.fn.countAll<number>().as('delivered'),
          eb.fn.count<number>('units.refunded_at').as('refunded'),
        ])
        .where('orders.kind', '=', 'GOODS')
        .where('orders.delivered_at', '>=', from)
        .groupBy('orders.merchant_id')
        .execute(),
      db
        .selectFrom('disputes')
        .select((eb) => ['merchant_id', eb.fn.countAll<number>().as('n')])
        .where('outcome', '=', 'BUYER')
        .where('decided_at', '>=', from)
        .groupBy('merchant_id')
        .execute(),
    ]);

  // The median: the middle one or two of the decision times, read in order by the database.
  const n = num(decisions.n);
  let medianDecisionHours: number | null = null;
  if (n > 0) {
    const middle = await decided
      .select(decisionHours.as('h'))
      .orderBy(decisionHours)
      .limit(n % 2 === 1 ? 1 : 2)
      .offset(Math.floor((n - 1) / 2))
      .execute();
    const mean = middle.reduce((s, r) => s + num(r.h), 0) / middle.length;
    medianDecisionHours = Math.round(mean * 10) / 10;
  }

  const orderByDay = new Map(orders.map((r) => [r.day, r]));
  const requestByDay = new Map(requests.map((r) => [r.day, r]));
  const byDay = days.map((day) => ({
    day,
    orders: num(orderByDay.get(day)?.n),
    salesFen: num(orderByDay.get(day)?.fen),
    refundRequests: num(requestByDay.get(day)?.n),
    refundedFen: num(requestByDay.get(day)?.fen),
  }));
  const sum = (k: 'orders' | 'salesFen' | 'refundRequests' | 'refundedFen'): number =>
    byDay.reduce((s, d) => s + d[k], 0);
  const unitsBy = new Map(merchantUnits.map((r) => [r.merchant_id, r]));
  const lostBy = new Map(lost.map((r) => [r.merchant_id, num(r.n)]));

  return {
    days: query.days,
    from,
    at: now(at),
    byDay,
    totals: {
      orders: sum('orders'),
      salesFen: sum('salesFen'),
      refundRequests: sum('refundRequests'),
      refundedFen: sum('refundedFen'),
      unitsDelivered: num(units.delivered),
      unitsRefunded: num(units.refunded),
      refundRateBp: bp(num(units.refunded), num(units.delivered)),
      decisions: n,
      medianDecisionHours,
    },
    deadlines: {
      autoApproved: num(deadlines.auto),
      toSupport: num(deadlines.support),
      supportOverdue: num(deadlines.overdue),
    },
    disputes: {
      buyer: num(disputes.buyer),
      merchant: num(disputes.merchant),
      split: num(disputes.split),
      open: num(disputes.open),
    },
    payouts: {
      delayedAlerts: num(payouts.alerts),
      delayedOpen: num(payouts.open),
      processingOverdue: num(payouts.processing),
      abnormal: num(payouts.abnormal),
    },
    merchants: sales.map((m) => {
      const u = unitsBy.get(m.id);
      const delivered = num(u?.delivered);
      const refunded = num(u?.refunded);
      return {
        merchantId: m.id,
        name: m.name,
        orders: num(m.n),
        salesFen: num(m.fen),
        unitsDelivered: delivered,
        unitsRefunded: refunded,
        refundRateBp: bp(refunded, delivered),
        disputesLost: lostBy.get(m.id) ?? 0,
      };
    }),
  };
}
