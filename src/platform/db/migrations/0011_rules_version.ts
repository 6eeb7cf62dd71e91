import type { Kysely } from 'kysely';

/**
 * A version per setting, for optimistic concurrency (Stage 8): an admin changes the platform rules
 * against the version they read, and a change made meanwhile by another admin is refused (409)
 * instead of silently lost. Rows that exist start at version 1; a setting never written is version 0.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('settings')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
