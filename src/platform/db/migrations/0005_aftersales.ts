import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

/**
 * After-sales (spec §6–§8): refund requests over chosen units, their evidence (the buyer's files
 * and the platform's own records), the order conversation, in-app notifications with an e-mail/SMS
 * outbox, and support alerts. Deadlines of requests live in the existing `deadlines` table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  // A merchant's payable balance may go negative: a refund after settlement that its balance and
  // deposit do not cover is still paid to the buyer, and becomes the merchant's debt.
  await sql`update ledger_accounts set allow_negative = ${t.true} where kind = 'MERCHANT_PAYABLE'`.execute(
    db,
  );

  // Where e-mail and SMS notifications go (optional; in-app notifications need neither).
  await db.schema.alterTable('users').addColumn('email', 'text').execute();
  await db.schema.alterTable('users').addColumn('phone', 'text').execute();

  // A refunded unit stays refunded: the rules never offer it again.
  await db.schema.alterTable('units').addColumn('refunded_at', t.time).execute();
  await db.schema.alterTable('payouts').addColumn('refund_request_id', 'text').execute();
  await db.schema.createIndex('payouts_request').on('payouts').column('refund_request_id').execute();

  await db.schema
    .createTable('refund_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_no', 'text', (c) => c.notNull().unique())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('buyer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('scope', 'text', (c) => c.notNull()) // FULL: every unit of the order; PARTIAL: some
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    // who reviews now: the merchant, or platform support once the merchant's deadline has passed
    .addColumn('reviewer', 'text', (c) => c.notNull())
    .addColumn('submissions', 'integer', (c) => c.notNull().defaultTo(1))
    // deadlines, stored when each phase begins (a later calendar change does not move them)
    .addColumn('review_due_at', t.time)
    .addColumn('supplement_due_at', t.time)
    .addColumn('escalation_due_at', t.time)
    .addColumn('deadline_warnings', t.json) // calendar warnings when counted beyond known data
    // the eligibility answer at the latest submission (codes and explanations), for reviewers
    .addColumn('eligibility', t.json, (c) => c.notNull())
    .addColumn('auto_approvable', t.bool, (c) => c.notNull())
    .addColumn('large', t.bool, (c) => c.notNull())
    .addColumn('info_request', 'text') // what the reviewer asked for (待补充材料)
    .addColumn('decision_code', 'text')
    .addColumn('decision_note', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_role', 'text')
    .addColumn('decided_at', t.time)
    // a rejection the order's own records contradict: allowed, but shown to everyone afterwards
    .addColumn('decision_warnings', t.json)
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('closed_at', t.time)
    .addUniqueConstraint('refund_requests_idempotency', ['buyer_id', 'idempotency_key'])
    .addCheckConstraint('refund_requests_scope', sql`scope in ('FULL', 'PARTIAL')`)
    .addCheckConstraint(
      'refund_requests_state',
      sql`state in ('PENDING_REVIEW', 'SUPPORT_REVIEW', 'AWAITING_BUYER', 'APPROVED', 'REFUNDING', 'REFUNDED',
        'REFUND_ABNORMAL', 'REJECTED', 'DISPUTED', 'CANCELLED', 'CLOSED')`,
    )
    .addCheckConstraint('refund_requests_reviewer', sql`reviewer in ('MERCHANT', 'SUPPORT')`)
    .addCheckConstraint('refund_requests_amount', sql`amount_fen > 0`)
    .addCheckConstraint('refund_requests_submissions', sql`submissions >= 1`)
    .addCheckConstraint('refund_requests_auto', boolCheck(engine, 'auto_approvable'))
    .addCheckConstraint('refund_requests_large', boolCheck(engine, 'large'))
    .execute();
  await db.schema.createIndex('refund_requests_order').on('refund_requests').column('order_id').execute();
  await db.schema
    .createIndex('refund_requests_buyer')
    .on('refund_requests')
    .columns(['buyer_id', 'created_at'])
    .execute();
  // The merchant's and support's queues: open requests by deadline.
  await sql`create index refund_requests_queue on refund_requests (merchant_id, review_due_at)
    where state in ('PENDING_REVIEW', 'SUPPORT_REVIEW', 'AWAITING_BUYER')`.execute(db);

  // Units of a request. `released_at` is set when the request ends; until then the partial unique
  // index keeps a unit out of any other request (spec §7: one open request per unit).
  await db.schema
    .createTable('refund_request_units')
    .addColumn('request_id', 'text', (c) => c.notNull().references('refund_requests.id'))
    .addColumn('unit_id', 'text', (c) => c.notNull().references('units.id'))
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('released_at', t.time)
    .addPrimaryKeyConstraint('refund_request_units_pk', ['request_id', 'unit_id'])
    .addCheckConstraint('refund_request_units_amount', sql`amount_fen > 0`)
    .execute();
  await sql`create unique index refund_request_units_open on refund_request_units (unit_id)
    where released_at is null`.execute(db);

  // Evidence: the buyer's and reviewer's files (content-addressed by SHA-256) and the platform's
  // own records (system evidence, generated from the database when the request is submitted).
  await db.schema
    .createTable('refund_evidence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('refund_requests.id'))
    .addColumn('submission', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull()) // BUYER, MERCHANT, SUPPORT, SYSTEM
    .addColumn('uploaded_by', 'text')
    .addColumn('kind', 'text', (c) => c.notNull()) // FILE, or the system record's kind
    .addColumn('sha256', 'text')
    .addColumn('mime', 'text')
    .addColumn('file_name', 'text')
    .addColumn('size', 'integer')
    .addColumn('signals', t.json)
    .addColumn('content', t.json) // system evidence: the record itself
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint('refund_evidence_source', sql`source in ('BUYER', 'MERCHANT', 'SUPPORT', 'SYSTEM')`)
    .addCheckConstraint(
      'refund_evidence_shape',
      sql`(kind = 'FILE' and sha256 is not null) or (kind <> 'FILE' and content is not null)`,
    )
    .execute();
  await db.schema.createIndex('refund_evidence_request').on('refund_evidence').column('request_id').execute();
  await makeAppendOnly(db, 'refund_evidence');

  // Who uploaded which stored file: a request or message may name only its author's uploads
  // (content-addressed storage would otherwise let anyone who learns a hash reuse the file).
  await db.schema
    .createTable('evidence_uploads')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('evidence_uploads_pk', ['sha256', 'user_id'])
    .execute();

  // 沟通记录: one conversation per order; messages are never edited or deleted.
  await db.schema
    .createTable('conversation_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('sender_role', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('mime', 'text')
    .addColumn('file_name', 'text')
    .addColumn('signals', t.json)
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint('conversation_messages_role', sql`sender_role in ('buyer', 'merchant', 'support')`)
    .execute();
  await db.schema
    .createIndex('conversation_messages_order')
    .on('conversation_messages')
    .columns(['order_id', 'id'])
    .execute();
  await makeAppendOnly(db, 'conversation_messages');
  await db.schema
    .createTable('conversation_reads')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('last_read_id', 'text', (c) => c.notNull())
    .addColumn('read_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_reads_pk', ['order_id', 'user_id'])
    .execute();

  // In-app notification centre, and the outbox the sweeper drains to e-mail and SMS.
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title_zh', 'text', (c) => c.notNull())
    .addColumn('title_en', 'text', (c) => c.notNull())
    .addColumn('body_zh', 'text', (c) => c.notNull())
    .addColumn('body_en', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('object_type', 'text')
    .addColumn('object_id', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('read_at', t.time)
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'id']).execute();
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('sent_at', t.time)
    .addCheckConstraint('outbox_channel', sql`channel in ('EMAIL', 'SMS')`)
    .addCheckConstraint('outbox_state', sql`state in ('PENDING', 'SENT', 'FAILED')`)
    .execute();
  await sql`create index outbox_pending on outbox (created_at) where state = 'PENDING'`.execute(db);

  // Support's work list beside timed-out reviews: abnormal payouts and late payouts (到账延迟).
  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('data', t.json, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('resolved_at', t.time)
    .addColumn('resolved_by', 'text')
    .addColumn('resolution', 'text')
    .execute();
  // One open alert per (kind, object); once resolved, the same thing can alert again.
  await sql`create unique index alerts_object on alerts (kind, object_id) where resolved_at is null`.execute(
    db,
  );
  await sql`create index alerts_open on alerts (created_at) where resolved_at is null`.execute(db);
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0005_aftersales cannot be reverted'));
}
