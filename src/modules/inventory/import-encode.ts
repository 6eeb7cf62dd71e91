/**
 * The pure halves of a key import, no database:
 * - `parseChunks` (main thread) parses the stream into chunks of CHUNK_LINES lines — one
 *   transaction each — and gives every key its ordered id (UUIDv7, so ids follow file order
 *   whichever thread encrypts them);
 * - `encodeTask` (a worker thread of import-pool.ts, or in-process for a small chunk) hashes,
 *   masks and encrypts up to TASK_KEYS keys into one transferable buffer;
 * - `decodeTask` turns that buffer back into ready-to-insert rows (views, no copies).
 */
import { now } from '../../platform/db/dialect.js';
import { HmacSha256 } from '../../platform/crypto.js';
import { newOrderedId } from '../../platform/ids.js';
import { sealSecret } from '../../platform/vault.js';
import { lookupHmac, secretHmac } from './key-hashes.js';
import { maskSerial, parseKeyStream, type ImportFormat, type ProductType } from './parse.js';

/** Lines per transaction: each chunk's keys, rejects, counters and audit event commit together. */
export const CHUNK_LINES = 10_000;
/** Keys per worker task: large enough that messaging is negligible, small enough to spread. */
export const TASK_KEYS = 2_500;

/** A key with no card number is all secret: show only its last four characters. */
export function maskSecretOnly(secret: string): string {
  const chars = [...secret];
  const shown = chars.length >= 12 ? 4 : chars.length >= 8 ? 2 : 0;
  return `${'*'.repeat(Math.max(4, chars.length - shown))}${chars.slice(chars.length - shown).join('')}`;
}
export const KEY_COLUMNS = [
  'id',
  'product_id',
  'merchant_id',
  'batch_id',
  'line_no',
  'state',
  'serial_masked',
  'lookup_hmac',
  'secret_hmac',
  'data_key_id',
  'ciphertext',
  'activated_before_delivery',
  'version',
  'created_at',
  'updated_at',
] as const;
/** PostgreSQL types of KEY_COLUMNS, for the one-statement `unnest` insert. */
export const KEY_COLUMN_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'integer',
  'text',
  'text',
  'bytea',
  'bytea',
  'text',
  'bytea',
  'boolean',
  'integer',
  'timestamptz',
  'timestamptz',
] as const;
/** One key row's values in KEY_COLUMNS order. */
export type KeyRowValues = [
  id: string,
  productId: string,
  merchantId: string,
  batchId: string,
  lineNo: number,
  state: 'AVAILABLE',
  serialMasked: string,
  lookupHmac: Buffer,
  secretHmac: Buffer,
  dataKeyId: string,
  ciphertext: Buffer,
  activatedBeforeDelivery: 0,
  version: 1,
  createdAt: string,
  updatedAt: string,
];
/** What the encoder needs: everything to turn parsed lines into ready-to-insert rows. */
export interface EncodeParams {
  productType: ProductType;
  format: ImportFormat;
  fileName: string | undefined;
  productId: string;
  merchantId: string;
  batchId: string;
  dataKeyId: string;
  hmacKey: Buffer;
  dataKey: Buffer;
}

/** One chunk of a file, encrypted and hashed, ready for one transaction. */
export interface EncodedChunk {
  rows: KeyRowValues[];
  rejects: { lineNo: number; reason: string }[];
  linesRead: number;
  bytesRead: number;
}

/** One chunk of a file, parsed and given ids, waiting for its encryption. */
export interface ParsedChunk {
  ids: string[];
  lineNos: number[];
  serials: (string | null)[];
  secrets: string[];
  rejects: { lineNo: number; reason: string }[];
  linesRead: number;
  bytesRead: number;
  /** created_at/updated_at of the chunk's rows (the platform clock when the chunk began). */
  stamp: string;
}

/**
 * Parses a stream into chunks of CHUNK_LINES lines (keys and rejects). Cheap (~1 µs a line); the
 * expensive half — hashing and encryption — is `encodeTask`, run in worker threads.
 */
export async function* parseChunks(
  input: AsyncIterable<Uint8Array>,
  p: Pick<EncodeParams, 'productType' | 'format' | 'fileName'>,
  clock: () => Date,
): AsyncGenerator<ParsedChunk> {
  const fresh = (): ParsedChunk => {
    const stamp = now(clock());
    return { ids: [], lineNos: [], serials: [], secrets: [], rejects: [], linesRead: 0, bytesRead: 0, stamp };
  };
  let chunk = fresh();
  let stampMs = Date.parse(chunk.stamp);
  let bytesSeen = 0;
  let linesSeen = 0;
  for await (const line of parseKeyStream(
    input,
    { productType: p.productType, format: p.format, fileName: p.fileName },
    (pr) => {
      bytesSeen = pr.bytesRead;
      linesSeen = pr.linesRead;
    },
  )) {
    if (line.ok) {
      chunk.ids.push(newOrderedId(stampMs));
      chunk.lineNos.push(line.lineNo);
      chunk.serials.push(line.serial);
      chunk.secrets.push(line.secret);
    } else {
      chunk.rejects.push({ lineNo: line.lineNo, reason: line.reason });
    }
    linesSeen = Math.max(linesSeen, line.lineNo);
    if (chunk.ids.length + chunk.rejects.length >= CHUNK_LINES) {
      yield { ...chunk, linesRead: linesSeen, bytesRead: bytesSeen };
      chunk = fresh();
      stampMs = Date.parse(chunk.stamp);
    }
  }
  yield { ...chunk, linesRead: linesSeen, bytesRead: bytesSeen };
}

/**
 * One worker task: up to TASK_KEYS keys as three strings (a message of three strings clones far
 * faster than thousands of small ones). Valid fields never hold C0 control characters (the parser
 * rejects them), so NUL separates values and SOH stands for "no card number".
 */
export interface EncodeTask {
  productType: ProductType;
  hmacKey: Uint8Array;
  dataKey: Uint8Array;
  ids: string;
  serials: string;
  secrets: string;
}

/**
 * What a task returns: one buffer (transferred, not copied) holding, for key i, from
 * `offsets[i]`: lookup_hmac (8 bytes) ‖ secret_hmac (16) ‖ ciphertext (to `offsets[i + 1]`);
 * and the masked card numbers, NUL-separated.
 */
export interface EncodedTask {
  offsets: Int32Array;
  data: Uint8Array;
  masks: string;
}

const SEP = '\u0000';
const NO_SERIAL = '\u0001';
const LOOKUP_BYTES = 8;
const SECRET_BYTES = 16;

/** Cuts a parsed chunk's keys [from, to) into one task. */
export function taskOf(c: ParsedChunk, from: number, to: number, p: EncodeParams): EncodeTask {
  return {
    productType: p.productType,
    hmacKey: p.hmacKey,
    dataKey: p.dataKey,
    ids: c.ids.slice(from, to).join(SEP),
    serials: c.serials
      .slice(from, to)
      .map((s) => s ?? NO_SERIAL)
      .join(SEP),
    secrets: c.secrets.slice(from, to).join(SEP),
  };
}

/** Hashes, masks and encrypts one task's keys (runs in a worker thread; pure CPU). */
export function encodeTask(t: EncodeTask): EncodedTask {
  const hmacKey = new HmacSha256(Buffer.from(t.hmacKey.buffer, t.hmacKey.byteOffset, t.hmacKey.byteLength));
  const dataKey = Buffer.from(t.dataKey.buffer, t.dataKey.byteOffset, t.dataKey.byteLength);
  const ids = t.ids === '' ? [] : t.ids.split(SEP);
  const serials = t.serials.split(SEP);
  const secrets = t.secrets.split(SEP);
  const n = ids.length;
  const parts: Buffer[] = [];
  const masks: string[] = [];
  const offsets = new Int32Array(n + 1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const serial = serials[i] === NO_SERIAL ? null : serials[i];
    const payload = { serial, secret: secrets[i] };
    const lookup = lookupHmac(hmacKey, t.productType, payload);
    const secret = secretHmac(hmacKey, t.productType, payload);
    const sealed = sealSecret(dataKey, ids[i], payload);
    parts.push(lookup, secret, sealed);
    masks.push(serial === null ? maskSecretOnly(payload.secret) : maskSerial(serial));
    offsets[i] = at;
    at += lookup.length + secret.length + sealed.length;
  }
  offsets[n] = at;
  // Its own ArrayBuffer (not Node's shared pool slab), so it can be transferred.
  const data = new Uint8Array(at);
  let o = 0;
  for (const b of parts) {
    data.set(b, o);
    o += b.length;
  }
  return { offsets, data, masks: masks.join(SEP) };
}

/** The rows of a chunk from its tasks' results, in order; binary values are views, not copies. */
export function decodeChunk(c: ParsedChunk, results: EncodedTask[], p: EncodeParams): EncodedChunk {
  const rows: KeyRowValues[] = [];
  let k = 0;
  for (const r of results) {
    const base = r.data.byteOffset;
    const buf = r.data.buffer;
    const masks = r.masks === '' && r.offsets.length === 1 ? [] : r.masks.split(SEP);
    for (let i = 0; i < r.offsets.length - 1; i++, k++) {
      const o = r.offsets[i];
      const end = r.offsets[i + 1];
      rows.push([
        c.ids[k],
        p.productId,
        p.merchantId,
        p.batchId,
        c.lineNos[k],
        'AVAILABLE',
        masks[i],
        Buffer.from(buf, base + o, LOOKUP_BYTES),
        Buffer.from(buf, base + o + LOOKUP_BYTES, SECRET_BYTES),
        p.dataKeyId,
        Buffer.from(buf, base + o + LOOKUP_BYTES + SECRET_BYTES, end - o - LOOKUP_BYTES - SECRET_BYTES),
        0,
        1,
        c.stamp,
        c.stamp,
      ]);
    }
  }
  if (k !== c.ids.length) throw new Error(`import: ${k} keys encoded for a chunk of ${c.ids.length}`);
  return { rows, rejects: c.rejects, linesRead: c.linesRead, bytesRead: c.bytesRead };
}
