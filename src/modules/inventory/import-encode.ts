/**
 * The pure half of a key import: parse lines and encrypt and hash each key into ready-to-insert
 * rows, chunk by chunk. No database: it runs in-process for in-memory input and in a worker
 * thread for files (import-worker.ts).
 */
import { now } from '../../platform/db/dialect.js';
import { HmacSha256 } from '../../platform/crypto.js';
import { newOrderedId } from '../../platform/ids.js';
import { sealSecret } from '../../platform/vault.js';
import { lookupHmac, secretHmac } from './key-hashes.js';
import { maskSerial, parseKeyStream, type ImportFormat, type ProductType } from './parse.js';

export const CHUNK_LINES = 5000;

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

/**
 * Parses and encrypts a stream into chunks of CHUNK_LINES lines. Pure CPU work with no database:
 * it runs in-process for in-memory input and in a worker thread for files (import-worker.ts), so
 * parsing and encryption overlap with the database writes on another core.
 */
export async function* encodeChunks(
  input: AsyncIterable<Uint8Array>,
  p: EncodeParams,
  clock: () => Date,
): AsyncGenerator<EncodedChunk> {
  const hmacKey = new HmacSha256(p.hmacKey);
  let chunk: EncodedChunk = { rows: [], rejects: [], linesRead: 0, bytesRead: 0 };
  let bytesSeen = 0;
  let linesSeen = 0;
  let stamp = now(clock());
  for await (const line of parseKeyStream(
    input,
    { productType: p.productType, format: p.format, fileName: p.fileName },
    (pr) => {
      bytesSeen = pr.bytesRead;
      linesSeen = pr.linesRead;
    },
  )) {
    if (line.ok) {
      const id = newOrderedId(Date.parse(stamp));
      const payload = { serial: line.serial, secret: line.secret };
      // Positional values in KEY_COLUMNS order: built once, bound directly.
      chunk.rows.push([
        id,
        p.productId,
        p.merchantId,
        p.batchId,
        line.lineNo,
        'AVAILABLE',
        line.serial === null ? maskSecretOnly(line.secret) : maskSerial(line.serial),
        lookupHmac(hmacKey, p.productType, payload),
        secretHmac(hmacKey, p.productType, payload),
        p.dataKeyId,
        sealSecret(p.dataKey, id, payload),
        0,
        1,
        stamp,
        stamp,
      ]);
    } else {
      chunk.rejects.push({ lineNo: line.lineNo, reason: line.reason });
    }
    linesSeen = Math.max(linesSeen, line.lineNo);
    if (chunk.rows.length + chunk.rejects.length >= CHUNK_LINES) {
      yield { ...chunk, linesRead: linesSeen, bytesRead: bytesSeen };
      chunk = { rows: [], rejects: [], linesRead: 0, bytesRead: 0 };
      stamp = now(clock());
    }
  }
  yield { ...chunk, linesRead: linesSeen, bytesRead: bytesSeen };
}
