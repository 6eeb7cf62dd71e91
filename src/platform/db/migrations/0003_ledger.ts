import { sql, type Kysely } from 'kysely';
import { boolCheck, columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

export const ACCOUNT_KINDS = [
  'WALLET', // a buyer's prepaid balance (余额)
  'MERCHANT_PAYABLE', // what the platform owes a merchant
  'MERCHANT_DEPOSIT', // a merchant's 保证金
  'ESCROW', // order money held until settlement
  'PLATFORM_REVENUE', // commission
  'GATEWAY_CLEARING', // money in transit at WeChat Pay / Alipay / a channel (may go negative)
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);
  const kinds = sql.raw(`(${ACCOUNT_KINDS.map((k) => `'${k}'`).join(', ')})`);

  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('balance_fen', t.money, (c) => c.notNull().defaultTo(0))
    .addColumn('allow_negative', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('ledger_accounts_owner', ['kind', 'owner_id'])
    .addCheckConstraint('ledger_accounts_kind', sql`kind in ${kinds}`)
    .addCheckConstraint('ledger_accounts_bool', boolCheck(engine, 'allow_negative'))
    // the balance can only go below zero for accounts that are allowed to (gateway clearing)
    .addCheckConstraint('ledger_accounts_non_negative', sql`allow_negative = ${t.true} or balance_fen >= 0`)
    .execute();

  await db.schema
    .createTable('ledger_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reference_type', 'text', (c) => c.notNull())
    .addColumn('reference_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ledger_transactions_ref')
    .on('ledger_transactions')
    .columns(['reference_type', 'reference_id'])
    .execute();

  await db.schema
    .createTable('ledger_postings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ledger_transactions.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint('ledger_postings_nonzero', sql`amount_fen <> 0`)
    .execute();
  await db.schema.createIndex('ledger_postings_account').on('ledger_postings').column('account_id').execute();
  await db.schema
    .createIndex('ledger_postings_transaction')
    .on('ledger_postings')
    .column('transaction_id')
    .execute();
  await makeAppendOnly(db, 'ledger_transactions');
  await makeAppendOnly(db, 'ledger_postings');
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0003_ledger cannot be reverted'));
}
