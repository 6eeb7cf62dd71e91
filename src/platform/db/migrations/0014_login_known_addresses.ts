import type { Kysely } from 'kysely';
import { columnTypes, engineOf } from '../dialect.js';

/**
 * Addresses an account has logged in from successfully (ADR 0010): while the account cools down
 * after many failed logins from elsewhere, a correct password from one of these still signs in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(engineOf(db));
  await db.schema
    .createTable('login_known_addresses')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('last_login_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('login_known_addresses_pk', ['user_id', 'address'])
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0014_login_known_addresses cannot be reverted'));
}
