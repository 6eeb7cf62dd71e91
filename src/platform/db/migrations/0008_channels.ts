import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

/**
 * Third-party channel orders (Stage 7, spec §11): a merchant connects a shop on Taobao, Pinduoduo
 * or 闲鱼 (credentials sealed by the key vault, shown masked), maps channel items to products, and
 * the channel's orders and refunds arrive as events. Each channel order is delivered once (unique
 * per shop and channel order id) as a Kameng order paid by CHANNEL, owned by the shop's channel
 * buyer — a login-less user row (`users.channel_shop_id`) that stands for the shop's buyers, so
 * units, reveals and refund requests keep one owner and every existing rule. Channel refunds link
 * a channel refund to the Kameng request that judges it; the answer goes back through an outbound
 * row sent after commit. Lookups (link token, order number + code) are throttled in
 * `lookup_throttle`, shared by every instance.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  // The login-less owner of a shop's channel orders (NULL for every real account).
  await db.schema.alterTable('users').addColumn('channel_shop_id', 'text').execute();

  await db.schema
    .createTable('channel_shops')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel_shop_id', 'text', (c) => c.notNull())
    .addColumn('app_key', 'text', (c) => c.notNull())
    // { appKey, appSecret, sessionKey } sealed by the vault, bound to this row's id
    .addColumn('credentials_sealed', t.bytes, (c) => c.notNull())
    .addColumn('credentials_masked', 'text', (c) => c.notNull())
    .addColumn('buyer_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    // where the buyer goes to apply for a refund (the channel's order page), with {orderId}
    .addColumn('refund_url_template', 'text', (c) => c.notNull())
    .addColumn('reconciled_until', t.time)
    .addColumn('last_error', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('channel_shops_shop', ['channel', 'channel_shop_id'])
    .addCheckConstraint('channel_shops_channel', sql`channel in ('TAOBAO', 'PDD', 'XIANYU')`)
    .addCheckConstraint('channel_shops_status', sql`status in ('ACTIVE', 'DISCONNECTED')`)
    .execute();
  await db.schema.createIndex('channel_shops_merchant').on('channel_shops').column('merchant_id').execute();

  await db.schema
    .createTable('channel_items')
    .addColumn('shop_id', 'text', (c) => c.notNull().references('channel_shops.id'))
    .addColumn('channel_item_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_items_pk', ['shop_id', 'channel_item_id'])
    .execute();

  // One row per channel order, whatever number of times its messages arrive.
  await db.schema
    .createTable('channel_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text', (c) => c.notNull().references('channel_shops.id'))
    .addColumn('channel_order_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('channel_status', 'text', (c) => c.notNull())
    .addColumn('channel_item_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('total_fen', t.money, (c) => c.notNull())
    .addColumn('buyer_ref', 'text', (c) => c.notNull())
    .addColumn('failure_code', 'text')
    // SHA-256 of the lookup link's token (unique: a token names one order)
    .addColumn('lookup_token_hash', 'text', (c) => c.unique())
    // HMAC of the lookup code under the vault's HMAC key (a database leak reveals no code)
    .addColumn('lookup_code_hmac', t.bytes)
    // token and code sealed by the vault, so the delivery message can be sent again
    .addColumn('lookup_sealed', t.bytes)
    .addColumn('delivery_state', 'text', (c) => c.notNull())
    .addColumn('delivery_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivery_error', 'text')
    .addColumn('channel_modified_at', t.time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('channel_orders_once', ['shop_id', 'channel_order_id'])
    .addCheckConstraint('channel_orders_state', sql`state in ('DELIVERED', 'FAILED', 'CLOSED')`)
    .addCheckConstraint('channel_orders_delivery', sql`delivery_state in ('PENDING', 'SENT', 'GAVE_UP')`)
    .addCheckConstraint('channel_orders_quantity', sql`quantity > 0`)
    .execute();
  await db.schema.createIndex('channel_orders_order').on('channel_orders').column('order_id').execute();
  await db.schema
    .createIndex('channel_orders_delivery_due')
    .on('channel_orders')
    .columns(['delivery_state', 'updated_at'])
    .execute();

  await db.schema
    .createTable('channel_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text', (c) => c.notNull().references('channel_shops.id'))
    .addColumn('channel_refund_id', 'text', (c) => c.notNull())
    .addColumn('channel_order_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.references('refund_requests.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('channel_status', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('intervened', t.bool, (c) => c.notNull().defaultTo(t.false))
    // the channel refunded after the merchant refused: recorded as the channel's decision
    .addColumn('overridden', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('answer', 'text')
    .addColumn('answer_message', 'text')
    .addColumn('answer_state', 'text')
    .addColumn('answer_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('answer_error', 'text')
    .addColumn('channel_modified_at', t.time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('channel_refunds_once', ['shop_id', 'channel_refund_id'])
    .addCheckConstraint(
      'channel_refunds_status',
      sql`status in ('REQUESTED', 'REFUSED', 'INTERVENING', 'AGREED', 'SUCCESS', 'CLOSED')`,
    )
    .addCheckConstraint('channel_refunds_answer', sql`answer is null or answer in ('AGREE', 'REFUSE')`)
    .addCheckConstraint(
      'channel_refunds_answer_state',
      sql`answer_state is null or answer_state in ('PENDING', 'SENT', 'GAVE_UP')`,
    )
    .addCheckConstraint('channel_refunds_intervened', boolCheck(engine, 'intervened'))
    .addCheckConstraint('channel_refunds_overridden', boolCheck(engine, 'overridden'))
    .execute();
  await db.schema.createIndex('channel_refunds_request').on('channel_refunds').column('request_id').execute();
  await db.schema
    .createIndex('channel_refunds_answer_due')
    .on('channel_refunds')
    .columns(['answer_state', 'updated_at'])
    .execute();

  // Every channel message Kameng received (pushes, pulls, polls, 二次校验), forged ones too.
  await db.schema
    .createTable('channel_message_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_at', t.time, (c) => c.notNull())
    .addColumn('verified', t.bool, (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('detail', 'text')
    .addColumn('ip', 'text')
    .addCheckConstraint('channel_message_log_verified', boolCheck(engine, 'verified'))
    .execute();
  await makeAppendOnly(db, 'channel_message_log');
  await db.schema
    .createIndex('channel_message_log_shop')
    .on('channel_message_log')
    .columns(['shop_id', 'received_at'])
    .execute();

  // Failed lookups per address and per order number, in fixed windows (shared by all instances).
  await db.schema
    .createTable('lookup_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', t.time, (c) => c.notNull())
    .addColumn('locked_until', t.time)
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0008_channels cannot be reverted'));
}
