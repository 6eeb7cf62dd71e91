import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

/**
 * Merchant money (Stage 6): a merchant adds to its 保证金 deposit from its payable balance, and
 * withdraws its payable balance to a bank account through a bank payout. The bank's own records
 * (the sandbox bank: transfers and the result notices it sends) live in `sandbox_bank_*`, as the
 * sandbox gateways' do in `sandbox_gateway_*`. Bank account numbers are never stored in clear:
 * sealed through the key vault, shown masked.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  // A deposit top-up: one balanced movement, payable → deposit, recorded once per Idempotency-Key.
  await db.schema
    .createTable('deposit_topups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('deposit_topups_idempotency', ['merchant_id', 'idempotency_key'])
    .addCheckConstraint('deposit_topups_amount', sql`amount_fen > 0`)
    .addCheckConstraint('deposit_topups_source', sql`source in ('PAYABLE')`)
    .execute();
  await makeAppendOnly(db, 'deposit_topups');

  // The withdrawal aggregate (REQUESTED → PROCESSING → PAID | FAILED). Its id is the
  // out_transfer_no the bank sees, so every retry of the transfer call reuses it.
  await db.schema
    .createTable('withdrawals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('withdrawal_no', 'text', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('requested_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('bank', 'text', (c) => c.notNull())
    .addColumn('bank_name', 'text')
    .addColumn('account_name', 'text', (c) => c.notNull())
    .addColumn('account_masked', 'text', (c) => c.notNull())
    // the full number, sealed under the vault's data key and bound to this row's id (AAD)
    .addColumn('account_sealed', t.bytes, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('bank_ref', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('submitted_at', t.time)
    .addColumn('finished_at', t.time)
    .addUniqueConstraint('withdrawals_idempotency', ['merchant_id', 'idempotency_key'])
    .addCheckConstraint('withdrawals_amount', sql`amount_fen > 0`)
    .addCheckConstraint('withdrawals_state', sql`state in ('REQUESTED', 'PROCESSING', 'PAID', 'FAILED')`)
    .addCheckConstraint(
      'withdrawals_finished',
      sql`state in ('REQUESTED', 'PROCESSING') or finished_at is not null`,
    )
    .execute();
  await db.schema
    .createIndex('withdrawals_merchant')
    .on('withdrawals')
    .columns(['merchant_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('withdrawals_state')
    .on('withdrawals')
    .columns(['state', 'updated_at'])
    .execute();

  // The sandbox bank's own records of transfers it was asked to make (what a real bank keeps).
  // No account number in clear here either: the outcome is decided from it when the transfer is
  // made, and only the masked number is kept.
  await db.schema
    .createTable('sandbox_bank_transfers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('bank', 'text', (c) => c.notNull())
    .addColumn('out_transfer_no', 'text', (c) => c.notNull())
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('account_masked', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('failure_code', 'text')
    // how many copies of the result notice go out (0: the notice is lost; 2: a duplicate follows)
    .addColumn('notices', 'integer', (c) => c.notNull())
    .addColumn('complete_at', t.time, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('finished_at', t.time)
    .addUniqueConstraint('sandbox_bank_transfers_out', ['bank', 'out_transfer_no'])
    .addCheckConstraint('sandbox_bank_transfers_state', sql`state in ('PROCESSING', 'SUCCESS', 'FAILED')`)
    .addCheckConstraint('sandbox_bank_transfers_outcome', sql`outcome in ('SUCCESS', 'FAILED')`)
    .addCheckConstraint('sandbox_bank_transfers_amount', sql`amount_fen > 0`)
    .execute();
  await db.schema
    .createIndex('sandbox_bank_transfers_due')
    .on('sandbox_bank_transfers')
    .columns(['state', 'complete_at'])
    .execute();

  // The sandbox bank's outgoing result notices, delivered with retries and duplicates.
  await db.schema
    .createTable('sandbox_bank_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('bank', 'text', (c) => c.notNull())
    .addColumn('transfer_id', 'text', (c) => c.notNull().references('sandbox_bank_transfers.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extra_deliveries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', t.time, (c) => c.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('delivered_at', t.time)
    .addCheckConstraint('sandbox_bank_notices_state', sql`state in ('PENDING', 'DELIVERED', 'GAVE_UP')`)
    .execute();
  await db.schema
    .createIndex('sandbox_bank_notices_due')
    .on('sandbox_bank_notices')
    .columns(['state', 'next_attempt_at'])
    .execute();

  // Every bank notice Kameng received, forged ones too (append-only).
  await db.schema
    .createTable('bank_notice_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('bank', 'text', (c) => c.notNull())
    .addColumn('received_at', t.time, (c) => c.notNull())
    .addColumn('verified', t.bool, (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('detail', 'text')
    .addColumn('ip', 'text')
    .addCheckConstraint('bank_notice_log_verified', boolCheck(engine, 'verified'))
    .execute();
  await makeAppendOnly(db, 'bank_notice_log');
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0007_merchant_money cannot be reverted'));
}
