import { sql, type Kysely } from 'kysely';
import { columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

/**
 * Disputes (平台仲裁, spec §9) and merchant accountability: a dispute per escalated refund request,
 * each party's statement (drafts, then one submission that cannot change), the per-unit outcome,
 * and violations with their penalties. A decided dispute is final: the database itself refuses
 * any change to it, its units' outcomes and the submitted statements, whoever asks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const t = columnTypes(engine);

  await db.schema
    .createTable('disputes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('dispute_no', 'text', (c) => c.notNull().unique())
    .addColumn('request_id', 'text', (c) => c.notNull().unique().references('refund_requests.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('buyer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('claim_fen', t.money, (c) => c.notNull())
    .addColumn('evidence_due_at', t.time, (c) => c.notNull())
    .addColumn('decision_due_at', t.time)
    .addColumn('deadline_warnings', t.json)
    .addColumn('buyer_missed_evidence', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('merchant_missed_evidence', t.bool, (c) => c.notNull().defaultTo(t.false))
    .addColumn('outcome', 'text')
    .addColumn('rationale', 'text')
    .addColumn('refund_fen', t.money)
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', t.time)
    // the findings the arbitrator saw when deciding, exactly as shown
    .addColumn('findings_at_decision', t.json)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('disputes_state', sql`state in ('EVIDENCE', 'ARBITRATION', 'DECIDED')`)
    .addCheckConstraint('disputes_opened_by', sql`opened_by in ('BUYER', 'MERCHANT')`)
    .addCheckConstraint('disputes_outcome', sql`outcome is null or outcome in ('BUYER', 'MERCHANT', 'SPLIT')`)
    .addCheckConstraint(
      'disputes_decided',
      sql`(state = 'DECIDED') = (outcome is not null and rationale is not null and decided_at is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('disputes_queue')
    .on('disputes')
    .columns(['state', 'decision_due_at'])
    .execute();
  await db.schema.createIndex('disputes_buyer').on('disputes').columns(['buyer_id', 'created_at']).execute();
  await db.schema
    .createIndex('disputes_merchant')
    .on('disputes')
    .columns(['merchant_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('dispute_units')
    .addColumn('dispute_id', 'text', (c) => c.notNull().references('disputes.id'))
    .addColumn('unit_id', 'text', (c) => c.notNull().references('units.id'))
    .addColumn('amount_fen', t.money, (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addPrimaryKeyConstraint('dispute_units_pk', ['dispute_id', 'unit_id'])
    .addCheckConstraint('dispute_units_outcome', sql`outcome is null or outcome in ('REFUND', 'NO_REFUND')`)
    .execute();

  await db.schema
    .createTable('dispute_statements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('dispute_id', 'text', (c) => c.notNull().references('disputes.id'))
    .addColumn('party', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('files', t.json, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('submitted_at', t.time)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('dispute_statements_party', ['dispute_id', 'party'])
    .addCheckConstraint('dispute_statements_party_kind', sql`party in ('BUYER', 'MERCHANT')`)
    .addCheckConstraint('dispute_statements_state', sql`state in ('DRAFT', 'SUBMITTED')`)
    .execute();

  // Violations are records: written once with their penalties, never changed or removed.
  await db.schema
    .createTable('merchant_violations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('dispute_id', 'text', (c) => c.notNull().references('disputes.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('deposit_fen', t.money, (c) => c.notNull())
    .addColumn('compensated_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addUniqueConstraint('merchant_violations_kind', ['dispute_id', 'kind'])
    .execute();
  await db.schema
    .createIndex('merchant_violations_merchant')
    .on('merchant_violations')
    .columns(['merchant_id', 'created_at'])
    .execute();
  await makeAppendOnly(db, 'merchant_violations');

  // A unit a final arbitration decided not to refund: never offered for a refund again.
  await db.schema.alterTable('units').addColumn('refund_barred_at', t.time).execute();

  // Why a merchant is suspended, shown to the merchant; cleared when an admin reinstates it.
  await db.schema.alterTable('merchants').addColumn('suspended_reason', 'text').execute();
  await db.schema.alterTable('merchants').addColumn('suspended_at', t.time).execute();

  await finalityTriggers(db);
}

/** The database's own guard on finality: decided disputes, their outcomes, submitted statements. */
async function finalityTriggers(db: Kysely<unknown>): Promise<void> {
  const rules: { table: string; name: string; when: string }[] = [
    { table: 'disputes', name: 'disputes_final', when: `old.state = 'DECIDED'` },
    { table: 'dispute_units', name: 'dispute_units_final', when: 'old.outcome is not null' },
    { table: 'dispute_statements', name: 'dispute_statements_final', when: `old.state = 'SUBMITTED'` },
  ];
  if (engineOf(db) === 'postgres') {
    await sql`create or replace function kameng_final() returns trigger language plpgsql as $$
      begin raise exception '% is final', tg_table_name using errcode = 'KM001'; end $$`.execute(db);
    for (const r of rules) {
      await sql`create trigger ${sql.id(`${r.name}_update`)} before update on ${sql.table(r.table)}
        for each row when (${sql.raw(r.when)}) execute function kameng_final()`.execute(db);
      await sql`create trigger ${sql.id(`${r.name}_delete`)} before delete on ${sql.table(r.table)}
        for each row execute function kameng_final()`.execute(db);
    }
  } else {
    for (const r of rules) {
      await sql`create trigger ${sql.id(`${r.name}_update`)} before update on ${sql.table(r.table)}
        when ${sql.raw(r.when)} begin select raise(abort, ${sql.lit(`${r.table} is final`)}); end`.execute(
        db,
      );
      await sql`create trigger ${sql.id(`${r.name}_delete`)} before delete on ${sql.table(r.table)}
        begin select raise(abort, ${sql.lit(`${r.table} is final`)}); end`.execute(db);
    }
  }
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0006_disputes cannot be reverted'));
}
