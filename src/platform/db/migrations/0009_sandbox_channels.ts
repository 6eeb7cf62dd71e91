import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf } from '../dialect.js';

/**
 * The sandbox channels (Stage 7): what simulated Taobao, Pinduoduo and 闲鱼 shops keep on their
 * side — shops with their app credentials (secret and session sealed by the key vault), items,
 * buyer orders, refunds, and the messages the channel sends (PDD/闲鱼 pushes, Taobao TMC
 * messages waiting to be consumed, 闲鱼's 二次校验 requests). Kameng sees none of this except
 * through the connectors, as it would see the real services.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  await db.schema
    .createTable('sandbox_channel_shops')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // the seller / mall / authorize id the channel knows the shop by
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('app_key', 'text', (c) => c.notNull().unique())
    // { appSecret, sessionKey } sealed by the vault, bound to this row's id
    .addColumn('sealed_secrets', t.bytes, (c) => c.notNull())
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('notify_url', 'text')
    .addColumn('subscribed_at', t.time)
    .addColumn('down', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('push_delay_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    // channel-side deadlines: the seller's answer, the buyer's move after a refusal, auto-confirm
    .addColumn('seller_answer_seconds', 'integer', (c) => c.notNull())
    .addColumn('buyer_response_seconds', 'integer', (c) => c.notNull())
    .addColumn('auto_confirm_seconds', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('sandbox_channel_shops_seller', ['channel', 'seller_id'])
    .addCheckConstraint('sandbox_channel_shops_channel', sql`channel in ('TAOBAO', 'PDD', 'XIANYU')`)
    .addCheckConstraint('sandbox_channel_shops_down', boolCheck(engine, 'down'))
    .addCheckConstraint(
      'sandbox_channel_shops_durations',
      sql`push_delay_seconds >= 0 and seller_answer_seconds > 0 and buyer_response_seconds > 0 and auto_confirm_seconds > 0`,
    )
    .execute();
  await db.schema
    .createIndex('sandbox_channel_shops_owner')
    .on('sandbox_channel_shops')
    .column('owner_user_id')
    .execute();

  await db.schema
    .createTable('sandbox_channel_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text', (c) => c.notNull().references('sandbox_channel_shops.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('price_fen', t.money, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint('sandbox_channel_items_price', sql`price_fen > 0`)
    .execute();
  await db.schema
    .createIndex('sandbox_channel_items_shop')
    .on('sandbox_channel_items')
    .column('shop_id')
    .execute();

  // A buyer's paid order (the sandbox has no unpaid orders: Kameng only ever sees paid ones).
  await db.schema
    .createTable('sandbox_channel_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text', (c) => c.notNull().references('sandbox_channel_shops.id'))
    .addColumn('item_id', 'text', (c) => c.notNull().references('sandbox_channel_items.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('unit_price_fen', t.money, (c) => c.notNull())
    .addColumn('total_fen', t.money, (c) => c.notNull())
    .addColumn('buyer_nick', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('refunded_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('close_reason', 'text')
    .addColumn('paid_at', t.time, (c) => c.notNull())
    .addColumn('shipped_at', t.time)
    .addColumn('finished_at', t.time)
    .addColumn('closed_at', t.time)
    .addColumn('auto_finish_at', t.time)
    // what Kameng sent when it "shipped": the message the buyer sees, or why it could not deliver
    .addColumn('delivery_ok', t.bool)
    .addColumn('delivery_message', 'text')
    .addColumn('delivery_fail_reason', 'text')
    .addColumn('delivery_out_id', 'text')
    .addColumn('delivered_at', t.time)
    .addColumn('modified_at', t.time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint(
      'sandbox_channel_orders_state',
      sql`state in ('PAID', 'SHIPPED', 'FINISHED', 'CLOSED')`,
    )
    .addCheckConstraint(
      'sandbox_channel_orders_amounts',
      sql`quantity > 0 and unit_price_fen > 0 and total_fen = unit_price_fen * quantity and refunded_quantity between 0 and quantity`,
    )
    .addCheckConstraint(
      'sandbox_channel_orders_delivery_ok',
      sql`delivery_ok is null or ${boolCheck(engine, 'delivery_ok')}`,
    )
    .execute();
  await db.schema
    .createIndex('sandbox_channel_orders_modified')
    .on('sandbox_channel_orders')
    .columns(['shop_id', 'modified_at'])
    .execute();
  await db.schema
    .createIndex('sandbox_channel_orders_auto_finish')
    .on('sandbox_channel_orders')
    .columns(['state', 'auto_finish_at'])
    .execute();

  await db.schema
    .createTable('sandbox_channel_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text', (c) => c.notNull().references('sandbox_channel_shops.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('sandbox_channel_orders.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    // the buyer asked the channel's staff (小二介入 / 平台介入): APPLIED until they decide
    .addColumn('intervention', 'text', (c) => c.notNull().defaultTo('NONE'))
    .addColumn('phase', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('seller_message', 'text')
    .addColumn('answer_out_id', 'text')
    // 闲鱼's 二次校验 of the supplier before a refund is agreed
    .addColumn('check_state', 'text', (c) => c.notNull().defaultTo('NONE'))
    .addColumn('check_message', 'text')
    // the deadline of whoever must move next (seller's answer, buyer after a refusal, payout)
    .addColumn('due_at', t.time)
    .addColumn('finished_at', t.time)
    .addColumn('modified_at', t.time, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint(
      'sandbox_channel_refunds_state',
      sql`state in ('WAIT_SELLER', 'REFUSED', 'AGREED', 'SUCCESS', 'CLOSED')`,
    )
    .addCheckConstraint(
      'sandbox_channel_refunds_intervention',
      sql`intervention in ('NONE', 'APPLIED', 'DECIDED')`,
    )
    .addCheckConstraint(
      'sandbox_channel_refunds_check',
      sql`check_state in ('NONE', 'PENDING', 'REFUNDABLE', 'NOT_REFUNDABLE', 'FAILED')`,
    )
    .addCheckConstraint(
      'sandbox_channel_refunds_decided_by',
      sql`decided_by is null or decided_by in ('SELLER', 'CHANNEL', 'BUYER', 'TIMEOUT')`,
    )
    .addCheckConstraint(
      'sandbox_channel_refunds_phase',
      sql`phase is null or phase in ('ONSALE', 'AFTERSALE')`,
    )
    .addCheckConstraint('sandbox_channel_refunds_amounts', sql`quantity > 0 and amount_fen > 0`)
    .execute();
  // One open refund per order at a time, as the channels allow.
  await db.schema
    .createIndex('sandbox_channel_refunds_one_open')
    .on('sandbox_channel_refunds')
    .column('order_id')
    .unique()
    .where(sql.ref('state'), 'in', ['WAIT_SELLER', 'REFUSED', 'AGREED'])
    .execute();
  await db.schema
    .createIndex('sandbox_channel_refunds_modified')
    .on('sandbox_channel_refunds')
    .columns(['shop_id', 'modified_at'])
    .execute();
  await db.schema
    .createIndex('sandbox_channel_refunds_due')
    .on('sandbox_channel_refunds')
    .columns(['state', 'due_at'])
    .execute();

  // What the channel sends: pushes (PDD, 闲鱼), TMC messages (Taobao: pulled, then confirmed) and
  // 二次校验 requests (闲鱼). The payload is the snapshot at the time of the event, so a late or
  // repeated copy carries what it carried then.
  await db.schema
    .createTable('sandbox_channel_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shop_id', 'text', (c) => c.notNull().references('sandbox_channel_shops.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('copy_of', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', t.time, (c) => c.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('last_reply', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('delivered_at', t.time)
    .addCheckConstraint('sandbox_channel_messages_kind', sql`kind in ('PUSH', 'TMC', 'CHECK')`)
    .addCheckConstraint('sandbox_channel_messages_target', sql`target_type in ('ORDER', 'REFUND')`)
    .addCheckConstraint(
      'sandbox_channel_messages_state',
      sql`state in ('PENDING', 'DELIVERED', 'CONFIRMED', 'GAVE_UP', 'LOST')`,
    )
    .execute();
  await db.schema
    .createIndex('sandbox_channel_messages_due')
    .on('sandbox_channel_messages')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('sandbox_channel_messages_shop')
    .on('sandbox_channel_messages')
    .columns(['shop_id', 'created_at'])
    .execute();
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0009_sandbox_channels cannot be reverted'));
}
