/**
 * A merchant's public record (spec §10; 电商法 §36 asks platforms to publish violations and
 * sanctions): computed from the data each time — refund rate, median review time, disputes won and
 * lost, violations and sanctions, the deposit held, and how often the 24-hour review commitment
 * was kept — for product pages and the merchant's storefront, so buyers can choose before buying.
 */
import { z } from 'zod';
import type { Db } from '../../platform/db/dialect.js';
import { now } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { VIOLATION_TEXT } from './penalties.js';

/** The window the rates and times are counted over. */
export const RECORD_WINDOW_DAYS = 90;
const DAY_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;

export const merchantRecordSchema = z
  .object({
    merchantId: z.string(),
    name: z.string(),
    status: z.enum(['ACTIVE', 'SUSPENDED']),
    suspendedReason: z.string().nullable(),
    windowDays: z.number().int(),
    unitsDelivered: z.number().int(),
    unitsRefunded: z.number().int(),
    /** Refunded ÷ delivered units in the window, in basis points (null: nothing delivered). */
    refundRateBp: z.number().int().nullable(),
    reviewsDecided: z.number().int(),
    medianReviewHours: z.number().nullable(),
    commitReview24h: z.boolean(),
    /** Share of the merchant's own review decisions made within 24 hours, basis points. */
    reviewsWithin24hBp: z.number().int().nullable(),
    disputes: z.object({
      won: z.number().int(),
      lost: z.number().int(),
      partly: z.number().int(),
      open: z.number().int(),
    }),
    creditScore: z.number().int(),
    depositFen: z.number().int(),
    violations: z.array(
      z.object({
        kind: z.string(),
        zh: z.string(),
        en: z.string(),
        points: z.number().int(),
        depositFen: z.number().int(),
        disputeNo: z.string(),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'MerchantRecord' });
export type MerchantRecord = z.infer<typeof merchantRecordSchema>;

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const bp = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part * 10_000) / whole);

export async function merchantRecord(
  ctx: { db: Db; clock: { now(): Date } },
  merchantId: string,
): Promise<MerchantRecord> {
  const { db } = ctx;
  const m = await db.selectFrom('merchants').selectAll().where('id', '=', merchantId).executeTakeFirst();
  if (!m) fail('catalog.merchant_not_found');
  const since = now(new Date(ctx.clock.now().getTime() - RECORD_WINDOW_DAYS * DAY_MS));
  const [units, reviews, disputes, violations, deposit] = await Promise.all([
    db
      .selectFrom('units')
      .innerJoin('orders', 'orders.id', 'units.order_id')
      .select((eb) => [
        eb.fn.countAll<number>().as('delivered'),
        eb.fn.count<number>('units.refunded_at').as('refunded'),
      ])
      .where('orders.merchant_id', '=', m.id)
      .where('orders.kind', '=', 'GOODS')
      .where('orders.delivered_at', 'is not', null)
      .where('orders.delivered_at', '>=', since)
      .executeTakeFirstOrThrow(),
    // The merchant's own first decision on each request (approve, reject, ask for material), from
    // the audit trail: a later support or arbitration decision does not overwrite it there.
    db
      .selectFrom('refund_requests')
      .innerJoin('audit_events', (j) =>
        j
          .onRef('audit_events.object_id', '=', 'refund_requests.id')
          .on('audit_events.object_type', '=', 'refund_request')
          .on('audit_events.actor_role', '=', 'merchant')
          .on('audit_events.action', 'in', ['refund.approved', 'refund.rejected', 'refund.awaiting_buyer']),
      )
      .select(['refund_requests.id', 'refund_requests.created_at'])
      .select((eb) => eb.fn.min('audit_events.at').as('decided_at'))
      .where('refund_requests.merchant_id', '=', m.id)
      .where('refund_requests.created_at', '>=', since)
      .groupBy(['refund_requests.id', 'refund_requests.created_at'])
      .limit(10_000)
      .execute(),
    db.selectFrom('disputes').select(['state', 'outcome']).where('merchant_id', '=', m.id).execute(),
    db
      .selectFrom('merchant_violations')
      .innerJoin('disputes', 'disputes.id', 'merchant_violations.dispute_id')
      .select([
        'merchant_violations.kind',
        'merchant_violations.points',
        'merchant_violations.deposit_fen',
        'merchant_violations.created_at',
        'disputes.dispute_no',
      ])
      .where('merchant_violations.merchant_id', '=', m.id)
      .orderBy('merchant_violations.created_at', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('ledger_accounts')
      .select('balance_fen')
      .where('kind', '=', 'MERCHANT_DEPOSIT')
      .where('owner_id', '=', m.id)
      .executeTakeFirst(),
  ]);
  const hours = reviews.map((r) => (Date.parse(String(r.decided_at)) - Date.parse(r.created_at)) / HOUR_MS);
  const delivered = Number(units.delivered);
  const refunded = Number(units.refunded);
  const med = median(hours);
  return {
    merchantId: m.id,
    name: m.name,
    status: m.status,
    suspendedReason: m.suspended_reason,
    windowDays: RECORD_WINDOW_DAYS,
    unitsDelivered: delivered,
    unitsRefunded: refunded,
    refundRateBp: bp(refunded, delivered),
    reviewsDecided: hours.length,
    medianReviewHours: med === null ? null : Math.round(med * 10) / 10,
    commitReview24h: m.commit_review_24h === 1,
    reviewsWithin24hBp: bp(hours.filter((h) => h <= 24).length, hours.length),
    disputes: {
      won: disputes.filter((d) => d.outcome === 'MERCHANT').length,
      lost: disputes.filter((d) => d.outcome === 'BUYER').length,
      partly: disputes.filter((d) => d.outcome === 'SPLIT').length,
      open: disputes.filter((d) => d.state !== 'DECIDED').length,
    },
    creditScore: m.credit_score,
    depositFen: deposit ? Number(deposit.balance_fen) : m.deposit_fen,
    violations: violations.map((v) => ({
      kind: v.kind,
      ...VIOLATION_TEXT[v.kind],
      points: v.points,
      depositFen: Number(v.deposit_fen),
      disputeNo: v.dispute_no,
      at: v.created_at,
    })),
  };
}
