/**
 * The case file to keep (电子商务法 §31: transaction records kept; §62: produced in a dispute; the
 * seed's 保留交易记录): one ZIP of a refund request and, when there is one, its dispute, for
 * anyone who may see them — the buyer, the shop's merchant, platform staff; everyone else gets the
 * same 404 as the pages.
 *
 * It is built from the very views the parties read (`requestDetail`, `disputeDetail`), so it
 * shows exactly what the viewer may see: a merchant no payout destination, a party the other side's
 * statement only once submitted, findings only after the decision (staff: now). Records the views
 * do not carry (key timelines, the payment, the conversation as they are now) are read with their
 * non-secret columns only, as the system evidence reads them — never a key's ciphertext or hashes,
 * serials only masked; no password hash, session, token or payment credential is ever read here.
 *
 *   summary.html              printable summary (casefile-html.ts), zh-CN then English or one language
 *   records/<name>.json|.csv  request, order snapshot, policy, key timelines, payment, payouts,
 *                             timeline (audit events), conversation, evidence; dispute, statements,
 *                             findings when there is a dispute. CSV: UTF-8 with BOM, Beijing times,
 *                             yuan, formula-looking text made inert.
 *   evidence/<sha256>-<name>  every evidence file (buyer, merchant, statements, chat attachments),
 *                             from the content-addressed store, checked against its SHA-256
 *   manifest.json             every file's SHA-256 and size, the audit events (seq, id, action,
 *                             hash, prev_hash) of the request, dispute and statements — tying the
 *                             files to the hash-chained audit log — and when and by whom it was made
 */
// ZIP: JSZip. It is already installed (exceljs depends on the same version, so nothing new is
// downloaded), MIT-licensed and widely used; it both writes and reads ZIPs (the tests unzip with it
// and check every entry's CRC), and writes UTF-8 names for Chinese file names. A case file is
// small (a request holds a few evidence files of bounded size), so building it in memory is the
// simplest correct choice; archiver (streaming, also in the tree) would add stream handling for no
// gain, and fflate or yazl would be new dependencies.
import JSZip from 'jszip';
import { z } from 'zod';
import type { UserActor } from '../../platform/actor.js';
import { auditTrail } from '../../platform/audit.js';
import { fromJson, type Db } from '../../platform/db/dialect.js';
import { isSha256, sha256Bytes, type FileStore } from '../../platform/files.js';
import { shanghaiDateTime } from '../../platform/calendar.js';
import { fenToYuan } from '../../platform/money.js';
import { inert } from '../../platform/spreadsheet.js';
import { evidenceForViewer } from '../../platform/uploads.js';
import { requestDetail } from '../aftersales/index.js';
import {
  renderSummary,
  type AuditRecord,
  type CaseLang,
  type CaseModel,
  type ConversationMessage,
  type EvidenceFile,
  type KeyTimeline,
  type OrderSnapshot,
  type PaymentRecord,
  type PolicySnapshot,
  type RequestDetail,
} from './casefile-html.js';
import { disputeDetail, type DisputeDetail } from './views.js';

export const caseFileQuerySchema = z.strictObject({
  /** One language; without it the summary is bilingual, Chinese first. */
  lang: z.enum(['zh-CN', 'en']).optional(),
});

export interface CaseFileContext {
  db: Db;
  clock: { now(): Date };
  files: FileStore;
}

export interface CaseFileDownload {
  body: Buffer;
  fileName: string;
  contentType: 'application/zip';
}

/** The case file of a refund request (with its dispute, if any). */
export async function requestCaseFile(
  ctx: CaseFileContext,
  actor: UserActor,
  requestId: string,
  lang?: 'zh-CN' | 'en',
): Promise<CaseFileDownload> {
  const request = await requestDetail(ctx, actor, requestId);
  const d = await ctx.db
    .selectFrom('disputes')
    .select('id')
    .where('request_id', '=', request.id)
    .executeTakeFirst();
  const dispute = d ? await disputeDetail(ctx, actor, d.id) : null;
  return build(ctx, actor, request, dispute, lang ?? 'both', request.requestNo);
}

/** The case file of a dispute (with its refund request). */
export async function disputeCaseFile(
  ctx: CaseFileContext,
  actor: UserActor,
  disputeId: string,
  lang?: 'zh-CN' | 'en',
): Promise<CaseFileDownload> {
  const dispute = await disputeDetail(ctx, actor, disputeId);
  return build(ctx, actor, dispute.request, dispute, lang ?? 'both', dispute.disputeNo);
}

// ---- reading the records -------------------------------------------------------------------------

/** The latest system record of a kind (they are captured again at each submission). */
function systemRecord<T>(request: RequestDetail, kind: string): T | null {
  const rows = request.evidence.filter((e) => e.source === 'SYSTEM' && e.kind === kind);
  const last = rows.reduce<(typeof rows)[number] | null>(
    (a, e) => (a === null || e.submission >= a.submission ? e : a),
    null,
  );
  return last ? (last.content as T) : null;
}

/**
 * Key timelines as they are now: masked serials and states only, break-glass reveals left out. The
 * keys listed are those the unit holds now; a key that went back to stock on a refund (and may
 * since belong to someone else's unit) appears only in the unit's events, by its masked serial.
 */
async function keyTimelines(db: Db, unitIds: readonly string[]): Promise<KeyTimeline[]> {
  const ids = unitIds.length ? [...unitIds] : ['-'];
  const [keys, events] = await Promise.all([
    db
      .selectFrom('keys')
      .select([
        'id',
        'unit_id',
        'state',
        'serial_masked',
        'delivered_at',
        'first_revealed_at',
        'activated_at',
        'activation_source',
        'activated_before_delivery',
        'voided_at',
        'invalid_at',
      ])
      .where('unit_id', 'in', ids)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('key_events')
      .select(['id', 'unit_id', 'key_id', 'at', 'kind', 'actor_role'])
      .where('unit_id', 'in', ids)
      .where('kind', '<>', 'BREAK_GLASS_REVEAL')
      .orderBy('at')
      .orderBy('id')
      .execute(),
  ]);
  const eventKeys = [...new Set(events.map((e) => e.key_id).filter((k): k is string => k !== null))];
  const serials = eventKeys.length
    ? await db.selectFrom('keys').select(['id', 'serial_masked']).where('id', 'in', eventKeys).execute()
    : [];
  const serialOf = new Map([...serials, ...keys].map((k) => [k.id, k.serial_masked]));
  return unitIds.map((unitId) => ({
    unitId,
    keys: keys
      .filter((k) => k.unit_id === unitId)
      .map((k) => ({
        serialMasked: k.serial_masked,
        state: k.state,
        deliveredAt: k.delivered_at,
        firstRevealedAt: k.first_revealed_at,
        activatedAt: k.activated_at,
        activationSource: k.activation_source,
        activatedBeforeDelivery: k.activated_before_delivery === 1,
        voidedAt: k.voided_at,
        invalidAt: k.invalid_at,
      })),
    events: events
      .filter((e) => e.unit_id === unitId)
      .map((e) => ({
        at: e.at,
        kind: e.kind,
        by: e.actor_role,
        serialMasked: e.key_id ? (serialOf.get(e.key_id) ?? null) : null,
      })),
  }));
}

/** The order's payment without the gateway's trade number or payer details (as the system evidence). */
async function payment(db: Db, orderId: string): Promise<PaymentRecord | null> {
  const p = await db
    .selectFrom('payments')
    .select(['method', 'provider', 'amount_fen', 'state', 'paid_at', 'created_at'])
    .where('order_id', '=', orderId)
    .orderBy('created_at')
    .executeTakeFirst();
  return p
    ? {
        method: p.method,
        provider: p.provider,
        amountFen: Number(p.amount_fen),
        state: p.state,
        paidAt: p.paid_at,
        createdAt: p.created_at,
      }
    : null;
}

/** The order's conversation as it is now (append-only; every party of the request may read it). */
async function conversation(db: Db, orderId: string) {
  return db
    .selectFrom('conversation_messages')
    .select(['id', 'sender_role', 'body', 'sha256', 'file_name', 'created_at'])
    .where('order_id', '=', orderId)
    .orderBy('id')
    .execute();
}

/** Audit events of the request, the dispute and the statements the viewer sees, in chain order. */
async function trail(db: Db, request: RequestDetail, dispute: DisputeDetail | null): Promise<AuditRecord[]> {
  const objects: [string, string][] = [['refund_request', request.id]];
  if (dispute) {
    objects.push(['dispute', dispute.id]);
    const statements = await db
      .selectFrom('dispute_statements')
      .select(['id', 'party', 'state'])
      .where('dispute_id', '=', dispute.id)
      .execute();
    for (const s of statements)
      if (s.state === 'SUBMITTED' || s.party === dispute.viewer) objects.push(['dispute_statement', s.id]);
  }
  const rows = (await Promise.all(objects.map(([type, id]) => auditTrail(db, type, id)))).flat();
  return rows
    .map((e) => ({
      seq: Number(e.seq),
      id: e.id,
      at: e.at,
      objectType: e.object_type,
      objectId: e.object_id,
      action: e.action,
      actorRole: e.actor_role,
      hash: e.hash,
      prevHash: e.prev_hash,
      data: fromJson<unknown>(e.data),
    }))
    .sort((a, b) => a.seq - b.seq);
}

// ---- evidence files ------------------------------------------------------------------------------

/** A file name safe inside the ZIP and in a link: letters, digits, . _ - only, at most 80 of them. */
export function safeName(name: string): string {
  const cleaned = [...name.normalize('NFC')]
    .map((c) => (/[\p{L}\p{N}._-]/u.test(c) ? c : '_'))
    .join('')
    .replace(/^[._]+/, '');
  const chars = [...cleaned];
  return (chars.length > 80 ? chars.slice(chars.length - 80) : chars).join('') || 'file';
}

/**
 * The evidence files as the viewer may have them: originals the viewer uploaded, every other image
 * as its shareable copy without location and device metadata (platform/uploads.ts). Each entry
 * names the original's SHA-256 (the one the records and the audit log name) and, for a copy, the
 * copy's own SHA-256 and how it was derived; the ZIP path carries the hash of the bytes it holds.
 */
async function packEvidence(
  ctx: CaseFileContext,
  viewerId: string,
  wanted: { sha256: string; name: string | null; from: string }[],
): Promise<{ files: EvidenceFile[]; bytes: Map<string, Buffer> }> {
  const bySha = new Map<string, EvidenceFile>();
  for (const w of wanted) {
    if (!isSha256(w.sha256)) continue;
    const seen = bySha.get(w.sha256);
    if (seen) {
      if (!seen.from.includes(w.from)) seen.from.push(w.from);
      continue;
    }
    bySha.set(w.sha256, {
      sha256: w.sha256,
      name: w.name ?? 'file',
      path: null,
      size: null,
      from: [w.from],
      missing: null,
      fileSha256: null,
      derivation: null,
    });
  }
  const bytes = new Map<string, Buffer>();
  const at = ctx.clock.now();
  for (const f of bySha.values()) {
    const got = await evidenceForViewer(ctx.db, ctx.files, viewerId, f.sha256, at);
    if (!got) f.missing = 'not in the file store';
    else if (sha256Bytes(got.bytes) !== got.shareable.servedSha256)
      f.missing = 'stored bytes do not match their SHA-256';
    if (!got || f.missing) continue;
    f.fileSha256 = got.shareable.servedSha256;
    f.derivation = got.shareable.method;
    f.path = `evidence/${f.fileSha256}-${safeName(f.name)}`;
    f.size = got.bytes.length;
    bytes.set(f.path, got.bytes);
  }
  return { files: [...bySha.values()], bytes };
}

// ---- CSV -----------------------------------------------------------------------------------------

const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // UTC+8, no DST
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Text a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading ' (as orders' export). */

function cell(key: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return key.endsWith('Fen') && Number.isSafeInteger(v) ? fenToYuan(v) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return ISO_TIME.test(v) ? `${shanghaiDateTime(new Date(v))} +08:00` : inert(v);
  return inert(JSON.stringify(v));
}
const header = (key: string): string => (key.endsWith('Fen') ? `${key.slice(0, -3)} (¥)` : key);
const quote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A record's nested objects become dotted fields; arrays stay JSON. */
function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

const lastKey = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/** A table from rows, or a field/value sheet of one record; UTF-8 with a BOM so Excel reads Chinese. */
export function toCsv(data: unknown): Buffer {
  let lines: string[][];
  if (Array.isArray(data)) {
    // Rows keep their nested values as JSON cells: flattening mixed rows would explode the columns.
    const rows = data.map((r) =>
      r && typeof r === 'object' ? (r as Record<string, unknown>) : { value: r as unknown },
    );
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    lines = [keys.map(header), ...rows.map((r) => keys.map((k) => cell(lastKey(k), r[k])))];
  } else if (data && typeof data === 'object') {
    lines = [
      ['field', 'value'],
      ...Object.entries(flatten(data as Record<string, unknown>)).map(([k, v]) => [
        header(k),
        cell(lastKey(k), v),
      ]),
    ];
  } else lines = [['value'], [cell('value', data)]];
  const text = lines.map((l) => l.map(quote).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(text, 'utf8')]);
}

// ---- the ZIP -------------------------------------------------------------------------------------

async function build(
  ctx: CaseFileContext,
  actor: UserActor,
  request: RequestDetail,
  dispute: DisputeDetail | null,
  lang: CaseLang,
  number: string,
): Promise<CaseFileDownload> {
  const generatedAt = ctx.clock.now();
  const [me, units, pay, messages, events] = await Promise.all([
    ctx.db.selectFrom('users').select('username').where('id', '=', actor.id).executeTakeFirst(),
    keyTimelines(ctx.db, request.unitIds),
    payment(ctx.db, request.orderId),
    conversation(ctx.db, request.orderId),
    trail(ctx.db, request, dispute),
  ]);

  const wanted = [
    ...request.evidence
      .filter((e) => e.sha256 !== null)
      .map((e) => ({ sha256: e.sha256!, name: e.fileName, from: e.source })),
    ...(dispute?.statements ?? []).flatMap((s) =>
      s.files.map((f) => ({ sha256: f.sha256, name: f.name, from: `STATEMENT_${s.party}` })),
    ),
    ...messages
      .filter((m) => m.sha256 !== null)
      .map((m) => ({ sha256: m.sha256!, name: m.file_name, from: 'CONVERSATION' })),
  ];
  const { files, bytes } = await packEvidence(ctx, actor.id, wanted);
  const pathOf = new Map(files.map((f) => [f.sha256, f.path]));

  const chat: ConversationMessage[] = messages.map((m) => ({
    at: m.created_at,
    from: m.sender_role,
    text: m.body,
    file: m.sha256 ? { sha256: m.sha256, name: m.file_name, path: pathOf.get(m.sha256) ?? null } : null,
  }));
  const model: CaseModel = {
    request,
    dispute,
    order: systemRecord<OrderSnapshot>(request, 'ORDER_SNAPSHOT'),
    policy: systemRecord<PolicySnapshot>(request, 'POLICY'),
    units,
    payment: pay,
    conversation: chat,
    files,
    trail: events,
    generatedAt,
    generatedBy: { username: me?.username ?? actor.id, role: actor.role },
  };

  // The viewer's actions are of the page, not of the record.
  const { evidence, payouts, timeline: _timeline, actions: _actions, ...requestRecord } = request;
  const records: [string, unknown][] = [
    ['request', requestRecord],
    ['order-snapshot', model.order],
    ['policy', model.policy],
    ['key-timelines', units],
    ['payment', pay],
    ['payouts', payouts],
    ['timeline', events],
    ['conversation', chat],
    ['evidence', evidence.map((e) => ({ ...e, path: e.sha256 ? (pathOf.get(e.sha256) ?? null) : null }))],
    ['evidence-files', files],
  ];
  if (dispute) {
    const { request: _r, statements, findings, actions: _a, ...disputeRecord } = dispute;
    records.push(
      ['dispute', disputeRecord],
      [
        'statements',
        statements.map((s) => ({
          ...s,
          files: s.files.map((f) => ({ ...f, path: pathOf.get(f.sha256) ?? null })),
        })),
      ],
      ['findings', findings],
    );
  }
  // CSV of key timelines: one row per event, with the key's masked serial.
  const csvOf = (name: string, value: unknown): unknown =>
    name === 'key-timelines'
      ? units.flatMap((u) => u.events.map((e) => ({ unitId: u.unitId, ...e })))
      : value;

  const entries: { path: string; bytes: Buffer }[] = [
    { path: 'summary.html', bytes: Buffer.from(renderSummary(model, lang), 'utf8') },
  ];
  for (const [name, value] of records) {
    entries.push({
      path: `records/${name}.json`,
      bytes: Buffer.from(JSON.stringify(value, null, 2), 'utf8'),
    });
    entries.push({ path: `records/${name}.csv`, bytes: toCsv(csvOf(name, value)) });
  }
  for (const [path, b] of bytes) entries.push({ path, bytes: b });

  const manifest = {
    format: 'kameng-case-file/1',
    kind: dispute ? 'dispute' : 'refund_request',
    requestId: request.id,
    requestNo: request.requestNo,
    orderNo: request.orderNo,
    disputeId: dispute?.id ?? null,
    disputeNo: dispute?.disputeNo ?? null,
    generatedAt: generatedAt.toISOString(),
    generatedBy: { userId: actor.id, username: model.generatedBy.username, role: actor.role },
    lang,
    notes: [
      'Times in records/*.json are UTC (ISO 8601); records/*.csv and summary.html show Beijing time (UTC+8).',
      'Amounts in JSON are integer fen; CSV and summary.html show yuan.',
      'order-snapshot and policy are the system records of the latest submission; key-timelines, payment and conversation are as of generation.',
      'No key secret, password hash, session, token or payment credential is included; serials are masked.',
      'Evidence images the viewer did not upload are shareable copies with location and device metadata (EXIF/GPS, XMP, IPTC, make, model, serial) removed: each is listed in derivedEvidence with the SHA-256 of the original it was derived from, which is the hash the records and the audit log name. The original is kept unchanged by the platform.',
    ],
    files: entries.map((e) => ({ path: e.path, sha256: sha256Bytes(e.bytes), size: e.bytes.length })),
    derivedEvidence: files
      .filter((f) => f.derivation !== null)
      .map((f) => ({
        path: f.path,
        sha256: f.fileSha256,
        derivedFrom: f.sha256,
        method: f.derivation,
      })),
    missingEvidence: files
      .filter((f) => f.missing)
      .map((f) => ({ sha256: f.sha256, name: f.name, reason: f.missing })),
    audit: events.map((e) => ({
      seq: e.seq,
      id: e.id,
      at: e.at,
      objectType: e.objectType,
      objectId: e.objectId,
      action: e.action,
      hash: e.hash,
      prevHash: e.prevHash,
    })),
  };
  entries.push({ path: 'manifest.json', bytes: Buffer.from(JSON.stringify(manifest, null, 2), 'utf8') });

  // A ZIP entry's time is a wall-clock time without a zone, read as local time by unzip tools;
  // JSZip writes the Date's UTC fields, so shift by +8 h to store Beijing time.
  const date = new Date(generatedAt.getTime() + SHANGHAI_OFFSET_MS);
  const zip = new JSZip();
  for (const e of entries) zip.file(e.path, e.bytes, { date, binary: true, createFolders: false });
  const body = await zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
  });
  return { body, fileName: `${number}-case-file.zip`, contentType: 'application/zip' };
}
