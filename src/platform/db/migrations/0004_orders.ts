import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

/**
 * Orders, payments, payouts, memberships, deadlines and the sandbox gateways' own records.
 * One `orders` table holds goods orders, 超会 membership purchases and wallet top-ups, so one
 * payment path, one expiry sweeper and one records export serve all three.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  await db.schema
    .alterTable('merchants')
    .addColumn('commission_bp', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_no', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('buyer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('product_id', 'text', (c) => c.references('products.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('unit_price_fen', t.money, (c) => c.notNull())
    .addColumn('total_fen', t.money, (c) => c.notNull())
    .addColumn('buyer_level', 'text', (c) => c.notNull())
    .addColumn('member_price', t.bool, (c) => c.notNull().defaultTo(t.false))
    // snapshot of what the buyer saw and confirmed (goods orders)
    .addColumn('product_name', 'text')
    .addColumn('product_type', 'text')
    .addColumn('face_value_fen', t.money)
    .addColumn('validity_days', 'integer')
    .addColumn('policy_id', 'text', (c) => c.references('refund_policies.id'))
    .addColumn('policy_version', 'integer')
    .addColumn('policy_text_hash', 'text')
    .addColumn('policy_confirmed_at', t.time)
    // membership purchases
    .addColumn('membership_level', 'text')
    .addColumn('membership_term_days', 'integer')
    .addColumn('payment_method', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.time)
    .addColumn('paid_at', t.time)
    .addColumn('delivered_at', t.time)
    .addColumn('settle_after', t.time)
    .addColumn('settled_at', t.time)
    // the merchant's commission rate when the buyer paid: a later change does not reach back
    .addColumn('commission_bp', 'integer')
    .addColumn('commission_fen', t.money)
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('orders_idempotency', ['buyer_id', 'idempotency_key'])
    .addCheckConstraint('orders_kind', sql`kind in ('GOODS', 'MEMBERSHIP', 'TOPUP')`)
    .addCheckConstraint(
      'orders_state',
      sql`state in ('PENDING_PAYMENT', 'DELIVERED', 'EXPIRED', 'CANCELLED', 'REFUNDED')`,
    )
    .addCheckConstraint('orders_method', sql`payment_method in ('BALANCE', 'WECHAT', 'ALIPAY', 'CHANNEL')`)
    .addCheckConstraint(
      'orders_amounts',
      sql`quantity > 0 and unit_price_fen > 0 and total_fen = quantity * unit_price_fen`,
    )
    .addCheckConstraint('orders_member_price', boolCheck(engine, 'member_price'))
    .addCheckConstraint(
      'orders_goods_snapshot',
      sql`kind <> 'GOODS' or (product_id is not null and merchant_id is not null and policy_id is not null
        and policy_text_hash is not null and policy_confirmed_at is not null and product_name is not null)`,
    )
    .addCheckConstraint(
      'orders_membership',
      sql`kind <> 'MEMBERSHIP' or (membership_level in ('VIP', 'SUPER') and membership_term_days > 0)`,
    )
    .addCheckConstraint(
      'orders_delivered',
      sql`state <> 'DELIVERED' or (paid_at is not null and delivered_at is not null)`,
    )
    .execute();
  await db.schema.createIndex('orders_buyer').on('orders').columns(['buyer_id', 'id']).execute();
  await db.schema.createIndex('orders_merchant').on('orders').columns(['merchant_id', 'id']).execute();

  await db.schema
    .alterTable('units')
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    .execute();
  await db.schema.createIndex('units_order').on('units').column('order_id').execute();

  // One payment per order: what Kameng asked the gateway (or the wallet) to collect.
  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey()) // the out_trade_no the gateway sees
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('buyer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('provider_trade_no', 'text')
    .addColumn('payer_ref', 'text')
    .addColumn('pay_url', 'text')
    .addColumn('paid_at', t.time)
    .addColumn('closed_at', t.time)
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('payments_state', sql`state in ('PENDING', 'PAID', 'CLOSED')`)
    .addCheckConstraint('payments_amount', sql`amount_fen > 0`)
    .addCheckConstraint('payments_paid', sql`state <> 'PAID' or paid_at is not null`)
    .execute();

  // Every notification that reached the notify endpoint, verified or not (forgeries are kept).
  await db.schema
    .createTable('payment_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('received_at', t.time, (c) => c.notNull())
    .addColumn('verified', t.bool, (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('detail', 'text')
    .addColumn('ip', 'text')
    .addCheckConstraint('payment_notifications_verified', boolCheck(engine, 'verified'))
    .execute();
  await makeAppendOnly(db, 'payment_notifications');

  // Money going back to a payer. The id is the out_refund_no the gateway sees; a CLOSED payout
  // is retried as a new row pointing at the one it replaces.
  await db.schema
    .createTable('payouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
    .addColumn('buyer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('replaces_id', 'text', (c) => c.references('payouts.id'))
    .addColumn('destination', 'text')
    .addColumn('provider_refund_id', 'text')
    .addColumn('expected_arrival_at', t.time)
    .addColumn('error_code', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('finished_at', t.time)
    .addCheckConstraint('payouts_purpose', sql`purpose in ('LATE_PAYMENT', 'REFUND')`)
    .addCheckConstraint(
      'payouts_state',
      sql`state in ('PENDING', 'PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED')`,
    )
    .addCheckConstraint('payouts_amount', sql`amount_fen > 0`)
    .execute();
  await db.schema.createIndex('payouts_order').on('payouts').column('order_id').execute();
  await db.schema.createIndex('payouts_payment').on('payouts').column('payment_id').execute();
  // The sweeper sends PENDING and asks about PROCESSING payouts, least recently touched first.
  await sql`create index payouts_open on payouts (updated_at) where state in ('PENDING', 'PROCESSING')`.execute(
    db,
  );
  // Order pages and exports read key histories by unit.
  await sql`create index key_events_unit on key_events (unit_id) where unit_id is not null`.execute(db);

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('starts_at', t.time, (c) => c.notNull())
    .addColumn('ends_at', t.time, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('memberships_level', sql`level in ('VIP', 'SUPER')`)
    .addCheckConstraint('memberships_state', sql`state in ('ACTIVE', 'EXPIRED', 'REFUNDED')`)
    .addCheckConstraint('memberships_term', sql`ends_at > starts_at`)
    .execute();
  await db.schema.createIndex('memberships_user').on('memberships').columns(['user_id', 'state']).execute();

  // Deadlines as data: the sweeper claims due OPEN rows and fires each exactly once.
  await db.schema
    .createTable('deadlines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('due_at', t.time, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('fired_at', t.time)
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('deadlines_object', ['kind', 'object_id'])
    .addCheckConstraint('deadlines_state', sql`state in ('OPEN', 'DONE', 'CANCELLED')`)
    .execute();
  await sql`create index deadlines_due on deadlines (due_at) where state = 'OPEN'`.execute(db);

  // ---- The sandbox gateways' side: what "WeChat Pay" / "Alipay" themselves know. ----
  await db.schema
    .createTable('sandbox_gateway_payments')
    .addColumn('id', 'text', (c) => c.primaryKey()) // transaction_id / trade_no
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('out_trade_no', 'text', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('payer_id', 'text')
    .addColumn('refunded_fen', t.money, (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('paid_at', t.time)
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('sandbox_gateway_payments_out', ['provider', 'out_trade_no'])
    .addCheckConstraint('sandbox_gateway_payments_state', sql`state in ('NOTPAY', 'SUCCESS', 'CLOSED')`)
    .addCheckConstraint(
      'sandbox_gateway_payments_refunded',
      sql`refunded_fen >= 0 and refunded_fen <= amount_fen`,
    )
    .execute();

  await db.schema
    .createTable('sandbox_gateway_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey()) // refund_id
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('out_refund_no', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull().references('sandbox_gateway_payments.id'))
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('complete_at', t.time, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('finished_at', t.time)
    .addUniqueConstraint('sandbox_gateway_refunds_out', ['provider', 'out_refund_no'])
    .addCheckConstraint(
      'sandbox_gateway_refunds_state',
      sql`state in ('PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED')`,
    )
    .execute();

  // Per-provider signing material: the gateway's key pair (its private half sealed with the
  // master key, as real credentials would be) and the shared API key (WeChat APIv3 key).
  await db.schema
    .createTable('gateway_credentials')
    .addColumn('provider', 'text', (c) => c.primaryKey())
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('sealed_secrets', t.bytes, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();

  // Notifications the sandbox still has to deliver, retried on a back-off like the real services.
  await db.schema
    .createTable('sandbox_gateway_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extra_deliveries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', t.time, (c) => c.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('delivered_at', t.time)
    .addCheckConstraint('sandbox_gateway_notifications_kind', sql`kind in ('PAYMENT', 'REFUND')`)
    .addCheckConstraint(
      'sandbox_gateway_notifications_state',
      sql`state in ('PENDING', 'DELIVERED', 'GAVE_UP')`,
    )
    .execute();
  await sql`create index sandbox_gateway_notifications_due on sandbox_gateway_notifications (next_attempt_at)
    where state = 'PENDING'`.execute(db);
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0004_orders cannot be reverted'));
}
