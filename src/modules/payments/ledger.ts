/**
 * Double-entry ledger in integer fen. Every money movement is one transaction of postings that sum
 * to zero, applied with its audit event inside the caller's transaction and keyed by a unique
 * idempotency key: a replay returns the first result, a different movement under the same key is
 * refused. Balances change by conditional UPDATE (never read-then-write), so a wallet cannot go
 * negative however many spends race; accounts are locked in id order so two movements over the
 * same accounts never deadlock.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../../platform/actor.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { AccountKind, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newId, newOrderedId } from '../../platform/ids.js';
import { appendAudit, canonicalJson, type AuditInput } from '../../platform/audit.js';
import { sql, type RawBuilder } from 'kysely';

/**
 * Accounts that may run negative: money the platform is owed by an outside party — a gateway, or
 * a merchant whose balance and deposit did not cover a refund after settlement (spec §4: the
 * buyer is refunded anyway; the debt is netted against the merchant's next settlements).
 */
const MAY_GO_NEGATIVE: ReadonlySet<AccountKind> = new Set(['GATEWAY_CLEARING', 'MERCHANT_PAYABLE']);

export async function ensureAccount(
  trx: Db,
  kind: AccountKind,
  ownerId: string,
  at: Date,
  /** Whether the balance may go below zero (by default as its kind allows); set when it is created. */
  allowNegative: boolean = MAY_GO_NEGATIVE.has(kind),
): Promise<Row<'ledger_accounts'>> {
  // Nearly always the account exists: one indexed read, and the insert only the first time.
  const found = await trx
    .selectFrom('ledger_accounts')
    .selectAll()
    .where('kind', '=', kind)
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  if (found) return found;
  await trx
    .insertInto('ledger_accounts')
    .values({
      id: newId(),
      kind,
      owner_id: ownerId,
      balance_fen: 0,
      allow_negative: allowNegative ? 1 : 0,
      version: 1,
      created_at: now(at),
      updated_at: now(at),
    })
    .onConflict((oc) => oc.columns(['kind', 'owner_id']).doNothing())
    .execute();
  return trx
    .selectFrom('ledger_accounts')
    .selectAll()
    .where('kind', '=', kind)
    .where('owner_id', '=', ownerId)
    .executeTakeFirstOrThrow();
}

export interface Posting {
  accountId: string;
  amountFen: number;
}

export interface MoneyMovement {
  idempotencyKey: string;
  kind: string;
  reference: { type: string; id: string };
  postings: Posting[];
}

export interface Posted {
  transactionId: string;
  replayed: boolean;
}

/** Programming errors, not user errors: an unbalanced or fractional movement never reaches the DB. */
function assertWellFormed(m: MoneyMovement): void {
  if (m.postings.length < 2) throw new Error('a ledger transaction needs at least two postings');
  let sum = 0;
  for (const p of m.postings) {
    if (!Number.isSafeInteger(p.amountFen) || p.amountFen === 0)
      throw new Error('postings are non-zero whole fen');
    sum += p.amountFen;
  }
  if (sum !== 0) throw new Error(`ledger transaction does not balance (sum ${sum})`);
}

const fingerprintOf = (m: MoneyMovement): string =>
  createHash('sha256')
    .update(
      canonicalJson({
        kind: m.kind,
        reference: m.reference,
        postings: [...m.postings].sort(
          (a, b) => a.accountId.localeCompare(b.accountId) || a.amountFen - b.amountFen,
        ),
      }),
    )
    .digest('hex');

/**
 * A money movement's rows, decided before any statement runs: the transaction, its postings, the
 * net change per account (in id order: accounts are locked in that order) and its audit event.
 * The one definition used by `postTransaction` and by a batched write (`postingCtes`).
 */
export interface PreparedPosting {
  transaction: Row<'ledger_transactions'>;
  postings: Row<'ledger_postings'>[];
  net: { accountId: string; amountFen: number }[];
  audit: AuditInput;
}

export function preparePosting(actor: Actor, at: Date, m: MoneyMovement): PreparedPosting {
  assertWellFormed(m);
  const id = newOrderedId(at.getTime());
  const net = new Map<string, number>();
  for (const p of m.postings) net.set(p.accountId, (net.get(p.accountId) ?? 0) + p.amountFen);
  return {
    transaction: {
      id,
      idempotency_key: m.idempotencyKey,
      kind: m.kind,
      reference_type: m.reference.type,
      reference_id: m.reference.id,
      fingerprint: fingerprintOf(m),
      created_at: now(at),
    },
    postings: m.postings.map((p) => ({
      id: newId(),
      transaction_id: id,
      account_id: p.accountId,
      amount_fen: p.amountFen,
      created_at: now(at),
    })),
    net: [...net.keys()]
      .sort()
      .map((accountId) => ({ accountId, amountFen: net.get(accountId)! }))
      .filter((n) => n.amountFen !== 0),
    audit: {
      actor,
      action: 'ledger.posted',
      objectType: m.reference.type,
      objectId: m.reference.id,
      data: { transactionId: id, kind: m.kind, idempotencyKey: m.idempotencyKey, postings: m.postings },
      at,
    },
  };
}

export async function postTransaction(trx: Db, actor: Actor, at: Date, m: MoneyMovement): Promise<Posted> {
  if (!trx.isTransaction)
    throw new Error('postTransaction must run inside the transaction of the change that causes it');
  return applyPosting(trx, preparePosting(actor, at, m));
}

/**
 * Writes a prepared movement in the caller's transaction (a replayed idempotency key returns the
 * first). `audit: false`: the caller appends `prepared.audit` itself, in its place among its events.
 */
export async function applyPosting(
  trx: Db,
  prepared: PreparedPosting,
  options: { audit?: boolean } = {},
): Promise<Posted> {
  const { transaction } = prepared;
  const at = new Date(transaction.created_at);
  const inserted = await trx
    .insertInto('ledger_transactions')
    .values(transaction)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const first = await trx
      .selectFrom('ledger_transactions')
      .select(['id', 'fingerprint'])
      .where('idempotency_key', '=', transaction.idempotency_key)
      .executeTakeFirstOrThrow();
    if (first.fingerprint !== transaction.fingerprint) fail('ledger.idempotency_conflict');
    return { transactionId: first.id, replayed: true };
  }
  // Net per account, then lock (update) in id order.
  for (const { accountId, amountFen: amount } of prepared.net) {
    const res = await trx
      .updateTable('ledger_accounts')
      .set((eb) => ({
        balance_fen: eb('balance_fen', '+', amount),
        version: eb('version', '+', 1),
        updated_at: now(at),
      }))
      .where('id', '=', accountId)
      .where((eb) => eb.or([eb('allow_negative', '=', 1), eb(eb('balance_fen', '+', amount), '>=', 0)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1)
      fail('ledger.insufficient_funds', { params: { account: accountId } });
  }
  await trx.insertInto('ledger_postings').values(prepared.postings).execute();
  if (options.audit !== false) await appendAudit(trx, prepared.audit);
  return { transactionId: transaction.id, replayed: false };
}

/**
 * A prepared movement as PostgreSQL data-modifying CTE bodies for a batched write (one round
 * trip): the transaction insert, the conditional balance updates (`RETURNING` the accounts that
 * moved: fewer than `net.length` means a balance would have gone below zero — the caller fails
 * with `ledger.insufficient_funds`, which rolls the whole statement back) and the postings. The
 * same rows as `postTransaction` writes; a fresh idempotency key is the caller's to guarantee (a
 * duplicate fails the statement on the unique index instead of replaying).
 */
export function postingCtes(p: PreparedPosting): {
  transaction: RawBuilder<unknown>;
  balances: RawBuilder<unknown>;
  postings: RawBuilder<unknown>;
} {
  const t = p.transaction;
  const at = t.created_at;
  const changes = sql.join(p.net.map((n) => sql`(${n.accountId}::text, ${n.amountFen}::bigint)`));
  const rows = sql.join(
    p.postings.map(
      (r) =>
        sql`(${r.id}, ${r.transaction_id}, ${r.account_id}, ${r.amount_fen}::bigint, ${r.created_at}::timestamptz)`,
    ),
  );
  return {
    transaction: sql`insert into ledger_transactions (id, idempotency_key, kind, reference_type, reference_id, fingerprint, created_at)
      values (${t.id}, ${t.idempotency_key}, ${t.kind}, ${t.reference_type}, ${t.reference_id}, ${t.fingerprint}, ${at}::timestamptz)`,
    balances: sql`update ledger_accounts set balance_fen = ledger_accounts.balance_fen + v.amount,
        version = ledger_accounts.version + 1, updated_at = ${at}::timestamptz
      from (values ${changes}) as v(id, amount)
      where ledger_accounts.id = v.id and (ledger_accounts.allow_negative or ledger_accounts.balance_fen + v.amount >= 0)
      returning ledger_accounts.id`,
    postings: sql`insert into ledger_postings (id, transaction_id, account_id, amount_fen, created_at) values ${rows}`,
  };
}

export interface LedgerReport {
  ok: boolean;
  accounts: number;
  transactions: number;
  mismatchedAccounts: string[];
  unbalancedTransactions: string[];
}

/** Every balance equals the sum of its postings, and every transaction sums to zero. */
export async function verifyLedger(db: Db): Promise<LedgerReport> {
  const accounts = await db
    .selectFrom('ledger_accounts')
    .leftJoin('ledger_postings', 'ledger_postings.account_id', 'ledger_accounts.id')
    .select([
      'ledger_accounts.id',
      'ledger_accounts.balance_fen',
      (eb) => eb.fn.coalesce(eb.fn.sum<number>('ledger_postings.amount_fen'), eb.val(0)).as('posted'),
    ])
    .groupBy(['ledger_accounts.id', 'ledger_accounts.balance_fen'])
    .execute();
  const sums = await db
    .selectFrom('ledger_postings')
    .select(['transaction_id', (eb) => eb.fn.sum<number>('amount_fen').as('total')])
    .groupBy('transaction_id')
    .execute();
  const mismatchedAccounts = accounts
    .filter((a) => Number(a.balance_fen) !== Number(a.posted))
    .map((a) => a.id);
  const unbalancedTransactions = sums.filter((s) => Number(s.total) !== 0).map((s) => s.transaction_id);
  return {
    ok: mismatchedAccounts.length === 0 && unbalancedTransactions.length === 0,
    accounts: accounts.length,
    transactions: sums.length,
    mismatchedAccounts,
    unbalancedTransactions,
  };
}
