// Streaming parser for merchant key imports (点卡卡密, license keys, account credentials, entitlement codes).
//
// A byte stream becomes numbered, validated records without holding the file in memory: the
// stream is split on 0x0A with Buffer#indexOf, each physical line is decoded on its own (UTF-8,
// else GB18030/GBK, else rejected), and at most `maxLineBytes + 1` bytes of an unfinished line are
// kept between chunks. Bad lines become `{ ok: false, lineNo, reason }`; they never abort the
// good ones. Whole-file problems (binary upload, UTF-16, unusable CSV header) throw.
//
// Nothing a merchant uploaded ever reaches an error message or a reject: reasons are codes and
// line numbers only.

import { isUtf8 } from 'node:buffer';

export type ProductType = 'CARD_KEY' | 'LICENSE_KEY' | 'ACCOUNT' | 'ENTITLEMENT';
export type ImportFormat = 'auto' | 'text' | 'csv';
export type RejectReason =
  | 'INVALID_ENCODING' // bytes are neither valid UTF-8 nor valid GBK
  | 'CONTROL_CHARACTERS' // NUL or other C0 control chars (except tab) inside the line
  | 'LINE_TOO_LONG' // more than maxLineBytes bytes (the rest of that line is skipped without buffering it)
  | 'MISSING_PASSWORD' // a type needing two fields got one
  | 'TOO_MANY_FIELDS'
  | 'FIELD_TOO_LONG' // a field over 256 characters after trimming
  | 'EMPTY_FIELD' // e.g. "1234,"  or CSV column empty
  | 'CSV_QUOTE_ERROR'; // unbalanced quote in a CSV line

export interface KeyRecord {
  lineNo: number;
  serial: string | null;
  secret: string;
}
export interface RejectedLine {
  lineNo: number;
  reason: RejectReason;
}
export type ParsedLine = ({ ok: true } & KeyRecord) | ({ ok: false } & RejectedLine);
export interface ParseOptions {
  productType: ProductType;
  format?: ImportFormat;
  fileName?: string;
  /** Longest accepted line in bytes, excluding the line ending. Default 1024. */
  maxLineBytes?: number;
}
export interface ParseProgress {
  bytesRead: number;
  linesRead: number;
}

/** What made the file unacceptable; never contains file content. */
export type NotTextKind =
  | 'utf16'
  | 'nul_byte'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'pdf'
  | 'zip'
  | 'gzip'
  | 'rar'
  | '7z'
  | 'elf'
  | 'ole2'
  | 'xz'
  | 'zstd';

/** Whole-file rejection, thrown before any record is yielded. */
export class NotTextFileError extends Error {
  readonly code = 'inventory.not_text_file';
  constructor(readonly kind: NotTextKind) {
    super(`inventory.not_text_file: the upload is not a UTF-8/GBK text file (${kind})`);
    this.name = 'NotTextFileError';
  }
}

/**
 * The CSV header row cannot be used: it has no secret column, or the product type needs a
 * serial/login column and it has none. Thrown when the header is read, before any data row.
 */
export class CsvHeaderError extends Error {
  readonly code = 'inventory.csv_header_invalid';
  constructor(
    readonly lineNo: number,
    readonly missing: 'secret' | 'serial',
  ) {
    super(`inventory.csv_header_invalid: header on line ${lineNo} has no ${missing} column`);
    this.name = 'CsvHeaderError';
  }
}

// ---------------------------------------------------------------------------------------------
// Normalisation and masking (for hashing / display; the parser's records keep original casing)
// ---------------------------------------------------------------------------------------------

// Whitespace plus ASCII and Unicode hyphens/dashes (‐ ‑ ‒ – — ― −) that survive NFKC; people
// paste serials from documents that typeset "-" as a dash.
const SERIAL_NOISE = /[\s\-\u2010-\u2015\u2212]/g;

/** NFKC, trim, remove whitespace and hyphens, uppercase. */
export function normaliseSerial(s: string): string {
  return s.normalize('NFKC').trim().replace(SERIAL_NOISE, '').toUpperCase();
}

/**
 * NFKC + trim. License keys are case-insensitive and their grouping is cosmetic, so for
 * LICENSE_KEY whitespace and hyphens are also removed and the result uppercased. Passwords and
 * codes of the other types stay case-sensitive.
 */
export function normaliseSecret(type: ProductType, s: string): string {
  if (type === 'LICENSE_KEY') return normaliseSerial(s);
  return s.normalize('NFKC').trim();
}

/**
 * Masks with '*', revealing at most half of the characters (code points, so a surrogate pair
 * is never split): nominally the first and last 4 when length >= 12 and the first and last 2 when
 * length >= 6, each shrunk until no more than half is shown (12 characters show 3+3, 6 show 1+1);
 * shorter values show only the last character (nothing when it is a single character).
 */
export function maskSerial(s: string): string {
  const chars = Array.from(s);
  const n = chars.length;
  const half = Math.floor(n / 2);
  if (n >= 6) {
    let k = n >= 12 ? 4 : 2;
    while (2 * k > half) k--;
    return chars.slice(0, k).join('') + '*'.repeat(n - 2 * k) + chars.slice(n - k).join('');
  }
  const shown = half >= 1 ? 1 : 0;
  return '*'.repeat(n - shown) + chars.slice(n - shown).join('');
}

// ---------------------------------------------------------------------------------------------
// Whole-file sniffing
// ---------------------------------------------------------------------------------------------

// A hand-written signature table rather than the `file-type` package: it is not installed in
// this project, we only need "is this one of a dozen binary formats merchants upload by mistake"
// (not a full MIME detector), and a few byte comparisons on the first chunk cost nothing.
const SIGNATURES: readonly { kind: NotTextKind; bytes: readonly number[] }[] = [
  { kind: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { kind: 'jpeg', bytes: [0xff, 0xd8, 0xff] },
  { kind: 'gif', bytes: [0x47, 0x49, 0x46, 0x38] }, // "GIF8" (GIF87a / GIF89a)
  { kind: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46] }, // "%PDF"
  { kind: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] }, // also .xlsx/.docx/.jar
  { kind: 'zip', bytes: [0x50, 0x4b, 0x05, 0x06] }, // empty zip
  { kind: 'zip', bytes: [0x50, 0x4b, 0x07, 0x08] }, // spanned zip
  { kind: 'gzip', bytes: [0x1f, 0x8b] },
  { kind: 'rar', bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] }, // "Rar!\x1A\x07"
  { kind: '7z', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { kind: 'elf', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { kind: 'ole2', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] }, // legacy .xls/.doc
  { kind: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
];

/** Bytes gathered before anything is parsed; a NUL among them means a binary file. */
const SNIFF_BYTES = 512;

function startsWith(buf: Uint8Array, sig: readonly number[]): boolean {
  if (buf.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (buf[i] !== sig[i]) return false;
  return true;
}

/** Throws NotTextFileError for binary/UTF-16 input; returns the head without a UTF-8 BOM. */
function sniff(head: Buffer): Buffer {
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) throw new NotTextFileError('utf16');
  for (const sig of SIGNATURES) if (startsWith(head, sig.bytes)) throw new NotTextFileError(sig.kind);
  const nul = head.indexOf(0x00);
  if (nul !== -1 && nul < SNIFF_BYTES) throw new NotTextFileError('nul_byte');
  return startsWith(head, [0xef, 0xbb, 0xbf]) ? head.subarray(3) : head;
}

// ---------------------------------------------------------------------------------------------
// Line interpretation
// ---------------------------------------------------------------------------------------------

// Node's ICU "gbk" converter is the Windows-936 table, which is more permissive than the
// WHATWG Encoding Standard: it maps a lone 0xFF (never valid GBK) to U+F8F5 instead of failing,
// and some GBK pairs to private-use code points. The standard defines the "gbk" label as the
// GB18030 decoder, which Node implements faithfully under the "gb18030" label: it rejects 0xFF,
// and decodes every GBK sequence (GB18030 is a superset) to real characters.
const GBK = new TextDecoder('gb18030', { fatal: true, ignoreBOM: true });

// C0 except TAB (a trailing CR is already stripped). Matching control characters is the point.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f]/;
// Space, tab, comma, and their full-width forms (ideographic space, 全角逗号) common in Chinese files.
const TEXT_SEPARATORS = /[ \t,\u3000\uff0c]+/;
const HEADER_NOISE = /[\s_-]/g;
const MAX_FIELD_CHARS = 256;

const SERIAL_COLUMNS = new Set(['cardno', 'card', 'serial', '卡号', 'account', 'login', '账号', 'username']);
const SECRET_COLUMNS = new Set([
  'password',
  'pass',
  'pwd',
  'secret',
  'key',
  'code',
  'license',
  '密码',
  '卡密',
  '序列号',
  '激活码',
]);

/** Header cell → comparable name: NFKC, lower case, no whitespace/underscore/hyphen ("Card No" = "card_no" = "cardno"). */
function headerName(cell: string): string {
  return cell.normalize('NFKC').toLowerCase().replace(HEADER_NOISE, '');
}
function isColumnName(cell: string): boolean {
  const name = headerName(cell);
  return SERIAL_COLUMNS.has(name) || SECRET_COLUMNS.has(name);
}

/**
 * One CSV record from one physical line (RFC 4180 quoting, "" escapes a quote; spaces around a
 * quoted field are tolerated). Returns null for a quote error: an unterminated quoted field, text
 * after a closing quote, or a quote inside an unquoted field.
 *
 * Written here instead of using a CSV library because records must be line-at-a-time: every
 * physical line is decoded separately (files mix UTF-8 and GBK lines), and a broken quote has to
 * become a CSV_QUOTE_ERROR for that line number rather than swallow the rest of the file as one
 * multi-line field. Keys never contain newlines, so nothing is lost.
 */
function parseCsvLine(line: string): string[] | null {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && (line.charCodeAt(j) === 0x20 || line.charCodeAt(j) === 0x09)) j++;
    if (j < n && line.charCodeAt(j) === 0x22) {
      let value = '';
      let k = j + 1;
      for (;;) {
        const q = line.indexOf('"', k);
        if (q === -1) return null;
        value += line.slice(k, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          value += '"';
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      while (k < n && (line.charCodeAt(k) === 0x20 || line.charCodeAt(k) === 0x09)) k++;
      out.push(value);
      if (k === n) return out;
      if (line.charCodeAt(k) !== 0x2c) return null;
      i = k + 1;
    } else {
      const comma = line.indexOf(',', i);
      const field = comma === -1 ? line.slice(i) : line.slice(i, comma);
      if (field.includes('"')) return null;
      out.push(field);
      if (comma === -1) return out;
      i = comma + 1;
    }
  }
}

function countChars(s: string): number {
  if (s.length <= MAX_FIELD_CHARS) return s.length; // code points <= UTF-16 units
  let n = 0;
  for (const _ of s) n++;
  return n;
}

type Mode =
  | { kind: 'undecided' }
  | { kind: 'text'; headerChecked: boolean }
  | { kind: 'csv-positional' }
  | { kind: 'csv-header'; serialCol: number; secretCol: number };

/** Turns one decoded physical line into a record, a reject, or nothing (blank/comment/header). */
class LineInterpreter {
  private mode: Mode;
  private readonly needsSerial: boolean;
  private readonly type: ProductType;
  /** Only for `auto` on a file not named *.csv: CSV only when the first line is all header names. */
  private readonly sniffStrict: boolean;

  constructor(options: ParseOptions) {
    this.type = options.productType;
    this.needsSerial = this.type === 'CARD_KEY' || this.type === 'ACCOUNT';
    const format = options.format ?? 'auto';
    const csvName = options.fileName !== undefined && options.fileName.toLowerCase().endsWith('.csv');
    if (format === 'text') this.mode = { kind: 'text', headerChecked: false };
    else this.mode = { kind: 'undecided' };
    this.sniffStrict = format === 'auto' && !csvName;
  }

  interpret(bytes: Buffer, lineNo: number): ParsedLine | null {
    let line: string;
    if (isUtf8(bytes)) {
      line = bytes.toString('utf8');
    } else {
      try {
        line = GBK.decode(bytes);
      } catch {
        return { ok: false, lineNo, reason: 'INVALID_ENCODING' };
      }
    }
    if (CONTROL_CHARS.test(line)) return { ok: false, lineNo, reason: 'CONTROL_CHARACTERS' };
    // UTF-8 of anything but ASCII is longer in bytes than in UTF-16 units; GBK likewise.
    const ascii = line.length === bytes.length;
    const trimmed = line.trim();
    if (trimmed === '') return null;

    const mode = this.mode;
    switch (mode.kind) {
      case 'text':
        return this.text(trimmed, lineNo, mode);
      case 'csv-positional':
        return this.csvPositional(line, ascii, lineNo);
      case 'csv-header':
        return this.csvHeader(line, ascii, lineNo, mode.serialCol, mode.secretCol);
      case 'undecided':
        return this.decide(line, ascii, lineNo);
    }
  }

  /** First non-blank decodable line: pick text/CSV, and consume a CSV header. */
  private decide(line: string, ascii: boolean, lineNo: number): ParsedLine | null {
    const cells = parseCsvLine(line);
    const nonEmpty = cells?.filter((c) => c.trim() !== '') ?? [];
    const header =
      cells !== null &&
      nonEmpty.length > 0 &&
      (this.sniffStrict ? nonEmpty.every(isColumnName) : nonEmpty.some(isColumnName));
    if (header) {
      const names = cells.map(headerName);
      const secretCol = names.findIndex((n) => SECRET_COLUMNS.has(n));
      const serialCol = names.findIndex((n) => SERIAL_COLUMNS.has(n));
      if (secretCol === -1) throw new CsvHeaderError(lineNo, 'secret');
      if (this.needsSerial && serialCol === -1) throw new CsvHeaderError(lineNo, 'serial');
      // A LICENSE_KEY has no serial; its serial column is just another ignored column.
      this.mode = { kind: 'csv-header', serialCol: this.type === 'LICENSE_KEY' ? -1 : serialCol, secretCol };
      return null;
    }
    if (this.sniffStrict) {
      const mode: Mode = { kind: 'text', headerChecked: false };
      this.mode = mode;
      return this.text(line.trim(), lineNo, mode);
    }
    this.mode = { kind: 'csv-positional' };
    return this.csvPositional(line, ascii, lineNo);
  }

  private text(t: string, lineNo: number, mode: { kind: 'text'; headerChecked: boolean }): ParsedLine | null {
    if (t.charCodeAt(0) === 0x23) return null; // '#' comment
    const fields = t.split(TEXT_SEPARATORS, 3);
    if (!mode.headerChecked) {
      // A header line in a text export ("卡号<TAB>密码") is not a record: importing it would sell
      // the word 密码 as a card secret. Only the first content line, and only if every field is a
      // known column name.
      mode.headerChecked = true;
      if (fields.every(isColumnName)) return null;
    }
    return this.positional(fields, lineNo);
  }

  private csvPositional(line: string, ascii: boolean, lineNo: number): ParsedLine | null {
    const cells = parseCsvLine(line);
    if (cells === null) return { ok: false, lineNo, reason: 'CSV_QUOTE_ERROR' };
    const fields = cells.map((c) => c.trim());
    if (fields.every((f) => f === '')) return null; // ",,," rows that spreadsheets leave behind
    return this.positional(fields, lineNo);
  }

  /**
   * Fields in order: 1 = secret, 2 = serial + secret. Fields are only trimmed, never NFKC'd: the
   * stored secret must be exactly what the merchant supplied (a full-width password is a different
   * password); normalisation is for the duplicate and look-up hashes only.
   */
  private positional(fields: string[], lineNo: number): ParsedLine {
    for (const f of fields) if (f === '') return { ok: false, lineNo, reason: 'EMPTY_FIELD' };
    const n = fields.length;
    if (n > 2) return { ok: false, lineNo, reason: 'TOO_MANY_FIELDS' };
    let serial: string | null = null;
    let secret: string;
    if (n === 1) {
      if (this.needsSerial) return { ok: false, lineNo, reason: 'MISSING_PASSWORD' };
      secret = fields[0];
    } else {
      if (this.type === 'LICENSE_KEY') return { ok: false, lineNo, reason: 'TOO_MANY_FIELDS' };
      serial = fields[0];
      secret = fields[1];
    }
    return this.record(lineNo, serial, secret);
  }

  private csvHeader(
    line: string,
    ascii: boolean,
    lineNo: number,
    serialCol: number,
    secretCol: number,
  ): ParsedLine | null {
    const cells = parseCsvLine(line);
    if (cells === null) return { ok: false, lineNo, reason: 'CSV_QUOTE_ERROR' };
    if (cells.every((c) => c.trim() === '')) return null; // ",,," rows that spreadsheets leave behind
    const norm = (c: string | undefined): string | undefined => c?.trim();
    const secret = norm(cells[secretCol]);
    const serial = serialCol === -1 ? undefined : norm(cells[serialCol]);
    if (secret === undefined) {
      return { ok: false, lineNo, reason: this.needsSerial ? 'MISSING_PASSWORD' : 'EMPTY_FIELD' };
    }
    if (secret === '') return { ok: false, lineNo, reason: 'EMPTY_FIELD' };
    if (this.needsSerial && (serial === undefined || serial === '')) {
      return { ok: false, lineNo, reason: 'EMPTY_FIELD' };
    }
    return this.record(lineNo, serial === undefined || serial === '' ? null : serial, secret);
  }

  private record(lineNo: number, serial: string | null, secret: string): ParsedLine {
    if (countChars(secret) > MAX_FIELD_CHARS || (serial !== null && countChars(serial) > MAX_FIELD_CHARS)) {
      return { ok: false, lineNo, reason: 'FIELD_TOO_LONG' };
    }
    return { ok: true, lineNo, serial, secret };
  }
}

// ---------------------------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------------------------

const PROGRESS_EVERY = 64 * 1024;

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (!(chunk instanceof Uint8Array)) throw new TypeError('parseKeyStream expects Uint8Array chunks');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Parses an import file line by line. Yields one ParsedLine per non-blank, non-comment,
 * non-header line, in file order, with 1-based physical line numbers.
 *
 * Memory: the current input chunk plus at most `maxLineBytes + 1` bytes of an unfinished line
 * (and, before the first line, the first 512 bytes of the stream). A longer line is rejected as
 * soon as it passes the limit and the rest of it is skipped, not buffered.
 *
 * @throws NotTextFileError before anything is yielded, for UTF-16 or binary input.
 * @throws CsvHeaderError when a recognised CSV header has no usable secret (or required serial) column.
 */
export async function* parseKeyStream(
  input: AsyncIterable<Uint8Array>,
  options: ParseOptions,
  onProgress?: (p: ParseProgress) => void,
): AsyncGenerator<ParsedLine> {
  const maxLineBytes = options.maxLineBytes ?? 1024;
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
    throw new RangeError('maxLineBytes must be a positive integer');
  }
  const interpreter = new LineInterpreter(options);
  // Raw bytes of a line that can still be accepted: the content plus a CR before the LF.
  const rawLimit = maxLineBytes + 1;
  let pending = Buffer.allocUnsafe(Math.min(rawLimit, 64 * 1024));
  let pendingLen = 0;
  let skipping = false; // inside a line already rejected as too long
  let lineNo = 1; // number of the line being read
  let bytesRead = 0;
  let reportedAt = 0;

  const finishLine = (raw: Buffer): ParsedLine | null => {
    let end = raw.length;
    if (end > 0 && raw[end - 1] === 0x0d) end--;
    if (end > maxLineBytes) return { ok: false, lineNo, reason: 'LINE_TOO_LONG' };
    return interpreter.interpret(end === raw.length ? raw : raw.subarray(0, end), lineNo);
  };

  const keep = (buf: Buffer, start: number): void => {
    const need = pendingLen + buf.length - start;
    if (need > pending.length) {
      const grown = Buffer.allocUnsafe(Math.min(rawLimit, Math.max(need, pending.length * 2)));
      pending.copy(grown, 0, 0, pendingLen);
      pending = grown;
    }
    buf.copy(pending, pendingLen, start);
    pendingLen = need;
  };

  function* feed(buf: Buffer): Generator<ParsedLine> {
    let start = 0;
    const len = buf.length;
    while (start < len) {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1) {
        if (skipping) return;
        if (pendingLen + (len - start) > rawLimit) {
          pendingLen = 0;
          skipping = true;
          yield { ok: false, lineNo, reason: 'LINE_TOO_LONG' };
        } else {
          keep(buf, start);
        }
        return;
      }
      let result: ParsedLine | null = null;
      if (skipping) {
        skipping = false;
      } else if (pendingLen === 0) {
        result = finishLine(buf.subarray(start, nl));
      } else if (pendingLen + (nl - start) > rawLimit) {
        pendingLen = 0;
        result = { ok: false, lineNo, reason: 'LINE_TOO_LONG' };
      } else {
        keep(buf.subarray(0, nl), start);
        result = finishLine(pending.subarray(0, pendingLen));
        pendingLen = 0;
      }
      lineNo++;
      start = nl + 1;
      if (result !== null) yield result;
    }
  }

  let head: Buffer[] | null = [];
  let headLen = 0;
  for await (const chunk of input) {
    let buf = asBuffer(chunk);
    bytesRead += buf.length;
    if (head !== null) {
      head.push(buf);
      headLen += buf.length;
      if (headLen < SNIFF_BYTES) continue;
      buf = sniff(head.length === 1 ? buf : Buffer.concat(head, headLen));
      head = null;
    }
    // A plain loop, not `yield*`: delegating to a sync generator from an async one goes through
    // an async-from-sync wrapper per line, which costs ~25% of the throughput.
    for (const r of feed(buf)) yield r;
    if (onProgress !== undefined && bytesRead - reportedAt >= PROGRESS_EVERY) {
      reportedAt = bytesRead;
      onProgress({ bytesRead, linesRead: lineNo - 1 });
    }
  }
  if (head !== null) for (const r of feed(sniff(Buffer.concat(head, headLen)))) yield r;
  const unfinished = skipping || pendingLen > 0;
  if (!skipping && pendingLen > 0) {
    const result = finishLine(pending.subarray(0, pendingLen));
    pendingLen = 0;
    if (result !== null) yield result;
  }
  onProgress?.({ bytesRead, linesRead: unfinished ? lineNo : lineNo - 1 });
}
