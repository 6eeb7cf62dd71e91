/**
 * The append-only, hash-chained audit log's chain: events are written by the unit of work at its
 * end (see unit-of-work.ts). Each event's hash covers the previous hash, so any edit or deletion
 * breaks the chain and `verifyAuditChain` finds where.
 */
import { createHash } from 'node:crypto';
import { actorLabel, type Actor } from './actor.js';
import { engineOf, forUpdate, now, type Db } from './db/dialect.js';
import { newId } from './ids.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: Actor;
  action: string;
  objectType: string;
  objectId: string;
  data?: Record<string, unknown>;
  at: Date;
}

/** JSON with object keys sorted, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      return Object.fromEntries(entries);
    }
    return v;
  });
}

interface HashedFields {
  seq: number;
  id: string;
  at: string;
  actor_id: string | null;
  actor_role: string;
  action: string;
  object_type: string;
  object_id: string;
  data: string;
}

function chainHash(prevHash: string, f: HashedFields): string {
  const body = canonicalJson([
    f.seq,
    f.id,
    f.at,
    f.actor_id,
    f.actor_role,
    f.action,
    f.object_type,
    f.object_id,
    f.data,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** Chains events onto the log: called by the unit of work at its end, in its transaction. */
export async function writeAuditEvents(trx: Db, inputs: readonly AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  // The head row serialises writers on PostgreSQL (row lock); SQLite has one writer anyway.
  const head = await forUpdate(
    trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1),
    engineOf(trx),
  ).executeTakeFirstOrThrow();
  let { seq, hash } = head;
  const rows = inputs.map((input) => {
    const actor = actorLabel(input.actor);
    const fields: HashedFields = {
      seq: seq + 1,
      id: newId(),
      at: now(input.at),
      actor_id: actor.id,
      actor_role: actor.role,
      action: input.action,
      object_type: input.objectType,
      object_id: input.objectId,
      data: canonicalJson(input.data ?? {}),
    };
    const next = chainHash(hash, fields);
    const row = { ...fields, prev_hash: hash, hash: next };
    seq = fields.seq;
    hash = next;
    return row;
  });
  for (let i = 0; i < rows.length; i += 200)
    await trx
      .insertInto('audit_events')
      .values(rows.slice(i, i + 200))
      .execute();
  await trx.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1).execute();
}

export interface ChainReport {
  ok: boolean;
  count: number;
  brokenAtSeq: number | null;
}

export async function verifyAuditChain(db: Db, batch = 1000): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(batch)
      .execute();
    for (const row of rows) {
      if (row.seq !== expectedSeq || row.prev_hash !== prev || chainHash(prev, row) !== row.hash) {
        return { ok: false, count: expectedSeq - 1, brokenAtSeq: expectedSeq };
      }
      prev = row.hash;
      expectedSeq++;
    }
    if (rows.length < batch) break;
  }
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  const headOk = head.seq === expectedSeq - 1 && head.hash === prev;
  return { ok: headOk, count: expectedSeq - 1, brokenAtSeq: headOk ? null : expectedSeq };
}

export async function auditTrail(db: Db, objectType: string, objectId: string) {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('object_type', '=', objectType)
    .where('object_id', '=', objectId)
    .orderBy('seq')
    .execute();
}
