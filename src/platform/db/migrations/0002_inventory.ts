import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

export const KEY_STATES = [
  'AVAILABLE',
  'RESERVED',
  'SEALED',
  'REVEALED',
  'ACTIVATED',
  'VOIDED',
  'INVALID',
] as const;
const STATES = sql.raw(`(${KEY_STATES.map((s) => `'${s}'`).join(', ')})`);

export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  await db.schema.alterTable('products').addColumn('low_stock_threshold', 'integer').execute();

  // Data keys and the HMAC key, each wrapped (AES-256-GCM) by the master key.
  await db.schema
    .createTable('crypto_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('wrapped', t.bytes, (c) => c.notNull())
    .addColumn('master_fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('rewrapped_at', t.time)
    .addCheckConstraint('crypto_keys_purpose', sql`purpose in ('DATA', 'HMAC')`)
    .execute();

  // A sold unit: one key each. Stage 3 links units to order lines.
  await db.schema
    .createTable('units')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('buyer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('policy_id', 'text', (c) => c.notNull().references('refund_policies.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('units_buyer').on('units').column('buyer_id').execute();

  await db.schema
    .createTable('key_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('bytes_total', t.money, (c) => c.notNull())
    .addColumn('bytes_read', t.money, (c) => c.notNull().defaultTo(0))
    .addColumn('lines_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('data_key_id', 'text', (c) => c.references('crypto_keys.id'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('finished_at', t.time)
    .addCheckConstraint(
      'key_batches_status',
      sql`status in ('RUNNING', 'COMPLETED', 'FAILED', 'INTERRUPTED')`,
    )
    .addCheckConstraint('key_batches_source', sql`source in ('API', 'CLI')`)
    .addCheckConstraint('key_batches_format', sql`format in ('auto', 'text', 'csv')`)
    .addCheckConstraint(
      'key_batches_counts',
      sql`imported >= 0 and duplicates >= 0 and rejected >= 0 and lines_read >= imported + duplicates + rejected and bytes_read >= 0`,
    )
    .execute();
  await db.schema
    .createIndex('key_batches_product')
    .on('key_batches')
    .columns(['product_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('key_batch_rejects')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('key_batches.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_batch_rejects_pk', ['batch_id', 'line_no'])
    .execute();

  await db.schema
    .createTable('keys')
    // UUIDv7: ordering by id is import order, so allocation is oldest-first on one index.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('batch_id', 'text', (c) => c.notNull().references('key_batches.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('serial_masked', 'text', (c) => c.notNull())
    .addColumn('lookup_hmac', t.bytes, (c) => c.notNull())
    .addColumn('secret_hmac', t.bytes, (c) => c.notNull().unique())
    .addColumn('data_key_id', 'text', (c) => c.notNull().references('crypto_keys.id'))
    .addColumn('ciphertext', t.bytes, (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.references('units.id'))
    .addColumn('buyer_id', 'text', (c) => c.references('users.id'))
    .addColumn('reserved_at', t.time)
    .addColumn('delivered_at', t.time)
    .addColumn('first_revealed_at', t.time)
    .addColumn('activated_at', t.time)
    .addColumn('activated_by', 'text')
    .addColumn('activation_source', 'text')
    .addColumn('activated_before_delivery', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('voided_at', t.time)
    .addColumn('invalid_at', t.time)
    .addColumn('invalid_reason', 'text')
    .addColumn('replacement_key_id', 'text', (c) => c.references('keys.id'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('keys_state', sql`state in ${STATES}`)
    .addCheckConstraint(
      'keys_activation_source',
      sql`activation_source is null or activation_source in ('REDEEM', 'REPORT')`,
    )
    .addCheckConstraint('keys_abd_bool', boolCheck(engine, 'activated_before_delivery'))
    // A key in stock belongs to nobody; a key on its way to or with a buyer belongs to one unit.
    .addCheckConstraint(
      'keys_holder',
      sql`(state = 'AVAILABLE' and unit_id is null and buyer_id is null)
        or (state in ('RESERVED', 'SEALED', 'REVEALED') and unit_id is not null and buyer_id is not null)
        or state in ('ACTIVATED', 'VOIDED', 'INVALID')`,
    )
    .addCheckConstraint(
      'keys_delivered',
      sql`state not in ('SEALED', 'REVEALED') or delivered_at is not null`,
    )
    .addCheckConstraint('keys_revealed', sql`state <> 'REVEALED' or first_revealed_at is not null`)
    .addCheckConstraint('keys_activated', sql`state <> 'ACTIVATED' or activated_at is not null`)
    .execute();
  // One live key per unit: the same unit can never hold two keys (a voided or invalid key keeps
  // its unit for the record but no longer counts).
  await sql`create unique index keys_live_unit on keys (unit_id)
    where unit_id is not null and state in ('RESERVED', 'SEALED', 'REVEALED', 'ACTIVATED')`.execute(db);
  // Allocation walks only the keys in stock, oldest first.
  await sql`create index keys_available on keys (product_id, id) where state = 'AVAILABLE'`.execute(db);
  await db.schema.createIndex('keys_lookup').on('keys').column('lookup_hmac').execute();
  await db.schema.createIndex('keys_product_state').on('keys').columns(['product_id', 'state']).execute();
  // Partial: keys in stock have no buyer or unit, so a bulk import adds nothing to these two.
  await sql`create index keys_buyer on keys (buyer_id) where buyer_id is not null`.execute(db);
  await sql`create index keys_unit on keys (unit_id) where unit_id is not null`.execute(db);

  // Append-only per-key history: reserve, deliver, every reveal (with IP and user agent), activation …
  await db.schema
    .createTable('key_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
    .addColumn('unit_id', 'text')
    .addColumn('at', t.time, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('detail', 'text')
    .addCheckConstraint(
      'key_events_kind',
      sql`kind in ('RESERVED', 'RELEASED', 'DELIVERED', 'REVEALED', 'ACTIVATED', 'VOIDED', 'RETURNED', 'INVALIDATED', 'REPLACED', 'BREAK_GLASS_REVEAL')`,
    )
    .execute();
  await db.schema.createIndex('key_events_key').on('key_events').columns(['key_id', 'at']).execute();
  await makeAppendOnly(db, 'key_events');
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0002_inventory cannot be reverted'));
}
