/**
 * The sandbox's outgoing notifications: queued in `sandbox_gateway_notifications` inside the
 * transaction that changed the payment or refund, then delivered by `tick` with the real services'
 * retry schedules, duplicate copies for the duplicating payers, and the provider-wide "down"
 * switch and delay (settings `sandbox.<provider>`).
 */
import { now, type Db } from '../../../platform/db/dialect.js';
import { newId } from '../../../platform/ids.js';
import { getSetting } from '../../../platform/settings.js';
import type { Provider } from '../gateway.js';
import { findPayer, type TestPayer } from './payers.js';
import type { DeliveryReply, OutgoingNotification, PaymentRow, Wire } from './wire.js';

/** Hands a notification to Kameng's notify endpoint (the app wires it to `app.inject`). */
export type Deliver = (provider: Provider, notification: OutgoingNotification) => Promise<DeliveryReply>;

export interface SandboxSettings {
  /** Every API call throws `payment.gateway_unavailable` and no notification is sent. */
  down: boolean;
  /** Added before the first delivery of every new notification. */
  notificationDelaySeconds: number;
}
export const DEFAULT_SETTINGS: SandboxSettings = { down: false, notificationDelaySeconds: 0 };
export const settingKey = (provider: Provider): string => `sandbox.${provider}`;

/** Read per call, never cached: an admin's switch on one instance must hold on all of them. */
export async function readSettings(db: Db, provider: Provider): Promise<SandboxSettings> {
  return { ...DEFAULT_SETTINGS, ...(await getSetting<Partial<SandboxSettings>>(db, settingKey(provider))) };
}

export interface TickReport {
  refundsFinished: number;
  /** Late payers' payments that landed (turned SUCCESS) after their trade's expiry. */
  latePaymentsLanded: number;
  paymentsClosed: number;
  delivered: number;
  failed: number;
  gaveUp: number;
  duplicates: number;
}
export const emptyTickReport = (): TickReport => ({
  refundsFinished: 0,
  latePaymentsLanded: 0,
  paymentsClosed: 0,
  delivered: 0,
  failed: 0,
  gaveUp: 0,
  duplicates: 0,
});

/** A claimed delivery is reserved this long, so a second sweeper does not send it at once too. */
const CLAIM_LEASE_MS = 60_000;
/** Duplicate copies go out 30 s after the ack, then 5 min after it (270 s after the first copy). */
const FIRST_DUPLICATE_SECONDS = 30;
const NEXT_DUPLICATE_SECONDS = 270;
const BATCH = 100;

const later = (at: Date, seconds: number): string => now(new Date(at.getTime() + seconds * 1000));

/** Queues a notification (none for a "lost" payer), after the provider's configured delay. */
export async function queueNotification(
  trx: Db,
  provider: Provider,
  kind: 'PAYMENT' | 'REFUND',
  targetId: string,
  payer: TestPayer | undefined,
  at: Date,
): Promise<void> {
  if (payer?.lost) return;
  const { notificationDelaySeconds } = await readSettings(trx, provider);
  await trx
    .insertInto('sandbox_gateway_notifications')
    .values({
      id: newId(),
      provider,
      kind,
      target_id: targetId,
      state: 'PENDING',
      attempts: 0,
      extra_deliveries: (payer?.copies ?? 1) - 1,
      next_attempt_at: later(at, notificationDelaySeconds + (payer?.firstDelaySeconds ?? 0)),
      last_status: null,
      created_at: now(at),
      delivered_at: null,
    })
    .execute();
}

export interface OutboxDeps {
  db: Db;
  provider: Provider;
  wire: Wire;
  deliver: Deliver;
}

/**
 * Sends each due notification once. A row is claimed by a conditional update (its counters act as
 * a version) before sending, and the HTTP call happens outside any transaction: Kameng's handler
 * runs its own transactions, and on SQLite a held write lock would deadlock with it.
 */
export async function deliverDue(deps: OutboxDeps, at: Date, report: TickReport): Promise<void> {
  const { db, provider, wire } = deps;
  const due = await db
    .selectFrom('sandbox_gateway_notifications')
    .selectAll()
    .where('provider', '=', provider)
    .where((eb) =>
      eb.or([
        eb('state', '=', 'PENDING'),
        eb.and([eb('state', '=', 'DELIVERED'), eb('extra_deliveries', '>', 0)]),
      ]),
    )
    .where('next_attempt_at', '<=', now(at))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(BATCH)
    .execute();
  for (const n of due) {
    const duplicate = n.state === 'DELIVERED';
    const attempts = duplicate ? n.attempts : n.attempts + 1;
    const extra = duplicate ? n.extra_deliveries - 1 : n.extra_deliveries;
    const claim = await db
      .updateTable('sandbox_gateway_notifications')
      .set({ attempts, extra_deliveries: extra, next_attempt_at: later(at, CLAIM_LEASE_MS / 1000) })
      .where('id', '=', n.id)
      .where('state', '=', n.state)
      .where('attempts', '=', n.attempts)
      .where('extra_deliveries', '=', n.extra_deliveries)
      .executeTakeFirst();
    if (claim.numUpdatedRows !== 1n) continue; // another sweeper has it

    /** Updates this row only while it is still as this claim left it. */
    const settle = (values: {
      state?: 'PENDING' | 'DELIVERED' | 'GAVE_UP';
      next_attempt_at?: string;
      last_status?: number;
      delivered_at?: string;
    }) =>
      db
        .updateTable('sandbox_gateway_notifications')
        .set(values)
        .where('id', '=', n.id)
        .where('attempts', '=', attempts)
        .where('extra_deliveries', '=', extra)
        .execute();

    const outgoing = await build(deps, n.kind, n.target_id, n.id, new Date(n.created_at), at);
    if (!outgoing) {
      await settle({ state: 'GAVE_UP' });
      report.gaveUp++;
      continue;
    }
    let reply: DeliveryReply;
    try {
      reply = await deps.deliver(provider, outgoing);
    } catch {
      reply = { status: 0, body: '' }; // unreachable: a failed attempt
    }
    const ok = wire.isAck(reply);

    if (duplicate) {
      // A copy is sent whatever happened to the original; its reply changes nothing.
      report.duplicates++;
      await settle({ next_attempt_at: later(at, NEXT_DUPLICATE_SECONDS) });
    } else if (ok) {
      report.delivered++;
      await settle({
        state: 'DELIVERED',
        delivered_at: now(at),
        last_status: reply.status,
        next_attempt_at: later(at, extra > 0 ? FIRST_DUPLICATE_SECONDS : 0),
      });
    } else {
      // attempts counts the first try too: with N retry intervals there are N + 1 attempts.
      const gaveUp = attempts > wire.retrySchedule.length;
      if (gaveUp) report.gaveUp++;
      else report.failed++;
      await settle({
        state: gaveUp ? 'GAVE_UP' : 'PENDING',
        last_status: reply.status,
        next_attempt_at: later(at, gaveUp ? 0 : wire.retrySchedule[attempts - 1]),
      });
    }
  }
}

const payerRefOf = (provider: Provider, p: PaymentRow): string | null =>
  (p.payer_id === null ? undefined : findPayer(provider, p.payer_id))?.payerRef ?? null;

/** Builds the notification from the rows as they are now, signed at `sentAt`. */
async function build(
  deps: OutboxDeps,
  kind: 'PAYMENT' | 'REFUND',
  targetId: string,
  notifyId: string,
  eventAt: Date,
  sentAt: Date,
): Promise<OutgoingNotification | null> {
  const { db, provider, wire } = deps;
  const paymentById = (id: string) =>
    db.selectFrom('sandbox_gateway_payments').selectAll().where('id', '=', id).executeTakeFirst();
  if (kind === 'PAYMENT') {
    const payment = await paymentById(targetId);
    if (!payment) return null;
    return wire.paymentNotification(payment, {
      notifyId,
      eventAt,
      sentAt,
      payerRef: payerRefOf(provider, payment),
    });
  }
  const refund = await db
    .selectFrom('sandbox_gateway_refunds')
    .selectAll()
    .where('id', '=', targetId)
    .executeTakeFirst();
  const payment = refund && (await paymentById(refund.payment_id));
  if (!refund || !payment) return null;
  return wire.refundNotification(refund, payment, {
    notifyId,
    eventAt,
    sentAt,
    payerRef: payerRefOf(provider, payment),
  });
}
