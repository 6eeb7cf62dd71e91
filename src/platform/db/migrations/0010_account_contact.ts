import { sql, type Kysely } from 'kysely';
import { columnTypes, engineOf } from '../dialect.js';

/**
 * Stage 8, registration and account recovery (ADR 0009): a unique, case-insensitive e-mail per
 * account (`email_key`; the column `email` itself came with the notifications of Stage 4 and may be
 * null on older rows), registrations waiting for their e-mail to be confirmed, and password resets.
 * Both tokens are stored as SHA-256 only; each is used once and expires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(engineOf(db));

  await db.schema.alterTable('users').addColumn('email_key', 'text').execute();
  // Existing addresses become keys; when two accounts share one address, the older keeps it (the
  // other can still receive notifications but cannot use the address to sign in or reset).
  await sql`
    update users set email_key = lower(trim(email))
    where email is not null and trim(email) <> ''
      and id = (select min(u2.id) from users u2 where lower(trim(u2.email)) = lower(trim(users.email)))
  `.execute(db);
  await db.schema.createIndex('users_email_key').unique().on('users').column('email_key').execute();

  await db.schema
    .createTable('registrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('used_at', t.time)
    .execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('used_at', t.time)
    .execute();
  await db.schema.createIndex('password_resets_user').on('password_resets').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_resets').execute();
  await db.schema.dropTable('registrations').execute();
  await db.schema.dropIndex('users_email_key').execute();
  await db.schema.alterTable('users').dropColumn('email_key').execute();
}
