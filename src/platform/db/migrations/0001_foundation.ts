import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

const ROLES = sql`('buyer', 'merchant', 'support', 'arbitrator', 'admin')`;
const LEVELS = sql`('REGULAR', 'VIP', 'SUPER')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  await db.schema
    .createTable('member_levels')
    .addColumn('level', 'text', (c) => c.primaryKey())
    .addColumn('rank', 'integer', (c) => c.notNull().unique())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('max_qty_per_order', 'integer', (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('member_levels_level', sql`level in ${LEVELS}`)
    .addCheckConstraint('member_levels_max_qty', sql`max_qty_per_order between 1 and 100000`)
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_key', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('member_level', 'text', (c) =>
      c.notNull().defaultTo('REGULAR').references('member_levels.level'),
    )
    .addColumn('level_expires_at', t.time)
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('ACTIVE'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('users_role', sql`role in ${ROLES}`)
    .addCheckConstraint('users_status', sql`status in ('ACTIVE', 'DISABLED')`)
    .addCheckConstraint('users_username_len', sql`length(username) between 3 and 32`)
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('last_seen_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', t.time)
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('login_throttle_failures', sql`failures >= 0`)
    .execute();

  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_user_id', 'text', (c) => c.notNull().unique().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('ACTIVE'))
    .addColumn('deposit_fen', t.money, (c) => c.notNull().defaultTo(0))
    .addColumn('commit_review_24h', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('credit_score', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('merchants_status', sql`status in ('ACTIVE', 'SUSPENDED')`)
    .addCheckConstraint('merchants_deposit', sql`deposit_fen >= 0`)
    .addCheckConstraint('merchants_credit', sql`credit_score between 0 and 100`)
    .addCheckConstraint('merchants_commit_bool', boolCheck(engine, 'commit_review_24h'))
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('last_used_at', t.time)
    .addColumn('revoked_at', t.time)
    .addCheckConstraint('api_tokens_scope', sql`scope in ('merchant', 'issuer', 'channel')`)
    .addCheckConstraint('api_tokens_merchant_scope', sql`scope <> 'merchant' or merchant_id is not null`)
    .execute();
  // A merchant cannot have two live tokens of the same name (revoked ones may repeat it).
  await db.schema
    .createIndex('api_tokens_live_name')
    .on('api_tokens')
    .columns(['merchant_id', 'name'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();

  // products.current_policy_id and refund_policies.product_id point at each other; the pointer is
  // a deferred foreign key so a product and its first policy are inserted in one transaction.
  await db.schema
    .createTable('products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('face_value_fen', t.money, (c) => c.notNull())
    .addColumn('validity_days', 'integer')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('DRAFT'))
    .addColumn('current_policy_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('products_type', sql`type in ('CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT')`)
    .addCheckConstraint('products_status', sql`status in ('DRAFT', 'ON_SALE', 'OFF_SALE')`)
    .addCheckConstraint('products_face_value', sql`face_value_fen >= 0`)
    .addCheckConstraint('products_validity', sql`validity_days is null or validity_days between 1 and 36500`)
    .addCheckConstraint('products_name_len', sql`length(name) between 1 and 120`)
    .$call((b) =>
      // SQLite accepts a reference to a table created later; PostgreSQL gets it by ALTER below.
      engine === 'sqlite'
        ? b.addForeignKeyConstraint(
            'products_current_policy_fk',
            ['current_policy_id'],
            'refund_policies',
            ['id'],
            (fk) => fk.deferrable().initiallyDeferred(),
          )
        : b,
    )
    .execute();
  await db.schema.createIndex('products_merchant').on('products').column('merchant_id').execute();
  await db.schema
    .createIndex('products_on_sale')
    .on('products')
    .column('created_at')
    .where(sql.ref('status'), '=', 'ON_SALE')
    .execute();

  await db.schema
    .createTable('product_prices')
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('level', 'text', (c) => c.notNull().references('member_levels.level'))
    .addColumn('price_fen', t.money, (c) => c.notNull())
    .addPrimaryKeyConstraint('product_prices_pk', ['product_id', 'level'])
    .addCheckConstraint('product_prices_positive', sql`price_fen > 0`)
    .execute();

  const T = t.true;
  const F = t.false;
  await db.schema
    .createTable('refund_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('unactivated_refund', t.bool, (c) => c.notNull())
    .addColumn('window_hours', 'integer')
    .addColumn('no_reason_refund', t.bool, (c) => c.notNull())
    .addColumn('revealed_refund', t.bool, (c) => c.notNull())
    .addColumn('non_refundable', t.bool, (c) => c.notNull())
    .addColumn('non_refundable_text', 'text')
    .addColumn('text_zh', 'text', (c) => c.notNull())
    .addColumn('text_en', 'text', (c) => c.notNull())
    .addColumn('text_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('refund_policies_product_version', ['product_id', 'version'])
    .addCheckConstraint('refund_policies_version', sql`version >= 1`)
    .addCheckConstraint(
      'refund_policies_window_range',
      sql`window_hours is null or window_hours between 1 and 720`,
    )
    .addCheckConstraint(
      'refund_policies_window_iff_unactivated',
      sql`(unactivated_refund = ${T} and window_hours is not null) or (unactivated_refund = ${F} and window_hours is null)`,
    )
    .addCheckConstraint(
      'refund_policies_extras_need_unactivated',
      sql`unactivated_refund = ${T} or (no_reason_refund = ${F} and revealed_refund = ${F})`,
    )
    .addCheckConstraint(
      'refund_policies_non_refundable',
      sql`non_refundable = ${F} or (unactivated_refund = ${F} and length(coalesce(non_refundable_text, '')) > 0)`,
    )
    .addCheckConstraint(
      'refund_policies_bools',
      sql`${boolCheck(engine, 'unactivated_refund')} and ${boolCheck(engine, 'no_reason_refund')}
        and ${boolCheck(engine, 'revealed_refund')} and ${boolCheck(engine, 'non_refundable')}`,
    )
    .execute();
  await makeAppendOnly(db, 'refund_policies');
  if (engine === 'postgres') {
    await db.schema
      .alterTable('products')
      .addForeignKeyConstraint('products_current_policy_fk', ['current_policy_id'], 'refund_policies', ['id'])
      .deferrable()
      .initiallyDeferred()
      .execute();
  }

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addCheckConstraint('audit_head_single', sql`id = 1`)
    .execute();
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('at', t.time, (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    // text, not jsonb: the hash covers these exact bytes, and jsonb would re-order and re-space them
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addCheckConstraint('audit_events_seq', sql`seq >= 1`)
    .execute();
  await db.schema
    .createIndex('audit_events_object')
    .on('audit_events')
    .columns(['object_type', 'object_id'])
    .execute();
  await makeAppendOnly(db, 'audit_events');
  await sql`insert into audit_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', t.json, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('calendar_days')
    .addColumn('date', 'text', (c) => c.primaryKey())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('imported_by', 'text', (c) => c.references('users.id'))
    .addColumn('imported_at', t.time, (c) => c.notNull())
    .addCheckConstraint('calendar_days_kind', sql`kind in ('HOLIDAY', 'WORKDAY')`)
    .addCheckConstraint('calendar_days_date', sql`length(date) = 10`)
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0001_foundation cannot be reverted: it is the base schema'));
}
