import type { Kysely } from 'kysely';
import { columnTypes, engineOf, makeAppendOnly } from '../dialect.js';

/**
 * Shareable copies of evidence images (Stage 9): the stored original keeps its SHA-256 for its
 * author and the record's integrity; everyone else is given this copy, the same pixels with the
 * location and device metadata removed, under its own SHA-256. One row per original, never
 * changed (docs/adr/0011-evidence-metadata.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(engineOf(db));
  await db.schema
    .createTable('evidence_derivatives')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('derived_sha256', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute();
  await makeAppendOnly(db, 'evidence_derivatives');
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0016_evidence_derivatives cannot be reverted'));
}
