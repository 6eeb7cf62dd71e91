/**
 * Append-only, hash-chained audit log. Every state change writes its event through `appendAudit`
 * inside the same transaction as the change. Each event's hash covers the previous hash, so any
 * edit or deletion breaks the chain and `verifyAuditChain` finds where.
 */
import { createHash } from 'node:crypto';
import { actorLabel, type Actor } from '../../platform/actor.js';
import { engineOf, forUpdate, now, type Db } from '../../platform/db/dialect.js';
import { writeTransaction } from '../../platform/db/group-commit.js';
import { newId } from '../../platform/ids.js';

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

/** Transactions whose events are buffered and written together just before they commit. */
const deferred = new WeakMap<object, AuditInput[]>();

/**
 * Runs `fn` in a write transaction (group-committed on SQLite, see group-commit.ts) whose audit
 * events are chained and written together at its end.
 * The chain head is one row, so on PostgreSQL its lock serialises writers from their first event
 * until commit; deferring the events shortens that to the last three statements of the
 * transaction. Used by the hot paths (checkout, payment notifications).
 */
export function withDeferredAudit<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  // Inside a transaction already: its events go wherever that transaction's go.
  if (db.isTransaction) return fn(db);
  return writeTransaction(db, async (trx) => {
    const buffer: AuditInput[] = [];
    deferred.set(trx, buffer);
    const result = await fn(trx);
    deferred.delete(trx);
    await writeEvents(trx, buffer);
    return result;
  });
}

/** Must be called with the transaction of the state change it records. */
export async function appendAudit(trx: Db, input: AuditInput): Promise<void> {
  // Outside a transaction the head lock would end at once and the event would not commit with its change.
  if (!trx.isTransaction)
    throw new Error('appendAudit must run inside the transaction of the change it records');
  const buffer = deferred.get(trx);
  if (buffer) {
    buffer.push(input);
    return;
  }
  await writeEvents(trx, [input]);
}

async function writeEvents(trx: Db, inputs: AuditInput[]): Promise<void> {
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
