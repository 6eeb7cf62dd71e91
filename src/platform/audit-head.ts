/**
 * The audit chain's head exported outside the database (Stage 9, issue 14 item 8): an append-only
 * file in the data directory, one JSON line `{"seq":…,"hash":"…","at":"…"}` each time the head has
 * moved, plus a structured log line with the same fields (so a log shipper keeps a copy elsewhere).
 * Written by the sweeper (at most once a minute) and at shutdown. `kameng verify` checks every line against the
 * chain: a line naming a seq past the chain's end, or a hash the chain no longer has at that seq,
 * means the tail was deleted or recomputed.
 */
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Db } from './db/dialect.js';

export const AUDIT_HEAD_FILE = 'audit-head.log';

export const auditHeadFile = (dataDir: string): string => path.join(dataDir, AUDIT_HEAD_FILE);

export interface HeadLine {
  seq: number;
  hash: string;
  at: string;
}

interface InfoLogger {
  info(obj: object, msg: string): void;
}

/**
 * Appends the head when it moved since this exporter last wrote, at most once per `everyMs` (the
 * sweeper calls it every sweep; a line every 2 s would be ~43,000 a day) unless `force` (shutdown).
 * Returns the line written, if any.
 */
export class AuditHeadExporter {
  private lastSeq = -1;
  private lastAt = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly log?: InfoLogger,
    private readonly everyMs = 60_000,
  ) {}

  async export(at: Date, opts: { force?: boolean } = {}): Promise<HeadLine | null> {
    if (!opts.force && at.getTime() - this.lastAt < this.everyMs) return null;
    const head = await this.db
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    if (head.seq === this.lastSeq || head.seq === 0) return null;
    const line: HeadLine = { seq: head.seq, hash: head.hash, at: at.toISOString() };
    await mkdir(this.dataDir, { recursive: true });
    await appendFile(auditHeadFile(this.dataDir), `${JSON.stringify(line)}\n`, { mode: 0o600 });
    this.lastSeq = head.seq;
    this.lastAt = at.getTime();
    this.log?.info({ auditHead: line }, 'audit chain head');
    return line;
  }
}

/**
 * The exported head's lines as seq → hash (the last line for a seq wins; a malformed line is
 * reported). Streamed: the file is read line by line.
 */
export async function readHeadFile(
  file: string,
): Promise<{ exists: boolean; lines: Map<number, string>; malformed: number[] }> {
  const lines = new Map<number, string>();
  const malformed: number[] = [];
  if (!existsSync(file)) return { exists: false, lines, malformed };
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim() === '') continue;
    try {
      const v = JSON.parse(text) as Partial<HeadLine>;
      if (typeof v.seq !== 'number' || !Number.isInteger(v.seq) || typeof v.hash !== 'string')
        throw new Error();
      lines.set(v.seq, v.hash);
    } catch {
      malformed.push(n);
    }
  }
  return { exists: true, lines, malformed };
}
