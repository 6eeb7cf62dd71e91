import { type Kysely } from 'kysely';
import { columnTypes, engineOf } from '../dialect.js';

/**
 * The operator console (Stage 8): why and when an account was disabled (shown to operators; the
 * audit event keeps who did it), and indexes for searching the audit log by actor, action and time
 * — newest first, paged by `seq` (the object search uses `audit_events_object`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(engineOf(db));
  await db.schema.alterTable('users').addColumn('disabled_reason', 'text').execute();
  await db.schema.alterTable('users').addColumn('disabled_at', t.time).execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  // The dashboard counts orders and requests by day.
  await db.schema.createIndex('orders_created').on('orders').column('created_at').execute();
  await db.schema.createIndex('refund_requests_created').on('refund_requests').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'refund_requests_created',
    'orders_created',
    'audit_events_at',
    'audit_events_action',
    'audit_events_actor',
  ])
    await db.schema.dropIndex(name).execute();
  await db.schema.alterTable('users').dropColumn('disabled_at').execute();
  await db.schema.alterTable('users').dropColumn('disabled_reason').execute();
}
