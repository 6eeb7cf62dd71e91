/**
 * The recording half of the secret scan (Stage 9): with KAMENG_SECRET_SCAN_DIR set, the test
 * harnesses append what they saw — logs, mails, responses (exports included), files the app wrote —
 * and the secrets the tests used (passwords, session ids, API tokens, key secrets) to two files
 * per worker process in that directory. `npm test` then runs scripts/secret-scan.ts, which looks
 * for every secret in everything seen. Without the variable nothing is recorded.
 *
 * Cheap by design: one synchronous append per item to a file opened once, nothing kept in memory
 * but the set of secrets already written (so a password used a thousand times is written once).
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Db } from '../../src/platform/db/dialect.js';
import type { KeyVault } from '../../src/platform/vault.js';

const dir = process.env.KAMENG_SECRET_SCAN_DIR ? path.resolve(process.env.KAMENG_SECRET_SCAN_DIR) : null;
export const scanning = dir !== null;

/** What a seen item is; the scanner exempts only some responses, by `where`. */
export type SeenKind = 'log' | 'mail' | 'response' | 'file';
export type SecretKind = 'password' | 'session' | 'api-token' | 'key-secret' | 'credential';

/** One line of a seen-*.jsonl file. */
export interface SeenRecord {
  kind: SeenKind;
  /** e.g. `POST /api/units/…/reveal 200`, `outbox EMAIL`, `data/mail/….eml` */
  where: string;
  /** Text, or base64 of bytes (`b64`), which the scanner unzips when `zip` (xlsx, case files). */
  text?: string;
  b64?: string;
  zip?: boolean;
}
/** One line of a secrets-*.jsonl file. */
export interface SecretRecord {
  kind: SecretKind;
  value: string;
}

/** Shorter strings are not secrets worth scanning for (and would match by accident). */
export const MIN_SECRET_LENGTH = 8;

let files: { seen: number; secrets: number } | null = null;
const written = new Set<string>();

function open(): { seen: number; secrets: number } {
  if (files) return files;
  mkdirSync(dir!, { recursive: true });
  const tag = `${process.pid}-${threadId}`;
  files = {
    seen: openSync(path.join(dir!, `seen-${tag}.jsonl`), 'a'),
    secrets: openSync(path.join(dir!, `secrets-${tag}.jsonl`), 'a'),
  };
  process.once('exit', () => {
    if (!files) return;
    closeSync(files.seen);
    closeSync(files.secrets);
  });
  return files;
}

export function recordSeen(kind: SeenKind, where: string, content: string | Buffer, zip = false): void {
  if (!scanning || content.length === 0) return;
  const rec: SeenRecord =
    typeof content === 'string'
      ? { kind, where, text: content }
      : { kind, where, b64: content.toString('base64'), zip };
  writeSync(open().seen, `${JSON.stringify(rec)}\n`);
}

export function recordSecret(kind: SecretKind, value: string | null | undefined): void {
  if (!scanning || !value || value.length < MIN_SECRET_LENGTH || written.has(value)) return;
  written.add(value);
  const rec: SecretRecord = { kind, value };
  writeSync(open().secrets, `${JSON.stringify(rec)}\n`);
}

const ZIP_TYPES = /zip|spreadsheetml|officedocument/;
const TEXT_TYPES = /json|text|xml|csv|javascript|html|problem/;

/** A response as the scanner reads it: its headers but the session cookie, then its body. */
export function recordResponse(
  where: string,
  headers: Record<string, string | string[] | number | undefined>,
  body: Buffer,
): void {
  if (!scanning) return;
  const shown = Object.entries(headers)
    .filter(([name]) => name.toLowerCase() !== 'set-cookie') // delivers the session to its owner
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n');
  recordSeen('response', `${where} headers`, shown);
  const type = String(headers['content-type'] ?? '');
  if (ZIP_TYPES.test(type)) recordSeen('response', where, body, true);
  else if (TEXT_TYPES.test(type) || type === '') recordSeen('response', where, body.toString('utf8'));
  else recordSeen('response', where, body); // images, PDFs: scanned as bytes
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Password-like fields of a JSON request body (login, register, change, reset, admin create). */
export function recordRequestSecrets(payload: unknown): void {
  // plain JSON objects only: a multipart Buffer of 11 MiB has 11 million "entries"
  if (
    !scanning ||
    payload === null ||
    typeof payload !== 'object' ||
    Object.getPrototypeOf(payload) !== Object.prototype
  )
    return;
  for (const [name, value] of Object.entries(payload as Record<string, unknown>)) {
    // An id in a password field is not a password anyone chose: the fuzz suite sends the
    // fixture's (public) ids into every string field, and ids rightly appear everywhere.
    if (typeof value === 'string' && /password/i.test(name) && !UUID.test(value))
      recordSecret('password', value);
  }
}

/** API tokens (kmt_…) found in a response body: the creation response hands one out. */
export function recordTokensIn(body: string): void {
  if (!scanning) return;
  for (const m of body.matchAll(/kmt_[A-Za-z0-9_-]{20,}/g)) recordSecret('api-token', m[0]);
}

/**
 * What a harness leaves behind, read when it closes: the mails it queued (outbox), the files the
 * app wrote in its data folder (.eml mail, exports), and — as secrets — every key secret in the
 * database, opened through the vault (whichever way it was imported).
 */
export async function recordHarnessEnd(
  db: Db,
  vault: KeyVault,
  dataDir: string | null,
  label: string,
): Promise<void> {
  if (!scanning) return;
  for (const m of await db.selectFrom('outbox').select(['channel', 'recipient', 'subject', 'body']).execute())
    recordSeen('mail', `${label} outbox ${m.channel}`, `${m.recipient}\n${m.subject}\n${m.body}`);
  const keys = await db.selectFrom('keys').select(['id', 'data_key_id', 'ciphertext']).execute();
  for (const k of keys) {
    try {
      const { secret } = vault.decrypt(await vault.dataKey(db, k.data_key_id), k.id, k.ciphertext);
      recordSecret('key-secret', secret);
    } catch {
      // a test tampered with this ciphertext on purpose
    }
  }
  if (dataDir) recordFiles(dataDir, label);
}

const TEXT_FILES = /\.(eml|txt|csv|json|log|html|xml)$/i;
const ZIP_FILES = /\.(zip|xlsx)$/i;

function recordFiles(dir: string, label: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) recordFiles(p, label);
    else if (TEXT_FILES.test(e.name)) recordSeen('file', `${label} ${p}`, readFileSync(p, 'utf8'));
    else if (ZIP_FILES.test(e.name)) recordSeen('file', `${label} ${p}`, readFileSync(p), true);
  }
}
