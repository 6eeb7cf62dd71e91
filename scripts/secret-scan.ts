/**
 * The secret scan of a test run (Stage 9, domain §12 item 5): every key secret, password, session
 * id and API token the tests used must appear nowhere in what the test harnesses saw — logs,
 * mails, responses (records and case-file exports unzipped), files the app wrote — except in the
 * responses whose purpose is to hand that secret to its owner (EXEMPT below).
 *
 * `npm test` runs `vitest run` with KAMENG_SECRET_SCAN_DIR set (test/helpers/secret-record.ts
 * records into it), then this script, which exits 1 with a list of hits (secrets masked).
 *
 *   tsx scripts/secret-scan.ts [dir]    # default: $KAMENG_SECRET_SCAN_DIR or .secret-scan
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';

/** Where the recorder writes when `npm test` runs (relative to the repository). */
export const DEFAULT_SCAN_DIR = 'node_modules/.cache/kameng-secret-scan';

/**
 * Responses that exist to deliver a secret to its owner: their bodies are not scanned (their
 * headers are). Matched against `METHOD /path?query STATUS`.
 */
export const EXEMPT: readonly { what: string; where: RegExp }[] = [
  { what: 'key reveal to the buyer', where: /^POST \/api\/units\/[^/?\s]+\/reveal 200$/ },
  { what: 'bulk reveal (批量查看) to the buyer', where: /^POST \/api\/orders\/[^/?\s]+\/reveal 200$/ },
  { what: 'channel lookup reveal to the channel buyer', where: /^POST \/api\/lookup\/[^/?\s]+\/reveal 200$/ },
  {
    what: 'break-glass reveal to an admin, for a written reason',
    where: /^POST \/api\/admin\/keys\/[^/?\s]+\/reveal 200$/,
  },
  { what: 'merchant API token creation (shown once)', where: /^POST \/api\/merchant\/tokens 201$/ },
  { what: 'issuer / channel token creation (shown once)', where: /^POST \/api\/admin\/tokens 201$/ },
];

interface Seen {
  kind: string;
  where: string;
  text?: string;
  b64?: string;
  zip?: boolean;
}
interface Secret {
  kind: string;
  value: string;
}

export interface Hit {
  secretKind: string;
  /** The secret's first 3 characters and its length, never the secret. */
  secret: string;
  seenKind: string;
  where: string;
  /** Text around the hit with the secret replaced by «secret». */
  context: string;
}

export interface ScanReport {
  files: number;
  bytes: number;
  records: number;
  exempted: number;
  secrets: number;
  secretsByKind: Record<string, number>;
  hits: Hit[];
}

const PREFIX = 8;

/**
 * A value is looked for if it is at least 8 characters and not a plain word: a test's deliberately
 * weak password "password" is also the name of a field in every login error.
 */
export const worthScanning = (value: string): boolean => value.length >= PREFIX && !/^[\p{L}]+$/u.test(value);

/** Finds any of many secrets in a text in one pass: secrets indexed by their first characters. */
class Matcher {
  private readonly byPrefix = new Map<string, Secret[]>();
  constructor(secrets: Iterable<Secret>) {
    for (const s of secrets) {
      const key = s.value.slice(0, PREFIX);
      const list = this.byPrefix.get(key);
      if (list) list.push(s);
      else this.byPrefix.set(key, [s]);
    }
  }
  *find(text: string): Generator<{ at: number; secret: Secret }> {
    if (this.byPrefix.size === 0) return;
    for (let i = 0; i + PREFIX <= text.length; i++) {
      const list = this.byPrefix.get(text.slice(i, i + PREFIX));
      if (!list) continue;
      for (const s of list) if (text.startsWith(s.value, i)) yield { at: i, secret: s };
    }
  }
}

const jsonl = (file: string) =>
  createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });

async function textsOf(rec: Seen): Promise<string[]> {
  if (rec.text !== undefined) return [rec.text];
  if (rec.b64 === undefined) return [];
  const bytes = Buffer.from(rec.b64, 'base64');
  if (!rec.zip) return [bytes.toString('latin1'), bytes.toString('utf8')];
  try {
    const zip = await JSZip.loadAsync(bytes);
    const out: string[] = [];
    for (const entry of Object.values(zip.files)) if (!entry.dir) out.push(await entry.async('string'));
    return out;
  } catch {
    return [bytes.toString('latin1')]; // not a readable archive: scanned as bytes
  }
}

export async function scan(dir: string, exempt = EXEMPT): Promise<ScanReport> {
  const names = existsSync(dir) ? readdirSync(dir).sort() : [];
  const secrets = new Map<string, Secret>();
  for (const name of names.filter((n) => n.startsWith('secrets-') && n.endsWith('.jsonl'))) {
    for await (const line of jsonl(path.join(dir, name))) {
      if (!line) continue;
      const s = JSON.parse(line) as Secret;
      if (worthScanning(s.value) && !secrets.has(s.value)) secrets.set(s.value, s);
    }
  }
  const matcher = new Matcher(secrets.values());
  const report: ScanReport = {
    files: 0,
    bytes: 0,
    records: 0,
    exempted: 0,
    secrets: secrets.size,
    secretsByKind: {},
    hits: [],
  };
  for (const s of secrets.values()) report.secretsByKind[s.kind] = (report.secretsByKind[s.kind] ?? 0) + 1;
  for (const name of names.filter((n) => n.startsWith('seen-') && n.endsWith('.jsonl'))) {
    const file = path.join(dir, name);
    report.files++;
    report.bytes += statSync(file).size;
    for await (const line of jsonl(file)) {
      if (!line) continue;
      const rec = JSON.parse(line) as Seen;
      report.records++;
      if (rec.kind === 'response' && exempt.some((e) => e.where.test(rec.where))) {
        report.exempted++;
        continue;
      }
      for (const text of await textsOf(rec)) {
        for (const { at, secret } of matcher.find(text)) {
          const before = text.slice(Math.max(0, at - 60), at);
          const after = text.slice(at + secret.value.length, at + secret.value.length + 60);
          report.hits.push({
            secretKind: secret.kind,
            secret: `${secret.value.slice(0, 3)}…(${secret.value.length})`,
            seenKind: rec.kind,
            where: rec.where,
            context: `${before}«secret»${after}`.replace(/\s+/g, ' '),
          });
        }
      }
    }
  }
  return report;
}

export function formatReport(r: ScanReport): string {
  const kinds = Object.entries(r.secretsByKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const lines = [
    `secret scan: ${r.secrets} secrets (${kinds || 'none'}) looked for in ${r.records} items ` +
      `(${r.files} files, ${(r.bytes / 1024 / 1024).toFixed(1)} MiB; ${r.exempted} responses exempt: they deliver a secret to its owner)`,
  ];
  if (r.hits.length === 0) lines.push('secret scan: 0 hits');
  else {
    lines.push(`secret scan: ${r.hits.length} HITS — a secret appeared where it must not:`);
    for (const h of r.hits.slice(0, 200))
      lines.push(`  ${h.secretKind} ${h.secret} in ${h.seenKind} ${h.where}\n      …${h.context}…`);
    if (r.hits.length > 200) lines.push(`  … and ${r.hits.length - 200} more`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const dir = path.resolve(process.argv[2] ?? process.env.KAMENG_SECRET_SCAN_DIR ?? DEFAULT_SCAN_DIR);
  if (!existsSync(dir) || readdirSync(dir).length === 0) {
    process.stderr.write(
      `secret scan: nothing recorded in ${dir} (was vitest run with KAMENG_SECRET_SCAN_DIR?)\n`,
    );
    return 1;
  }
  const report = await scan(dir);
  process.stdout.write(`${formatReport(report)}\n`);
  return report.hits.length === 0 && report.secrets > 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
