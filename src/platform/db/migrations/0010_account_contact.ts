import { sql, type Kysely } from 'kysely';
import { columnTypes, engineOf } from '../dialect.js';

/**
 * Stage 8, registration and account recovery (ADR 0009): a unique, case-insensitive e-mail per
 * account (`email_key`; the column `email` itself came with the notifications of Stage 4 and may be
 * null on older rows), registrations waiting for their e-mail to be confirmed, and password resets.
 * Both tokens are stored as SHA-256 only; each is used once and expires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  // Two-character usernames (张三): the length check becomes 2–32.
  if (engine === 'postgres') {
    await sql`alter table users drop constraint users_username_len`.execute(db);
    await sql`alter table users add constraint users_username_len check (length(username) between 2 and 32)`.execute(
      db,
    );
  } else await relaxSqliteUsernameCheck(db);

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

/**
 * SQLite cannot alter a CHECK constraint: the table is rebuilt the documented way (foreign keys off
 * outside the transaction, new table, copy, drop, rename, indexes and triggers again, foreign keys
 * checked before commit). Kysely runs SQLite migrations outside a transaction, so the pragma works.
 */
async function relaxSqliteUsernameCheck(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'users'`.execute(db);
  const create = rows[0]?.sql ?? '';
  const relaxed = create.replace('length(username) between 3 and 32', 'length(username) between 2 and 32');
  if (relaxed === create) return; // already relaxed (or never had the check)
  const renamed = relaxed.replace(/^create table\s+"?users"?/i, 'create table "users_rebuilt"');
  const extras = await sql<{ sql: string }>`
    select sql from sqlite_master
    where type in ('index', 'trigger') and tbl_name = 'users' and sql is not null`.execute(db);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql.raw(renamed).execute(trx);
      await sql`insert into users_rebuilt select * from users`.execute(trx);
      await sql`drop table users`.execute(trx);
      await sql`alter table users_rebuilt rename to users`.execute(trx);
      for (const r of extras.rows) await sql.raw(r.sql).execute(trx);
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error('0010: foreign keys broken by the users rebuild');
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_resets').execute();
  await db.schema.dropTable('registrations').execute();
  await db.schema.dropIndex('users_email_key').execute();
  await db.schema.alterTable('users').dropColumn('email_key').execute();
}
