/**
 * Deadlines of a refund request (spec §7): counted in China working days in Asia/Shanghai (the
 * calendar module), stored on the request when its phase begins — a later calendar change does
 * not move them — and scheduled as deadline rows the sweeper fires once.
 *
 * A deadline row's object id is `<request id>:<request version>` of the phase it belongs to: a
 * request that moved on (the merchant decided in time) leaves a stale row, which fires as a no-op;
 * each phase's row is also cancelled when the request leaves it.
 */
import { loadCalendar } from '../../platform/calendar-store.js';
import type { CalendarWarning } from '../../platform/calendar.js';
import { engineOf, type Db } from '../../platform/db/dialect.js';
import { scheduleDeadline } from '../../platform/deadlines.js';
import type { PlatformRules } from '../../platform/settings.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type RequestDeadlineKind =
  | 'REFUND_REVIEW' // the merchant's review deadline
  | 'REFUND_SUPPORT' // support's own deadline after the merchant's passed
  | 'REFUND_SUPPLEMENT' // the buyer's deadline to supply what was asked
  | 'REFUND_ESCALATION' // after a rejection: resubmit, accept or escalate by then
  | 'REFUND_REMINDER'; // a reminder to whoever must act, before their deadline

export interface Due {
  dueAt: Date;
  warnings: CalendarWarning[];
}

export async function workingDaysFrom(trx: Db, at: Date, days: number): Promise<Due> {
  const calendar = await loadCalendar(trx);
  return calendar.addWorkingDays(at, days);
}

/** The merchant's review deadline: the platform's working days, or 24 hours if it committed to that. */
export async function reviewDue(
  trx: Db,
  rules: PlatformRules,
  merchantId: string | null,
  at: Date,
): Promise<Due> {
  const due = await workingDaysFrom(trx, at, rules.reviewWorkingDays);
  if (!merchantId) return due;
  const m = await trx
    .selectFrom('merchants')
    .select('commit_review_24h')
    .where('id', '=', merchantId)
    .executeTakeFirst();
  if (m?.commit_review_24h !== 1) return due;
  const day = new Date(at.getTime() + DAY);
  return day < due.dueAt ? { dueAt: day, warnings: [] } : due;
}

export const escalationDue = (rules: PlatformRules, at: Date): Due => ({
  dueAt: new Date(at.getTime() + rules.escalationDays * DAY),
  warnings: [],
});

export const phaseId = (requestId: string, version: number): string => `${requestId}:${version}`;

export function parsePhaseId(objectId: string): { requestId: string; version: number } {
  const i = objectId.lastIndexOf(':');
  return { requestId: objectId.slice(0, i), version: Number(objectId.slice(i + 1)) };
}

/**
 * Schedules a phase's deadline and, when there is time for it, a reminder a quarter of the way
 * before it (at most a day before), so whoever must act is told while they still can.
 */
export async function schedulePhase(
  trx: Db,
  kind: Exclude<RequestDeadlineKind, 'REFUND_REMINDER'>,
  requestId: string,
  version: number,
  dueAt: Date,
  at: Date,
): Promise<void> {
  const objectId = phaseId(requestId, version);
  await scheduleDeadline(trx, { kind, objectId, dueAt, at });
  const span = dueAt.getTime() - at.getTime();
  if (span > 2 * HOUR)
    await scheduleDeadline(trx, {
      kind: 'REFUND_REMINDER',
      objectId,
      dueAt: new Date(dueAt.getTime() - Math.min(span / 4, DAY)),
      at,
    });
}

/**
 * The request left its phase: its deadline and reminder will never fire. A row the sweeper is
 * firing right now (locked on PostgreSQL) is skipped rather than waited for: it fires as a no-op,
 * because the request's version moved on — and waiting would invert the lock order (the sweeper
 * holds the deadline and then wants the request; the caller holds the request).
 */
export async function cancelPhase(trx: Db, requestId: string, version: number): Promise<void> {
  const objectId = phaseId(requestId, version);
  await trx
    .updateTable('deadlines')
    .set({ state: 'CANCELLED' })
    .where('state', '=', 'OPEN')
    .$if(engineOf(trx) === 'postgres', (q) =>
      q.where('id', 'in', (eb) =>
        eb
          .selectFrom('deadlines')
          .select('id')
          .where('object_id', '=', objectId)
          .where('state', '=', 'OPEN')
          .forUpdate()
          .skipLocked(),
      ),
    )
    .where('object_id', '=', objectId)
    .execute();
}
