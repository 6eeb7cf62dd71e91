import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import type { PaymentsContext } from './registry.js';
import { DomainError, fail } from '../../platform/errors.js';
import { problems } from '../../platform/http/schemas.js';
import { putSetting } from '../../platform/settings.js';
import { requireRole } from '../accounts/http.js';
import { appendAudit } from '../../platform/audit.js';
import { levelViewSchema, listLevels } from '../membership/levels.js';
import { listOffers, membershipRefundable, offerSchema, OFFERS_SETTING } from '../membership/offers.js';
import { applyPaymentNotice, logNotification } from './apply.js';
import { applyRefundNotice } from './payouts.js';
import { merchantFinance, merchantFinanceSchema, walletOf, walletSchema } from './wallet.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

const membershipSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    level: z.enum(['VIP', 'SUPER']),
    startsAt: z.string(),
    endsAt: z.string(),
    state: z.enum(['ACTIVE', 'EXPIRED', 'REFUNDED']),
    refundable: z.boolean(),
  })
  .meta({ id: 'Membership' });

/** Gateway notifications: the raw body is kept as received, because signatures cover its bytes. */
function notifyRoutes(ctx: AppContext & PaymentsContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    app.post(
      '/payments/notify/:provider',
      {
        schema: {
          tags: ['payments'],
          summary: 'Asynchronous payment / refund notifications from WeChat Pay and Alipay (signed)',
          description:
            'Verified for signature (and decrypted, for WeChat v3), then checked against the order: amount, currency, state. ' +
            'Applied once however often it arrives; forged notifications are refused (401) and logged.',
          params: z.strictObject({ provider: z.string().max(40) }),
        },
      },
      async (req, reply) => {
        const gateway = ctx.gateways.get(req.params.provider);
        const rawBody = typeof req.body === 'string' ? req.body : '';
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
        );
        const at = ctx.clock.now();
        const log = (verified: boolean, outcome: string, reference: string | null, detail: string) =>
          logNotification(ctx.db, {
            provider: gateway.provider,
            at,
            verified,
            outcome,
            reference,
            detail,
            ip: req.ip,
          });
        let notice;
        try {
          notice = gateway.verifyNotification({ headers, rawBody });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          req.log.warn(
            { provider: gateway.provider, code: error.code, ip: req.ip },
            'payment notification refused',
          );
          await log(false, 'FORGED', null, error.code);
          const ack = gateway.ack(false);
          return reply.code(401).type(ack.contentType).send(ack.body);
        }
        let ok = true;
        if (notice.type === 'PAYMENT') {
          const r = await applyPaymentNotice(ctx, gateway.provider, notice, req.ip).catch(
            async (error: unknown) => {
              // Not applied (e.g. a database failure): logged, not acknowledged, so the gateway retries.
              await log(
                true,
                'ERROR',
                notice.outTradeNo,
                error instanceof DomainError ? error.code : 'internal',
              );
              throw error;
            },
          );
          ok = r.outcome !== 'MISMATCH' && r.outcome !== 'UNKNOWN_PAYMENT';
          if (!ok)
            req.log.warn(
              { provider: gateway.provider, outcome: r.outcome, detail: r.detail },
              'payment notification rejected',
            );
        } else {
          try {
            await applyRefundNotice(ctx, gateway.provider, notice);
            await log(true, 'REFUND', notice.outRefundNo, notice.state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            ok = false;
            await log(true, 'MISMATCH', notice.outRefundNo, error.code);
          }
        }
        const ack = gateway.ack(ok);
        return reply.code(ack.status).type(ack.contentType).send(ack.body);
      },
    );
  };
}

export function paymentRoutes(ctx: AppContext & PaymentsContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(notifyRoutes(ctx));

    app.get(
      '/me/wallet',
      {
        schema: {
          tags: ['wallet'],
          summary: 'My balance (余额) and its latest movements',
          response: { 200: walletSchema, ...problems(401, 403) },
        },
      },
      async (req) => walletOf(ctx.db, requireRole(req, 'buyer').id),
    );

    app.get(
      '/membership/offers',
      {
        schema: {
          tags: ['membership'],
          summary: 'Membership levels on sale, with price and term',
          response: { 200: z.object({ items: z.array(offerSchema) }) },
        },
      },
      async () => ({ items: await listOffers(ctx.db) }),
    );

    app.get(
      '/membership/levels',
      {
        schema: {
          tags: ['membership'],
          summary: 'Member levels and their per-order quantity limits',
          response: { 200: z.object({ items: z.array(levelViewSchema) }) },
        },
      },
      async () => ({ items: await listLevels(ctx.db) }),
    );

    app.get(
      '/me/memberships',
      {
        schema: {
          tags: ['membership'],
          summary: 'My membership periods; refundable while no order at a member price has been placed',
          response: { 200: z.object({ items: z.array(membershipSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => {
        const buyer = requireRole(req, 'buyer');
        const rows = await ctx.db
          .selectFrom('memberships')
          .selectAll()
          .where('user_id', '=', buyer.id)
          .orderBy('created_at', 'desc')
          .execute();
        const items = [];
        for (const m of rows)
          items.push({
            id: m.id,
            orderId: m.order_id,
            level: m.level,
            startsAt: m.starts_at,
            endsAt: m.ends_at,
            state: m.state,
            refundable: await membershipRefundable(ctx.db, m),
          });
        return { items };
      },
    );

    app.get(
      '/merchant/finance',
      {
        schema: {
          tags: ['payments'],
          summary: 'My shop’s balances (payable, deposit, in escrow), sales and settlements',
          response: { 200: merchantFinanceSchema, ...problems(401, 403) },
        },
      },
      async (req) => {
        const merchant = requireRole(req, 'merchant');
        return merchantFinance(ctx.db, merchant.merchantId ?? fail('auth.forbidden'));
      },
    );

    app.put(
      '/admin/membership/offers',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set the membership levels on sale (price and term)',
          body: z.strictObject({ items: z.array(offerSchema).max(2) }),
          response: { 200: z.object({ items: z.array(offerSchema) }), ...problems(400, 401, 403) },
        },
      },
      async (req) => {
        const admin = requireRole(req, 'admin');
        const at = ctx.clock.now();
        const levels = req.body.items.map((o) => o.level);
        if (new Set(levels).size !== levels.length) fail('validation.invalid', { field: 'items' });
        await unitOfWork(ctx, async (trx) => {
          await putSetting(trx, OFFERS_SETTING, req.body.items, at);
          await appendAudit(trx, {
            actor: admin,
            action: 'membership.offers_changed',
            objectType: 'settings',
            objectId: OFFERS_SETTING,
            data: { items: req.body.items },
            at,
          });
        });
        return { items: await listOffers(ctx.db) };
      },
    );

    app.put(
      '/admin/merchants/:id/commission',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set a merchant’s commission rate on settlement, in basis points (100 = 1%)',
          params: z.strictObject({ id: z.string().max(64) }),
          body: z.strictObject({ commissionBp: z.number().int().min(0).max(5000) }),
          response: {
            200: z.object({ id: z.string(), commissionBp: z.number().int() }),
            ...problems(400, 401, 403, 404),
          },
        },
      },
      async (req) => {
        const admin = requireRole(req, 'admin');
        const at = ctx.clock.now();
        await unitOfWork(ctx, async (trx) => {
          const m = await trx
            .selectFrom('merchants')
            .select(['commission_bp', 'version'])
            .where('id', '=', req.params.id)
            .executeTakeFirst();
          if (!m) fail('catalog.merchant_not_found');
          await trx
            .updateTable('merchants')
            .set({
              commission_bp: req.body.commissionBp,
              version: m.version + 1,
              updated_at: at.toISOString(),
            })
            .where('id', '=', req.params.id)
            .execute();
          await appendAudit(trx, {
            actor: admin,
            action: 'merchant.commission_changed',
            objectType: 'merchant',
            objectId: req.params.id,
            data: { from: m.commission_bp, to: req.body.commissionBp },
            at,
          });
        });
        return { id: req.params.id, commissionBp: req.body.commissionBp };
      },
    );
  };
}
