import type { Kysely } from 'kysely';

/**
 * Shared rate-limit counters (Stage 10, several instances): one row per limited route and client
 * (`<method><url>-<address or caller>`), holding the hits of the current fixed window and the
 * moment (epoch ms) the window ends. Every hit is one atomic upsert that also starts a new window
 * once the old one has ended (platform/http/rate-limit-store.ts), so every instance on the
 * database counts into the same row. Rows whose window ended are deleted now and then (the index
 * on `expires_ms`). Used on PostgreSQL when REDIS_URL is not set; SQLite (one process) keeps the
 * limiter's memory store, the table stays empty there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rate_limit_counters_expires')
    .on('rate_limit_counters')
    .column('expires_ms')
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0018_rate_limits cannot be reverted'));
}
