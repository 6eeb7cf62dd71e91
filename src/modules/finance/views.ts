/**
 * Read models of the shop's money: its finance overview (balances, sales and settlements net of
 * refunds, what it may withdraw, withdrawals in flight) and its withdrawals — the merchant's own,
 * and all of them for the platform's staff. Account numbers only ever appear masked.
 */
import { z } from 'zod';
import { cursorSchema } from '../../platform/http/schemas.js';
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import type { Row, WithdrawalState } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { getPlatformRules } from '../../platform/settings.js';
import { merchantFinance, merchantFinanceSchema } from '../payments/index.js';
import { availableOf } from './available.js';
import { TRANSFER_FAILURES, type BankGateway, type TransferFailure } from './bank.js';
import { merchantOf } from './withdrawals.js';

export const WITHDRAWAL_STATES = [
  'REQUESTED',
  'PROCESSING',
  'PAID',
  'FAILED',
] as const satisfies readonly WithdrawalState[];
/** Money that has left the payable balance and not yet reached the bank account or come back. */
const IN_FLIGHT: readonly WithdrawalState[] = ['REQUESTED', 'PROCESSING'];

export const financeOverviewSchema = merchantFinanceSchema
  .extend({
    minDepositFen: z.number().int().describe('The platform’s minimum 保证金'),
    depositShortfallFen: z
      .number()
      .int()
      .describe('What the deposit lacks to the minimum; it stays in the payable balance'),
    withdrawableFen: z
      .number()
      .int()
      .describe('What a withdrawal may take now (from the payable balance only)'),
    debtFen: z.number().int().describe('A negative payable balance: refunds beyond balance and deposit'),
    withdrawals: z.object({
      inFlightFen: z
        .number()
        .int()
        .describe('Requested or processing: left the payable balance, not yet paid'),
      inFlightCount: z.number().int(),
      paidFen: z.number().int().describe('Paid to bank accounts, all time'),
    }),
  })
  .meta({ id: 'MerchantFinance' });
export type FinanceOverview = z.infer<typeof financeOverviewSchema>;

export async function financeOverview(db: Db, merchantId: string): Promise<FinanceOverview> {
  const [base, rules, sums] = await Promise.all([
    merchantFinance(db, merchantId),
    getPlatformRules(db),
    db
      .selectFrom('withdrawals')
      .select((eb) => [
        'state',
        eb.fn.countAll<number>().as('n'),
        eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.val(0)).as('total'),
      ])
      .where('merchant_id', '=', merchantId)
      .groupBy('state')
      .execute(),
  ]);
  const room = availableOf(base, rules.minDepositFen);
  const of = (states: readonly WithdrawalState[]) => sums.filter((s) => states.includes(s.state));
  const inFlight = of(IN_FLIGHT);
  return {
    ...base,
    minDepositFen: rules.minDepositFen,
    ...room,
    withdrawals: {
      inFlightFen: inFlight.reduce((n, s) => n + Number(s.total), 0),
      inFlightCount: inFlight.reduce((n, s) => n + Number(s.n), 0),
      paidFen: of(['PAID']).reduce((n, s) => n + Number(s.total), 0),
    },
  };
}

/** The actor's own shop's finance overview. */
export function myFinance(ctx: { db: Db }, actor: Actor): Promise<FinanceOverview> {
  return financeOverview(ctx.db, merchantOf(actor));
}

export const withdrawalSchema = z
  .object({
    id: z.string(),
    withdrawalNo: z.string(),
    merchantId: z.string(),
    merchantName: z.string(),
    amountFen: z.number().int(),
    state: z.enum(WITHDRAWAL_STATES),
    bank: z.string(),
    bankName: z.string().nullable(),
    accountName: z.string(),
    accountMasked: z.string().describe('The last four digits only; the full number is never shown'),
    failureCode: z.enum(TRANSFER_FAILURES).nullable(),
    createdAt: z.string(),
    submittedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Withdrawal' });
export type WithdrawalView = z.infer<typeof withdrawalSchema>;

export const withdrawalListSchema = z.object({
  items: z.array(withdrawalSchema),
  nextCursor: z.string().nullable(),
});

export const withdrawalFilterSchema = z.strictObject({
  state: z.enum(WITHDRAWAL_STATES).optional(),
  /** The id of the last row of the previous page. */
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const isFailure = (code: string | null): code is TransferFailure =>
  code !== null && (TRANSFER_FAILURES as readonly string[]).includes(code);

function view(w: Row<'withdrawals'> & { merchant_name: string }): WithdrawalView {
  return {
    id: w.id,
    withdrawalNo: w.withdrawal_no,
    merchantId: w.merchant_id,
    merchantName: w.merchant_name,
    amountFen: w.amount_fen,
    state: w.state,
    bank: w.bank,
    bankName: w.bank_name,
    accountName: w.account_name,
    accountMasked: w.account_masked,
    failureCode: w.state === 'FAILED' ? (isFailure(w.failure_code) ? w.failure_code : 'BANK_REJECTED') : null,
    createdAt: w.created_at,
    submittedAt: w.submitted_at,
    finishedAt: w.finished_at,
  };
}

async function listWithdrawals(
  db: Db,
  filter: z.infer<typeof withdrawalFilterSchema> & { merchantId?: string; id?: string },
): Promise<{ items: WithdrawalView[]; nextCursor: string | null }> {
  const rows = await db
    .selectFrom('withdrawals')
    .innerJoin('merchants', 'merchants.id', 'withdrawals.merchant_id')
    .selectAll('withdrawals')
    .select('merchants.name as merchant_name')
    .$if(filter.merchantId !== undefined, (q) => q.where('withdrawals.merchant_id', '=', filter.merchantId!))
    .$if(filter.id !== undefined, (q) => q.where('withdrawals.id', '=', filter.id!))
    .$if(filter.state !== undefined, (q) => q.where('withdrawals.state', '=', filter.state!))
    .$if(filter.cursor !== undefined, (q) => q.where('withdrawals.id', '<', filter.cursor!))
    .orderBy('withdrawals.id', 'desc') // ordered ids: newest first
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map(view),
    nextCursor: rows.length > filter.limit ? page[page.length - 1].id : null,
  };
}

/** The merchant's own withdrawals, newest first. */
export function myWithdrawals(
  ctx: { db: Db },
  actor: Actor,
  filter: z.infer<typeof withdrawalFilterSchema>,
): Promise<{ items: WithdrawalView[]; nextCursor: string | null }> {
  return listWithdrawals(ctx.db, { ...filter, merchantId: merchantOf(actor) });
}

/** One withdrawal: its merchant's, or any for staff; others get 404 (existence is not revealed). */
export async function withdrawalDetail(ctx: { db: Db }, actor: Actor, id: string): Promise<WithdrawalView> {
  const staff = actor.kind === 'user' && (actor.role === 'admin' || actor.role === 'support');
  const merchantId = staff ? undefined : merchantOf(actor);
  const { items } = await listWithdrawals(ctx.db, { id, limit: 1, ...(merchantId ? { merchantId } : {}) });
  return items[0] ?? fail('withdrawal.not_found');
}

/** Every shop's withdrawals, for admins and support. */
export function allWithdrawals(
  ctx: { db: Db },
  actor: Actor,
  filter: z.infer<typeof withdrawalFilterSchema>,
): Promise<{ items: WithdrawalView[]; nextCursor: string | null }> {
  if (actor.kind !== 'user' || !(actor.role === 'admin' || actor.role === 'support')) fail('auth.forbidden');
  return listWithdrawals(ctx.db, filter);
}

export const bankInfoSchema = z
  .object({
    available: z.boolean().describe('Whether withdrawals can be sent to a bank on this instance'),
    bank: z.string().nullable(),
    sandbox: z.boolean(),
    testAccounts: z.array(
      z.object({ accountNo: z.string(), label: z.object({ 'zh-CN': z.string(), en: z.string() }) }),
    ),
  })
  .meta({ id: 'BankInfo' });

/** Which bank withdrawals go through; the sandbox's test account numbers to try it with. */
export function bankInfo(bank: BankGateway | null): z.infer<typeof bankInfoSchema> {
  return {
    available: bank !== null,
    bank: bank?.bank ?? null,
    sandbox: (bank?.testAccounts.length ?? 0) > 0,
    testAccounts: (bank?.testAccounts ?? []).map((a) => ({
      accountNo: a.accountNo,
      label: { 'zh-CN': a.label.zh, en: a.label.en },
    })),
  };
}
