/**
 * The sandbox bank (`sandbox-bank`): what a bank's payout API (银企直连 / 代付) does with Kameng's
 * transfer requests. Its own tables (`sandbox_bank_transfers`, `sandbox_bank_notices`) are the
 * bank's records; Kameng sees them only through the BankGateway interface and the RSA-signed
 * result notices that `tick` delivers, with retries when not acknowledged and duplicates for some
 * accounts. Like the sandbox payment gateways it is off in production unless
 * `KAMENG_SANDBOX_GATEWAYS=on` (config.sandboxGateways).
 *
 * What happens depends on the account number (TEST_ACCOUNTS): paid within a minute (any other
 * number), slow (two hours), failed after a minute with the failure notice sent twice, refused at
 * once (a frozen account), or paid with the notice lost (only a query finds out). A "down" switch
 * (setting `sandbox.sandbox-bank`) makes every call fail as an unreachable bank would.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPair,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { engineOf, forUpdate, now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { getSetting, putSetting } from '../../platform/settings.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import type { KeyVault } from '../../platform/vault.js';
import { maskAccountNo } from './bank-accounts.js';
import {
  TRANSFER_FAILURES,
  type BankAck,
  type BankGateway,
  type CreateTransferInput,
  type IncomingBankNotice,
  type TestBankAccount,
  type TransferFailure,
  type TransferNotice,
  type TransferStatus,
} from './bank.js';

export const SANDBOX_BANK = 'sandbox-bank';

interface Behaviour {
  outcome: 'SUCCESS' | 'FAILED';
  failureCode: TransferFailure | null;
  /** Seconds from the request to the result. */
  delaySeconds: number;
  /** Copies of the result notice: 0 lost, 1 normal, 2 a duplicate follows. */
  notices: number;
  /** Refused in the answer to the request itself (no notice). */
  refuseAtOnce: boolean;
}

const NORMAL: Behaviour = {
  outcome: 'SUCCESS',
  failureCode: null,
  delaySeconds: 60,
  notices: 1,
  refuseAtOnce: false,
};

/** The sandbox's test account numbers; every other valid number is paid within a minute. */
export const TEST_ACCOUNTS: readonly (TestBankAccount & { behaviour: Behaviour })[] = [
  {
    accountNo: '6222020000000000001',
    label: {
      zh: '户名与账号不符：1 分钟后失败，失败通知发送两次',
      en: 'Name does not match the account: fails after a minute, the failure notice is sent twice',
    },
    behaviour: { ...NORMAL, outcome: 'FAILED', failureCode: 'NAME_MISMATCH', notices: 2 },
  },
  {
    accountNo: '6222020000000000002',
    label: { zh: '跨行慢速：2 小时后到账', en: 'Slow interbank transfer: paid after two hours' },
    behaviour: { ...NORMAL, delaySeconds: 2 * 3600 },
  },
  {
    accountNo: '6222020000000000003',
    label: { zh: '账户已冻结：银行当即拒绝', en: 'Frozen account: the bank refuses at once' },
    behaviour: { ...NORMAL, outcome: 'FAILED', failureCode: 'ACCOUNT_FROZEN', refuseAtOnce: true },
  },
  {
    accountNo: '6222020000000000004',
    label: {
      zh: '到账但结果通知丢失：只能靠查询得知',
      en: 'Paid, but the result notice is lost: only a query finds out',
    },
    behaviour: { ...NORMAL, notices: 0 },
  },
];

const behaviourOf = (accountNo: string): Behaviour =>
  TEST_ACCOUNTS.find((a) => a.accountNo === accountNo)?.behaviour ?? NORMAL;

/** Seconds between deliveries of a notice that was not acknowledged; then the bank gives up. */
export const BANK_RETRY_SECONDS = [15, 60, 300, 1800, 7200] as const;
/** A duplicate copy goes out this long after the acknowledged one. */
const DUPLICATE_AFTER_SECONDS = 30;
/** Notices signed longer ago (or ahead) than this are refused as replays. */
export const BANK_MAX_SKEW_SECONDS = 300;
const CLAIM_LEASE_SECONDS = 60;
const BATCH = 100;

const later = (at: Date, seconds: number): string => now(new Date(at.getTime() + seconds * 1000));

// ---- signing keys ------------------------------------------------------------------------------

const generateRsa = promisify(generateKeyPair);
const CREDENTIALS_AAD = `gateway-credentials:${SANDBOX_BANK}`;

/** The bank's RSA key pair; the private half stays out of JSON and logs. */
class BankKeys {
  readonly #privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly serial: string;
  constructor(publicKeyPem: string, privateKeyPem: string) {
    this.publicKey = createPublicKey(publicKeyPem);
    this.#privateKey = createPrivateKey(privateKeyPem);
    const der = this.publicKey.export({ type: 'spki', format: 'der' });
    this.serial = createHash('sha256').update(der).digest('hex').slice(0, 40).toUpperCase();
  }
  sign(message: string): string {
    return createSign('RSA-SHA256').update(message, 'utf8').sign(this.#privateKey, 'base64');
  }
  toJSON(): string {
    return `[BankKeys ${this.serial}]`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

/** Loads the bank's keys, or makes and stores them on first use (the private key sealed). */
async function loadKeys(deps: { db: Db; vault: KeyVault }, at: Date): Promise<BankKeys> {
  const find = () =>
    deps.db
      .selectFrom('gateway_credentials')
      .selectAll()
      .where('provider', '=', SANDBOX_BANK)
      .executeTakeFirst();
  let row = await find();
  if (!row) {
    const pair = await generateRsa('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const sealed = await deps.vault.sealBlob(
      deps.db,
      at,
      CREDENTIALS_AAD,
      Buffer.from(pair.privateKey, 'utf8'),
    );
    await deps.db
      .insertInto('gateway_credentials')
      .values({
        provider: SANDBOX_BANK,
        public_key_pem: pair.publicKey,
        sealed_secrets: sealed,
        created_at: now(at),
      })
      .onConflict((oc) => oc.column('provider').doNothing()) // two instances starting at once agree on one
      .execute();
    row = await find();
    if (!row) throw new Error('sandbox bank keys could not be stored');
  }
  const privateKeyPem = (await deps.vault.openBlob(deps.db, CREDENTIALS_AAD, row.sealed_secrets)).toString(
    'utf8',
  );
  return new BankKeys(row.public_key_pem, privateKeyPem);
}

// ---- the wire --------------------------------------------------------------------------------

export interface OutgoingBankNotice {
  headers: Record<string, string>;
  contentType: string;
  rawBody: string;
}

/** Hands a notice to Kameng's notify endpoint (the app wires it to `app.inject`). */
export type DeliverBankNotice = (
  bank: string,
  notice: OutgoingBankNotice,
) => Promise<{ status: number; body: string }>;

const signatureMessage = (timestamp: string, nonce: string, body: string): string =>
  `${timestamp}\n${nonce}\n${body}\n`;

const noticeBody = z.object({
  notify_id: z.string(),
  event_type: z.literal('TRANSFER.FINISHED'),
  transfer: z.object({
    out_transfer_no: z.string().min(1),
    transfer_id: z.string().min(1),
    status: z.enum(['PROCESSING', 'SUCCESS', 'FAILED']),
    amount_fen: z.number().int().positive(),
    failure_code: z.enum(TRANSFER_FAILURES).nullable(),
    finished_at: z.string().nullable(),
  }),
});

const forged = (reason: string): never => fail('bank.notice_forged', { params: { reason } });

export interface SandboxBankSettings {
  /** Every call fails as an unreachable bank's would, and no notice is delivered. */
  down: boolean;
}
const settingKey = `sandbox.${SANDBOX_BANK}`;

export interface BankTickReport {
  finished: number;
  delivered: number;
  failed: number;
  duplicates: number;
  gaveUp: number;
}

export interface SandboxBankDeps {
  db: Db;
  clock: Clock;
  vault: KeyVault;
  deliver: DeliverBankNotice;
}

type TransferRow = Row<'sandbox_bank_transfers'>;

export class SandboxBank implements BankGateway {
  readonly bank = SANDBOX_BANK;
  readonly testAccounts: readonly TestBankAccount[] = TEST_ACCOUNTS.map(({ accountNo, label }) => ({
    accountNo,
    label,
  }));

  private constructor(
    private readonly deps: SandboxBankDeps,
    private readonly keys: BankKeys,
  ) {}

  static async open(deps: SandboxBankDeps): Promise<SandboxBank> {
    return new SandboxBank(deps, await loadKeys(deps, deps.clock.now()));
  }

  private get db(): Db {
    return this.deps.db;
  }

  async settings(): Promise<SandboxBankSettings> {
    return { down: false, ...(await getSetting<Partial<SandboxBankSettings>>(this.db, settingKey)) };
  }

  async updateSettings(patch: Partial<SandboxBankSettings>): Promise<SandboxBankSettings> {
    const next = { ...(await this.settings()), ...patch };
    await putSetting(this.db, settingKey, next, this.deps.clock.now());
    return next;
  }

  private async assertUp(): Promise<void> {
    if ((await this.settings()).down) fail('withdrawal.bank_unavailable');
  }

  // ---- BankGateway ---------------------------------------------------------------------------

  async createTransfer(input: CreateTransferInput): Promise<TransferStatus> {
    await this.assertUp();
    if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) fail('request.invalid');
    if (!/^\d{12,19}$/.test(input.accountNo)) fail('withdrawal.account_invalid');
    const at = this.deps.clock.now();
    const behaviour = behaviourOf(input.accountNo);
    const row = await unitOfWork({ db: this.db }, async (trx) => {
      // Insert-if-absent on (bank, out_transfer_no): a retry, even a concurrent one, finds the first.
      await trx
        .insertInto('sandbox_bank_transfers')
        .values({
          id: newId(),
          bank: this.bank,
          out_transfer_no: input.outTransferNo,
          amount_fen: input.amountFen,
          account_masked: maskAccountNo(input.accountNo),
          state: behaviour.refuseAtOnce ? 'FAILED' : 'PROCESSING',
          outcome: behaviour.outcome,
          failure_code: behaviour.failureCode,
          notices: behaviour.refuseAtOnce ? 0 : behaviour.notices,
          complete_at: behaviour.refuseAtOnce ? now(at) : later(at, behaviour.delaySeconds),
          created_at: now(at),
          updated_at: now(at),
          finished_at: behaviour.refuseAtOnce ? now(at) : null,
        })
        .onConflict((oc) => oc.columns(['bank', 'out_transfer_no']).doNothing())
        .execute();
      return this.transferByOut(trx, input.outTransferNo);
    });
    // The same number with another amount is another transfer: refused, as a bank would.
    if (!row || row.amount_fen !== input.amountFen) fail('request.duplicate');
    return statusOf(row);
  }

  async queryTransfer(outTransferNo: string): Promise<TransferStatus | null> {
    await this.assertUp();
    const row = await this.transferByOut(this.db, outTransferNo);
    return row ? statusOf(row) : null;
  }

  verifyNotice(input: IncomingBankNotice): TransferNotice {
    const h = (name: string) => input.headers[name] ?? forged(`missing ${name}`);
    if (h('x-bank-serial') !== this.keys.serial) forged('unknown key serial');
    const timestamp = h('x-bank-timestamp');
    const nonce = h('x-bank-nonce');
    const signature = h('x-bank-signature');
    const ts = Number(timestamp);
    const skew = Math.abs(this.deps.clock.now().getTime() / 1000 - ts);
    if (!/^\d{1,12}$/.test(timestamp) || !(skew <= BANK_MAX_SKEW_SECONDS)) forged('stale timestamp');
    const valid = createVerify('RSA-SHA256')
      .update(signatureMessage(timestamp, nonce, input.rawBody), 'utf8')
      .verify(this.keys.publicKey, signature, 'base64');
    if (!valid) forged('bad signature');
    let parsed: z.infer<typeof noticeBody>;
    try {
      parsed = noticeBody.parse(JSON.parse(input.rawBody));
    } catch {
      return forged('malformed body');
    }
    const t = parsed.transfer;
    return {
      type: 'TRANSFER',
      outTransferNo: t.out_transfer_no,
      transferId: t.transfer_id,
      state: t.status,
      amountFen: t.amount_fen,
      failureCode: t.failure_code,
      finishedAt: t.finished_at ? new Date(t.finished_at) : null,
    };
  }

  ack(ok: boolean): BankAck {
    return ok
      ? { status: 200, contentType: 'application/json', body: '{"code":"SUCCESS"}' }
      : { status: 500, contentType: 'application/json', body: '{"code":"FAIL","message":"not applied"}' };
  }

  // ---- time passing ----------------------------------------------------------------------------

  /** Finishes transfers whose time has come, then delivers due notices (not while "down"). */
  async tick(at: Date = this.deps.clock.now()): Promise<BankTickReport> {
    const report: BankTickReport = { finished: 0, delivered: 0, failed: 0, duplicates: 0, gaveUp: 0 };
    report.finished = await this.finishDue(at);
    if (!(await this.settings()).down) await this.deliverDue(at, report);
    return report;
  }

  private async finishDue(at: Date): Promise<number> {
    const due = await this.db
      .selectFrom('sandbox_bank_transfers')
      .select('id')
      .where('bank', '=', this.bank)
      .where('state', '=', 'PROCESSING')
      .where('complete_at', '<=', now(at))
      .orderBy('complete_at')
      .limit(BATCH)
      .execute();
    let finished = 0;
    for (const { id } of due) {
      const done = await unitOfWork({ db: this.db }, async (trx) => {
        const row = await forUpdate(
          trx
            .selectFrom('sandbox_bank_transfers')
            .selectAll()
            .where('id', '=', id)
            .where('state', '=', 'PROCESSING'),
          engineOf(trx),
        ).executeTakeFirst();
        if (!row) return false; // another sweeper got there first
        await trx
          .updateTable('sandbox_bank_transfers')
          .set({ state: row.outcome, finished_at: row.complete_at, updated_at: now(at) })
          .where('id', '=', id)
          .execute();
        if (row.notices > 0)
          await trx
            .insertInto('sandbox_bank_notices')
            .values({
              id: newId(),
              bank: this.bank,
              transfer_id: id,
              state: 'PENDING',
              attempts: 0,
              extra_deliveries: row.notices - 1,
              next_attempt_at: now(at),
              last_status: null,
              created_at: now(at),
              delivered_at: null,
            })
            .execute();
        return true;
      });
      if (done) finished++;
    }
    return finished;
  }

  /**
   * Sends each due notice once: claimed by a conditional update first (its counters act as a
   * version), sent outside any transaction (Kameng's handler runs its own).
   */
  private async deliverDue(at: Date, report: BankTickReport): Promise<void> {
    const due = await this.db
      .selectFrom('sandbox_bank_notices')
      .selectAll()
      .where('bank', '=', this.bank)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'PENDING'),
          eb.and([eb('state', '=', 'DELIVERED'), eb('extra_deliveries', '>', 0)]),
        ]),
      )
      .where('next_attempt_at', '<=', now(at))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    for (const n of due) {
      const duplicate = n.state === 'DELIVERED';
      const attempts = duplicate ? n.attempts : n.attempts + 1;
      const extra = duplicate ? n.extra_deliveries - 1 : n.extra_deliveries;
      const claim = await this.db
        .updateTable('sandbox_bank_notices')
        .set({ attempts, extra_deliveries: extra, next_attempt_at: later(at, CLAIM_LEASE_SECONDS) })
        .where('id', '=', n.id)
        .where('state', '=', n.state)
        .where('attempts', '=', n.attempts)
        .where('extra_deliveries', '=', n.extra_deliveries)
        .executeTakeFirst();
      if (claim.numUpdatedRows !== 1n) continue; // another sweeper has it
      const settle = (values: Partial<Row<'sandbox_bank_notices'>>) =>
        this.db
          .updateTable('sandbox_bank_notices')
          .set(values)
          .where('id', '=', n.id)
          .where('attempts', '=', attempts)
          .where('extra_deliveries', '=', extra)
          .execute();
      const transfer = await this.db
        .selectFrom('sandbox_bank_transfers')
        .selectAll()
        .where('id', '=', n.transfer_id)
        .executeTakeFirst();
      if (!transfer) {
        await settle({ state: 'GAVE_UP' });
        report.gaveUp++;
        continue;
      }
      let reply: { status: number; body: string };
      try {
        reply = await this.deps.deliver(this.bank, this.sign(transfer, n.id, at));
      } catch {
        reply = { status: 0, body: '' }; // unreachable: a failed attempt
      }
      const ok = reply.status === 200 && reply.body.includes('SUCCESS');
      if (duplicate) {
        report.duplicates++; // a copy goes out whatever happened to the first; its answer changes nothing
        await settle({ next_attempt_at: later(at, DUPLICATE_AFTER_SECONDS) });
      } else if (ok) {
        report.delivered++;
        await settle({
          state: 'DELIVERED',
          delivered_at: now(at),
          last_status: reply.status,
          next_attempt_at: later(at, extra > 0 ? DUPLICATE_AFTER_SECONDS : 0),
        });
      } else {
        const gaveUp = attempts > BANK_RETRY_SECONDS.length;
        if (gaveUp) report.gaveUp++;
        else report.failed++;
        await settle({
          state: gaveUp ? 'GAVE_UP' : 'PENDING',
          last_status: reply.status,
          next_attempt_at: later(at, gaveUp ? 0 : BANK_RETRY_SECONDS[attempts - 1]),
        });
      }
    }
  }

  /** The notice for a transfer as it is now, signed at `at`. */
  sign(transfer: TransferRow, notifyId: string, at: Date): OutgoingBankNotice {
    const s = statusOf(transfer);
    const rawBody = JSON.stringify({
      notify_id: notifyId,
      event_type: 'TRANSFER.FINISHED',
      transfer: {
        out_transfer_no: s.outTransferNo,
        transfer_id: s.transferId,
        status: s.state,
        amount_fen: s.amountFen,
        failure_code: s.failureCode,
        finished_at: s.finishedAt?.toISOString() ?? null,
      },
    });
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const nonce = randomBytes(16).toString('hex');
    return {
      contentType: 'application/json',
      rawBody,
      headers: {
        'x-bank-serial': this.keys.serial,
        'x-bank-timestamp': timestamp,
        'x-bank-nonce': nonce,
        'x-bank-signature': this.keys.sign(signatureMessage(timestamp, nonce, rawBody)),
      },
    };
  }

  private transferByOut(db: Db, outTransferNo: string): Promise<TransferRow | undefined> {
    return db
      .selectFrom('sandbox_bank_transfers')
      .selectAll()
      .where('bank', '=', this.bank)
      .where('out_transfer_no', '=', outTransferNo)
      .executeTakeFirst();
  }

  /** The transfer's latest signed notice, for tests that replay it (duplicates, reordering). */
  async noticeFor(outTransferNo: string): Promise<OutgoingBankNotice | null> {
    const row = await this.transferByOut(this.db, outTransferNo);
    return row ? this.sign(row, newId(), this.deps.clock.now()) : null;
  }
}

const isFailure = (code: string | null): code is TransferFailure =>
  code !== null && (TRANSFER_FAILURES as readonly string[]).includes(code);

function statusOf(row: TransferRow): TransferStatus {
  return {
    outTransferNo: row.out_transfer_no,
    transferId: row.id,
    state: row.state,
    amountFen: row.amount_fen,
    failureCode:
      row.state === 'FAILED' ? (isFailure(row.failure_code) ? row.failure_code : 'BANK_REJECTED') : null,
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  };
}
