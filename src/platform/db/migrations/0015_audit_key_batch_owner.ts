import type { Kysely } from 'kysely';

/**
 * Stage 9 (issue 14) items 8 and 9.
 * - The keyed audit chain: each event records the id of the audit key (an HMAC key wrapped by the
 *   master key in `crypto_keys`) its hash was made with; events written before this migration have
 *   none and stay verifiable under the old unkeyed rule. `audit_head.key_id` names the key new
 *   events are chained with (set at the first start after the migration, changed by a rotation).
 * - Import recovery: a running import records the instance (process) that runs it, so a starting
 *   PostgreSQL instance can tell a dead instance's batches from a live one's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('key_id', 'text').execute();
  await db.schema.alterTable('audit_head').addColumn('key_id', 'text').execute();
  await db.schema.alterTable('key_batches').addColumn('owner_instance', 'text').execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0015_audit_key_batch_owner cannot be reverted'));
}
