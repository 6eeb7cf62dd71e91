/**
 * Delivers the outbox that `notify()` fills inside each change's transaction: e-mail through
 * nodemailer (an SMTP server when `KAMENG_SMTP_URL` is set, otherwise one `.eml` file per mail
 * under `<dataDir>/outbox/`, which a developer can open in any mail client) and SMS through an
 * `SmsSender` (the default logs and records each message; a real gateway fits the interface).
 *
 * The sweeper calls `drainOutbox` on every tick. A row is sent once: on PostgreSQL each row is
 * locked (`FOR UPDATE SKIP LOCKED`) for the duration of its send, so several app instances never
 * take the same row; SQLite has one writing process, and one drain at a time runs per database.
 * The row's id is the mail's Message-ID, so a retry after a lost answer is recognisable as the
 * same mail. Failures are retried with growing pauses, and give up (FAILED) after five attempts.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer as streamBytes } from 'node:stream/consumers';
import nodemailer from 'nodemailer';
import pino from 'pino';
import type { Config } from '../../platform/config.js';
import type { Clock } from '../../platform/clock.js';
import { engineOf, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { randomToken } from '../../platform/ids.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

export const MAX_ATTEMPTS = 5;
const BATCH = 50;
/** How long after its creation a row with n failed attempts is tried again (index n). */
const RETRY_AFTER_MS = [0, 60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000] as const;

export interface OutgoingEmail {
  /** The outbox row's id: the Message-ID and the file name, so a retry is the same mail. */
  id: string;
  to: string;
  subject: string;
  text: string;
}

export interface OutgoingSms {
  id: string;
  to: string;
  text: string;
}

export interface EmailSender {
  send(mail: OutgoingEmail): Promise<void>;
}

export interface SmsSender {
  send(sms: OutgoingSms): Promise<void>;
}

export interface Mailer {
  /** `smtp`: sent to the configured server; `file`: written under `<dataDir>/outbox/`. */
  readonly mode: 'smtp' | 'file';
  readonly email: EmailSender;
  readonly sms: SmsSender;
  close(): void;
}

/** What the SMS default needs from a logger (pino and Fastify's logger fit). */
export interface LineLogger {
  info(obj: Record<string, unknown>, msg: string): void;
}

/** 138****5678: enough to tell numbers apart in a log, not enough to call them. */
export const maskPhone = (phone: string): string => phone.replace(/\d(?=\d{4})/g, '*');

/**
 * The default SMS channel while no SMS gateway is configured: each message is logged as one line
 * and kept (the latest 200) in `sent`, where a demo or a test can look.
 */
export class LoggingSmsSender implements SmsSender {
  readonly sent: (OutgoingSms & { at: string })[] = [];
  constructor(
    private readonly log: LineLogger,
    private readonly clock: Pick<Clock, 'now'> = { now: () => new Date() },
  ) {}
  send(sms: OutgoingSms): Promise<void> {
    this.log.info(
      { outboxId: sms.id, to: maskPhone(sms.to), text: sms.text },
      'sms (no SMS gateway configured)',
    );
    this.sent.push({ ...sms, at: now(this.clock.now()) });
    if (this.sent.length > 200) this.sent.splice(0, this.sent.length - 200);
    return Promise.resolve();
  }
}

function mailDomain(publicUrl: string | undefined): string {
  if (!publicUrl) return 'kameng.local';
  try {
    return new URL(publicUrl).hostname || 'kameng.local';
  } catch {
    return 'kameng.local';
  }
}

/** Writes a file whole or not at all: a reader never sees half a mail. */
async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temp = `${file}.${randomToken(6)}.tmp`;
  await writeFile(temp, bytes, { mode: 0o640 });
  await rename(temp, file);
}

/**
 * The mail channel for a configuration: SMTP when `KAMENG_SMTP_URL` is set, otherwise `.eml`
 * files under `<dataDir>/outbox/` (nodemailer's stream transport builds the same message).
 */
export function createMailer(
  config: Pick<Config, 'smtpUrl' | 'dataDir' | 'publicUrl'>,
  options: { log?: LineLogger; sms?: SmsSender; from?: string } = {},
): Mailer {
  const domain = mailDomain(config.publicUrl);
  const from = options.from ?? `"Kameng 卡盟" <no-reply@${domain}>`;
  const sms = options.sms ?? new LoggingSmsSender(options.log ?? pino({ name: 'kameng-sms' }));
  const message = (m: OutgoingEmail) => ({
    from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    messageId: `<${m.id}@${domain}>`,
    headers: { 'X-Kameng-Outbox-Id': m.id },
  });

  if (config.smtpUrl) {
    // Timeouts well under the defaults (minutes): a dead server must not stall the sweeper.
    const smtp = nodemailer.createTransport({
      url: config.smtpUrl,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    return {
      mode: 'smtp',
      email: {
        async send(m) {
          await smtp.sendMail(message(m));
        },
      },
      sms,
      close: () => smtp.close(),
    };
  }

  const dir = path.join(config.dataDir, 'outbox');
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    mode: 'file',
    email: {
      async send(m) {
        const info = await stream.sendMail(message(m));
        const bytes = Buffer.isBuffer(info.message) ? info.message : await streamBytes(info.message);
        await mkdir(dir, { recursive: true });
        await writeAtomically(path.join(dir, `${m.id}.eml`), bytes);
      },
    },
    sms,
    close: () => stream.close(),
  };
}

export interface DrainReport {
  sent: number;
  /** Failed this time, to be tried again later. */
  retrying: number;
  /** Failed for the last time (FAILED). */
  failed: number;
}

/** Databases with a drain in progress in this process (a slow SMTP server outlasts a tick). */
const draining = new WeakSet<object>();

async function deliver(row: Row<'outbox'>, mailer: Mailer): Promise<string | null> {
  try {
    switch (row.channel) {
      case 'EMAIL':
        await mailer.email.send({ id: row.id, to: row.recipient, subject: row.subject, text: row.body });
        break;
      case 'SMS':
        await mailer.sms.send({ id: row.id, to: row.recipient, text: row.body });
        break;
    }
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return message.slice(0, 500) || 'unknown error';
  }
}

/** Writes the outcome of one attempt; only if the row is still the one that was sent. */
async function record(
  db: Db,
  row: Row<'outbox'>,
  error: string | null,
  at: Date,
): Promise<keyof DrainReport | null> {
  const attempts = row.attempts + 1;
  const outcome: keyof DrainReport =
    error === null ? 'sent' : attempts >= MAX_ATTEMPTS ? 'failed' : 'retrying';
  const res = await db
    .updateTable('outbox')
    .set(
      error === null
        ? { state: 'SENT', attempts, sent_at: now(at), last_error: null }
        : { state: outcome === 'failed' ? 'FAILED' : 'PENDING', attempts, last_error: error },
    )
    .where('id', '=', row.id)
    .where('state', '=', 'PENDING')
    .where('attempts', '=', row.attempts)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1 ? outcome : null;
}

/**
 * Sends up to 50 waiting outbox rows, oldest first, and records each outcome. Rows that failed
 * before wait 1 min, 5 min, 30 min, then 2 h (counted from their creation) before the next try.
 */
export async function drainOutbox(
  ctx: { db: Db; clock: Pick<Clock, 'now'>; config: Pick<Config, 'dataDir'> },
  mailer: Mailer,
): Promise<DrainReport> {
  const report: DrainReport = { sent: 0, retrying: 0, failed: 0 };
  if (draining.has(ctx.db)) return report;
  draining.add(ctx.db);
  try {
    const nowMs = ctx.clock.now().getTime();
    const due = await ctx.db
      .selectFrom('outbox')
      .selectAll()
      .where('state', '=', 'PENDING')
      .where((eb) =>
        eb.or(
          RETRY_AFTER_MS.map((ms, attempts) =>
            eb.and([eb('attempts', '=', attempts), eb('created_at', '<=', now(new Date(nowMs - ms)))]),
          ),
        ),
      )
      .orderBy('created_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    const pg = engineOf(ctx.db) === 'postgres';
    for (const candidate of due) {
      const outcome = pg
        ? // The row lock is held while sending: another instance skips the row instead of sending it twice.
          await unitOfWork(ctx, async (trx) => {
            const row = await trx
              .selectFrom('outbox')
              .selectAll()
              .where('id', '=', candidate.id)
              .where('state', '=', 'PENDING')
              .where('attempts', '=', candidate.attempts)
              .forUpdate()
              .skipLocked()
              .executeTakeFirst();
            if (!row) return null;
            return record(trx, row, await deliver(row, mailer), ctx.clock.now());
          })
        : await record(ctx.db, candidate, await deliver(candidate, mailer), ctx.clock.now());
      if (outcome) report[outcome]++;
    }
  } finally {
    draining.delete(ctx.db);
  }
  return report;
}
