/**
 * The append-only, hash-chained audit log's chain: events are written by the unit of work at its
 * end (see unit-of-work.ts). Each event's hash covers the previous hash, so any edit or deletion
 * breaks the chain and `verifyAuditChain` finds where.
 *
 * The chain is keyed (Stage 9, issue 14 item 8): an event's hash is HMAC-SHA256 under an audit key
 * that the master key wraps (`crypto_keys`, id `audit-…`), and the event records that key's id. Who
 * can write the database but does not hold the master key cannot recompute the chain after deleting
 * or editing an event. `audit_head.key_id` names the key new events use; a rotation
 * (`kameng keys rotate-audit`) starts a new key, and old events stay verifiable under theirs.
 * Events written before migration 0015 have no key id and are verified under the old unkeyed rule
 * (plain SHA-256); once a keyed event exists, an unkeyed event after it is a break.
 * The head is also exported outside the database (audit-head.ts): a recomputed tail no longer
 * matches the hashes written there.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { HmacSha256 } from './crypto.js';
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

/**
 * The audit keys this process holds, by key id (ids are random, so keys of several databases in one
 * process — tests — never collide). Registered by the key vault when it unwraps them.
 */
const auditKeys = new Map<string, HmacSha256>();

export function registerAuditKey(id: string, key: Buffer): void {
  if (!auditKeys.has(id)) auditKeys.set(id, new HmacSha256(key));
}

export const hasAuditKey = (id: string): boolean => auditKeys.has(id);

/**
 * Loads a stored audit key this process has not seen: another process (`kameng keys rotate-audit`,
 * another instance) may have started a new key since this one read its keys at start. Set by the
 * key vault; reads through the caller's transaction.
 */
type AuditKeyLoader = (db: Db, id: string) => Promise<Buffer | null>;
let loader: AuditKeyLoader | null = null;

export function setAuditKeyLoader(load: AuditKeyLoader): void {
  loader = load;
}

/** Makes sure the key `id` is registered, loading it from the database if it is stored there. */
async function ensureAuditKey(db: Db, id: string | null): Promise<void> {
  if (id === null || auditKeys.has(id) || !loader) return;
  // a key that cannot be unwrapped stays unloaded: writing fails with AuditKeyMissing, verify
  // reports the key as not loaded
  const key = await loader(db, id).catch(() => null);
  if (key) registerAuditKey(id, key);
}

export class AuditKeyMissing extends Error {
  constructor(readonly keyId: string) {
    super(`audit key ${keyId} is not loaded in this process (start through boot with the master key)`);
    this.name = 'AuditKeyMissing';
  }
}

function chainHash(prevHash: string, f: HashedFields, keyId: string | null): string {
  const fields = [f.seq, f.id, f.at, f.actor_id, f.actor_role, f.action, f.object_type, f.object_id, f.data];
  if (keyId === null)
    // the rule of events written before migration 0015: plain SHA-256, no key
    return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
  const key = auditKeys.get(keyId);
  if (!key) throw new AuditKeyMissing(keyId);
  return key.digest(`${prevHash}\n${canonicalJson([...fields, keyId])}`).toString('hex');
}

/** Chains events onto the log: called by the unit of work at its end, in its transaction. */
export async function writeAuditEvents(trx: Db, inputs: readonly AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  // The head row serialises writers on PostgreSQL (row lock); SQLite has one writer anyway.
  const head = await forUpdate(
    trx.selectFrom('audit_head').select(['seq', 'hash', 'key_id']).where('id', '=', 1),
    engineOf(trx),
  ).executeTakeFirstOrThrow();
  let { seq, hash } = head;
  const keyId = head.key_id;
  await ensureAuditKey(trx, keyId);
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
    const next = chainHash(hash, fields, keyId);
    const row = { ...fields, prev_hash: hash, hash: next, key_id: keyId };
    seq = fields.seq;
    hash = next;
    return row;
  });
  const moveHead = trx.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1);
  const last = Math.floor((rows.length - 1) / 200) * 200;
  for (let i = 0; i < last; i += 200)
    await trx
      .insertInto('audit_events')
      .values(rows.slice(i, i + 200))
      .execute();
  const insertLast = trx.insertInto('audit_events').values(rows.slice(last));
  if (engineOf(trx) === 'postgres')
    // one round trip for the last events and the head: the head's row lock is held that much shorter
    await sql`with e as (${insertLast}) ${moveHead}`.execute(trx);
  else {
    await insertLast.execute();
    await moveHead.execute();
  }
}

export interface ChainReport {
  ok: boolean;
  count: number;
  brokenAtSeq: number | null;
  /** Why the chain is broken, when it is (zh-CN / en). */
  reason?: string;
  /** The last event written under the old unkeyed rule (0: the whole chain is keyed). */
  unkeyedUpTo?: number;
  /** The hash of the event at each requested seq, for checking an exported head (audit-head.ts). */
  hashesAt?: Map<number, string>;
}

/**
 * Walks the chain in seq order, `batch` rows at a time (memory stays flat). `want`: seqs whose
 * hash the caller wants back (the exported head's lines).
 */
export async function verifyAuditChain(
  db: Db,
  batch = 1000,
  want: ReadonlySet<number> = new Set(),
): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let keyedSeen = false;
  let unkeyedUpTo = 0;
  const hashesAt = new Map<number, string>();
  const broken = (reason: string): ChainReport => ({
    ok: false,
    count: expectedSeq - 1,
    brokenAtSeq: expectedSeq,
    reason,
    unkeyedUpTo,
    hashesAt,
  });
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(batch)
      .execute();
    for (const row of rows) {
      if (row.seq !== expectedSeq) return broken('事件缺失 / an event is missing');
      if (row.prev_hash !== prev) return broken('前一哈希不符 / prev_hash does not match');
      if (row.key_id === null && keyedSeen)
        return broken('带密钥的事件之后出现无密钥事件 / an unkeyed event after keyed ones');
      await ensureAuditKey(db, row.key_id);
      if (row.key_id !== null && !auditKeys.has(row.key_id))
        return broken(`审计密钥未加载 / audit key ${row.key_id} is not loaded`);
      if (chainHash(prev, row, row.key_id) !== row.hash)
        return broken('哈希不符（事件被修改或重算）/ hash does not match (edited or recomputed)');
      if (row.key_id === null) unkeyedUpTo = row.seq;
      else keyedSeen = true;
      if (want.has(row.seq)) hashesAt.set(row.seq, row.hash);
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
  return {
    ok: headOk,
    count: expectedSeq - 1,
    brokenAtSeq: headOk ? null : expectedSeq,
    ...(headOk ? {} : { reason: '链头不符 / audit_head does not match the last event' }),
    unkeyedUpTo,
    hashesAt,
  };
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
