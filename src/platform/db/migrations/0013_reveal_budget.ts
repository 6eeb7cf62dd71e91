import type { Kysely } from 'kysely';
import { columnTypes, engineOf } from '../dialect.js';

/**
 * The reveal budget (Stage 8): how many keys each user revealed in the current fixed window, one
 * row per user, charged by one atomic upsert inside the reveal's own transaction — shared by every
 * app instance, and given back with the transaction when the reveal fails.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(engineOf(db));
  await db.schema
    .createTable('reveal_budget')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('spent', 'integer', (c) => c.notNull())
    .addColumn('window_start', t.time, (c) => c.notNull())
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0013_reveal_budget cannot be reverted'));
}
