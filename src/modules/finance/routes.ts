/** Merchant money over HTTP: the finance overview, deposit top-ups, withdrawals, bank notices. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { actorOf, userOf } from '../../platform/http/auth.js';
import { idempotencyHeaders, idempotencyKeyOf } from '../../platform/http/idempotency.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import type { FinanceContext } from './context.js';
import { depositTopupSchema, topUpDeposit } from './deposit.js';
import { receiveBankNotice } from './notify.js';
import {
  allWithdrawals,
  bankInfo,
  bankInfoSchema,
  financeOverview,
  financeOverviewSchema,
  myFinance,
  myWithdrawals,
  withdrawalDetail,
  withdrawalFilterSchema,
  withdrawalListSchema,
  withdrawalSchema,
} from './views.js';
import { merchantOf, requestWithdrawal, withdrawalRequestSchema } from './withdrawals.js';

type Ctx = AppContext & FinanceContext;
const MERCHANT = { users: ['merchant'] } as const;
const STAFF = { users: ['admin', 'support'] } as const;

/** Bank result notices: the raw body is kept as received, because the signature covers its bytes. */
function bankNoticeRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    app.post(
      '/finance/bank/notify/:bank',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['finance'],
          summary: 'Asynchronous transfer results from the bank (signed)',
          description:
            'Verified for signature and freshness, then checked against the withdrawal (amount, state). ' +
            'Applied once however often it arrives; forged notices are refused (401) and logged.',
          params: z.strictObject({ bank: z.string().max(40) }),
        },
      },
      async (req, reply) => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
        );
        const rawBody = typeof req.body === 'string' ? req.body : '';
        const ack = await receiveBankNotice(ctx, req.params.bank, { headers, rawBody }, req.ip);
        return reply.code(ack.status).type(ack.contentType).send(ack.body);
      },
    );
  };
}

export function financeRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(bankNoticeRoutes(ctx));

    app.get(
      '/merchant/finance',
      {
        config: { auth: MERCHANT },
        schema: {
          tags: ['finance'],
          summary:
            'My shop’s money: payable balance, deposit, escrow, sales net of refunds, settlements, what I may withdraw, withdrawals in flight',
          response: { 200: financeOverviewSchema, ...problems(401, 403) },
        },
      },
      async (req) => myFinance(ctx, actorOf(req)),
    );

    app.get(
      '/finance/bank',
      {
        config: { auth: { users: ['merchant', 'admin', 'support'] } },
        schema: {
          tags: ['finance'],
          summary: 'The bank withdrawals are paid through (and, for the sandbox bank, its test accounts)',
          response: { 200: bankInfoSchema, ...problems(401, 403) },
        },
      },
      async () => bankInfo(ctx.bank),
    );

    app.post(
      '/merchant/deposit/topups',
      {
        config: { auth: MERCHANT },
        schema: {
          tags: ['finance'],
          summary: 'Top up the 保证金 deposit from the payable balance',
          description:
            'Moves `amountFen` from the payable balance into the deposit (one ledger transaction). ' +
            'More than the payable balance holds is refused with 409 `deposit.exceeds_payable`.',
          headers: idempotencyHeaders,
          body: depositTopupSchema,
          response: { 201: financeOverviewSchema, ...problems(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => {
        const actor = userOf(req);
        const r = await topUpDeposit(ctx, actor, idempotencyKeyOf(req), req.body);
        if (r.replayed) void reply.header('idempotency-replayed', 'true');
        return reply.code(201).send(await financeOverview(ctx.db, merchantOf(actor)));
      },
    );

    app.get(
      '/merchant/withdrawals',
      {
        config: { auth: MERCHANT },
        schema: {
          tags: ['finance'],
          summary: 'My shop’s withdrawals, newest first',
          querystring: withdrawalFilterSchema,
          response: { 200: withdrawalListSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) => myWithdrawals(ctx, actorOf(req), req.query),
    );

    app.post(
      '/merchant/withdrawals',
      {
        config: { auth: MERCHANT },
        schema: {
          tags: ['finance'],
          summary: 'Withdraw from the payable balance to a bank account (提现)',
          description:
            'Takes the amount from the payable balance only (never from the deposit) at once, then sends it to the bank. ' +
            'Refused with 409 `withdrawal.merchant_in_debt` while the payable balance is negative, and 409 ' +
            '`withdrawal.exceeds_available` above what is available (the payable balance less any shortfall of the deposit to the minimum). ' +
            'A failed transfer returns the money to the payable balance, once.',
          headers: idempotencyHeaders,
          body: withdrawalRequestSchema,
          response: { 201: withdrawalSchema, ...problems(400, 401, 403, 409, 422, 503) },
        },
      },
      async (req, reply) => {
        const actor = userOf(req);
        const r = await requestWithdrawal(ctx, actor, idempotencyKeyOf(req), req.body);
        if (r.replayed) void reply.header('idempotency-replayed', 'true');
        return reply
          .code(201)
          .header('location', `/api/merchant/withdrawals/${r.id}`)
          .send(await withdrawalDetail(ctx, actor, r.id));
      },
    );

    app.get(
      '/merchant/withdrawals/:id',
      {
        config: { owner: 'withdrawal', auth: MERCHANT },
        schema: {
          tags: ['finance'],
          summary: 'One of my shop’s withdrawals',
          params: idParams,
          response: { 200: withdrawalSchema, ...problems(401, 403, 404) },
        },
      },
      async (req) => withdrawalDetail(ctx, actorOf(req), req.params.id),
    );

    app.get(
      '/admin/withdrawals',
      {
        config: { auth: STAFF },
        schema: {
          tags: ['finance'],
          summary: 'Every shop’s withdrawals, newest first (account numbers masked)',
          querystring: withdrawalFilterSchema,
          response: { 200: withdrawalListSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) => allWithdrawals(ctx, actorOf(req), req.query),
    );
  };
}
