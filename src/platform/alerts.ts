/**
 * Support's work list beside the request queue (spec §8): abnormal payouts, late payouts (到账延迟),
 * support reviews past their deadline, deadlines that keep failing, and money a gateway paid out
 * after it had been rerouted. One open alert per (kind, object): raising it again while it is open is a no-op; after it
 * was resolved, it can be raised anew.
 */
import { now, toJson, type Db } from './db/dialect.js';
import { newOrderedId } from './ids.js';

export type AlertKind =
  | 'PAYOUT_ABNORMAL'
  | 'PAYOUT_DELAYED'
  | 'REVIEW_OVERDUE'
  | 'DEADLINE_FAILING'
  | 'PAYOUT_PAID_TWICE'
  | 'DISPUTE_DECISION_DUE'
  | 'DISPUTE_DECISION_OVERDUE';

/** Returns whether the alert is new. */
export async function raiseAlert(
  trx: Db,
  kind: AlertKind,
  object: { type: string; id: string },
  requestId: string | null,
  data: Record<string, unknown>,
  at: Date,
): Promise<boolean> {
  const res = await trx
    .insertInto('alerts')
    .values({
      id: newOrderedId(at.getTime()),
      kind,
      object_type: object.type,
      object_id: object.id,
      request_id: requestId,
      data: toJson(data),
      created_at: now(at),
      resolved_at: null,
      resolved_by: null,
      resolution: null,
    })
    .onConflict((oc) => oc.columns(['kind', 'object_id']).where('resolved_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return res !== undefined;
}

/** Closes a request's open alerts of the given kinds (the thing they were about was dealt with). */
export async function resolveAlerts(
  trx: Db,
  requestId: string,
  kinds: readonly AlertKind[],
  resolution: { by: string | null; what: string; at: Date },
): Promise<void> {
  await trx
    .updateTable('alerts')
    .set({ resolved_at: now(resolution.at), resolved_by: resolution.by, resolution: resolution.what })
    .where('request_id', '=', requestId)
    .where('kind', 'in', [...kinds])
    .where('resolved_at', 'is', null)
    .execute();
}

/** The latest alerts, newest first (support's desk). */
export async function recentAlerts(db: Db, limit = 200) {
  const rows = await db.selectFrom('alerts').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map((a) => ({
    id: a.id,
    kind: a.kind,
    objectType: a.object_type,
    objectId: a.object_id,
    requestId: a.request_id,
    createdAt: a.created_at,
    resolvedAt: a.resolved_at,
  }));
}
