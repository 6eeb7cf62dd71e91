import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import { engineOf } from './dialect.js';
import * as m0001 from './migrations/0001_foundation.js';
import * as m0002 from './migrations/0002_inventory.js';
import * as m0003 from './migrations/0003_ledger.js';
import * as m0004 from './migrations/0004_orders.js';
import * as m0005 from './migrations/0005_aftersales.js';
import * as m0006 from './migrations/0006_disputes.js';
import * as m0007 from './migrations/0007_merchant_money.js';
import * as m0008 from './migrations/0008_channels.js';
import * as m0009 from './migrations/0009_sandbox_channels.js';
import * as m0010 from './migrations/0010_account_contact.js';
import * as m0011 from './migrations/0011_rules_version.js';
import * as m0012 from './migrations/0012_user_status.js';
import * as m0013 from './migrations/0013_reveal_budget.js';
import * as m0014 from './migrations/0014_login_known_addresses.js';
import * as m0015 from './migrations/0015_audit_key_batch_owner.js';
import * as m0016 from './migrations/0016_evidence_derivatives.js';
import * as m0018 from './migrations/0018_rate_limits.js';
import * as m0019 from './migrations/0019_scale_indexes.js';

// Migrations are imported statically: FileMigrationProvider cannot load .ts files under vitest.
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_inventory': m0002,
  '0003_ledger': m0003,
  '0004_orders': m0004,
  '0005_aftersales': m0005,
  '0006_disputes': m0006,
  '0007_merchant_money': m0007,
  '0008_channels': m0008,
  '0009_sandbox_channels': m0009,
  '0010_account_contact': m0010,
  '0011_rules_version': m0011,
  '0012_user_status': m0012,
  '0013_reveal_budget': m0013,
  '0014_login_known_addresses': m0014,
  '0015_audit_key_batch_owner': m0015,
  '0016_evidence_derivatives': m0016,
  '0018_rate_limits': m0018,
  '0019_scale_indexes': m0019,
};

export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  // Kysely looks for its own tables in every schema unless told which; name the current one so a
  // database holding several Kameng schemas (tests, staging) migrates each on its own.
  let migrationTableSchema: string | undefined;
  if (engineOf(db) === 'postgres') {
    const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
    migrationTableSchema = rows[0]?.s;
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`Migration ${failed} failed: ${reason}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
