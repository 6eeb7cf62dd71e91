import type { UserActor } from '../../platform/actor.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import type { PaymentsContext } from '../payments/registry.js';
import { shanghaiDate } from '../../platform/calendar.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import { requireActor, requireRole } from '../accounts/http.js';
import { checkout, checkoutSchema } from './checkout.js';
import { checkIdempotencyKey, ensurePayUrl } from './create.js';
import { cancelOrder } from './expiry.js';
import { exportRecords } from './export.js';
import { buyMembership, membershipPurchaseSchema, topUp, topupSchema } from './purchases.js';
import {
  listOrders,
  loadOrder,
  orderCreated,
  orderCreatedSchema,
  orderDetail,
  orderDetailSchema,
  orderFilterSchema,
  orderSummarySchema,
} from './views.js';

const orderPage = z.object({ items: z.array(orderSummarySchema), nextCursor: z.string().nullable() });
export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('8–64 letters, digits, - or _; a replay returns the first result'),
});

export function keyOf(req: FastifyRequest): string {
  const v = req.headers['idempotency-key'];
  return checkIdempotencyKey(Array.isArray(v) ? v[0] : v);
}

/** 201 with the order's summary and payment (pay URL); the full detail is at `Location`. */
async function created(
  ctx: AppContext & PaymentsContext,
  reply: FastifyReply,
  r: { orderId: string; replayed: boolean },
) {
  if (r.replayed) void reply.header('idempotency-replayed', 'true');
  return reply
    .code(201)
    .header('location', `/api/orders/${r.orderId}`)
    .send(await orderCreated(ctx.db, r.orderId));
}

export function orderRoutes(ctx: AppContext & PaymentsContext): FastifyPluginAsyncZod {
  /** An action by the order's own buyer (anyone else gets the same 404), answered with the detail. */
  const onOwnOrder = async (
    req: FastifyRequest<{ Params: { id: string } }>,
    action: (buyer: UserActor, order: Row<'orders'>) => Promise<void>,
  ) => {
    const buyer = requireRole(req, 'buyer');
    const order = await loadOrder(ctx.db, buyer, req.params.id);
    if (order.buyer_id !== buyer.id) fail('order.not_found');
    await action(buyer, order);
    return orderDetail(ctx.db, buyer, order.id);
  };
  return async (app) => {
    app.post(
      '/orders',
      {
        schema: {
          tags: ['orders'],
          summary: 'Checkout: buy goods after confirming the current refund policy, face value and validity',
          description:
            'BALANCE orders are paid and delivered (keys SEALED) at once. WECHAT/ALIPAY orders wait for payment at `payment.payUrl` until `expiresAt`. ' +
            'A changed policy gives 409 `order.policy_changed` with the new policy in `data.policy`.',
          headers: idempotencyHeaders,
          body: checkoutSchema,
          response: { 201: orderCreatedSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => {
        const buyer = requireRole(req, 'buyer');
        return created(ctx, reply, await checkout(ctx, buyer, keyOf(req), req.body));
      },
    );

    app.get(
      '/orders',
      {
        schema: {
          tags: ['orders'],
          summary: 'My orders (goods, memberships, top-ups), newest first, with filters and a cursor',
          querystring: orderFilterSchema,
          response: { 200: orderPage, ...problems(400, 401, 403) },
        },
      },
      async (req) => listOrders(ctx.db, { buyerId: requireRole(req, 'buyer').id }, req.query),
    );

    app.get(
      '/orders/:id',
      {
        schema: {
          tags: ['orders'],
          summary: 'Order detail: snapshot and policy, payment, payouts, units with key states and timelines',
          params: idParams,
          response: { 200: orderDetailSchema, ...problems(401, 404) },
        },
      },
      async (req) => orderDetail(ctx.db, requireActor(req), req.params.id),
    );

    app.post(
      '/orders/:id/pay',
      {
        schema: {
          tags: ['orders'],
          summary: 'Get (or retry getting) the gateway pay URL of an unpaid order',
          params: idParams,
          response: { 200: orderDetailSchema, ...problems(401, 404, 409, 503) },
        },
      },
      async (req) =>
        onOwnOrder(req, async (_buyer, order) => {
          if (order.state !== 'PENDING_PAYMENT') fail('order.not_payable');
          await ensurePayUrl(ctx, order.id);
        }),
    );

    app.post(
      '/orders/:id/cancel',
      {
        schema: {
          tags: ['orders'],
          summary: 'Cancel an unpaid order (its reservation is released)',
          params: idParams,
          response: { 200: orderDetailSchema, ...problems(401, 404, 409, 503) },
        },
      },
      async (req) => onOwnOrder(req, (buyer, order) => cancelOrder(ctx, buyer, order)),
    );

    app.post(
      '/me/topups',
      {
        schema: {
          tags: ['wallet'],
          summary: 'Top up the wallet (充值) through WeChat Pay or Alipay',
          headers: idempotencyHeaders,
          body: topupSchema,
          response: { 201: orderCreatedSchema, ...problems(400, 401, 403, 422) },
        },
      },
      async (req, reply) =>
        created(ctx, reply, await topUp(ctx, requireRole(req, 'buyer'), keyOf(req), req.body)),
    );

    app.post(
      '/me/membership',
      {
        schema: {
          tags: ['membership'],
          summary: 'Buy VIP or 超会 (SUPER) with balance for the configured term',
          headers: idempotencyHeaders,
          body: membershipPurchaseSchema,
          response: { 201: orderCreatedSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) =>
        created(ctx, reply, await buyMembership(ctx, requireRole(req, 'buyer'), keyOf(req), req.body)),
    );

    app.get(
      '/me/records',
      {
        schema: {
          tags: ['orders'],
          summary: 'Download my records: XLSX (all sheets) or CSV (one dataset). Never contains key secrets.',
          querystring: z.strictObject({
            format: z.enum(['csv', 'xlsx']).default('xlsx'),
            dataset: z.enum(['orders', 'payments', 'keys', 'refunds']).default('orders'),
          }),
          response: { 200: z.any().describe('file'), ...problems(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const buyer = requireRole(req, 'buyer');
        const { format, dataset } = req.query;
        const body = await exportRecords(ctx.db, buyer.id, format, dataset);
        const stamp = shanghaiDate(ctx.clock.now());
        const name = format === 'xlsx' ? `kameng-records-${stamp}.xlsx` : `kameng-${dataset}-${stamp}.csv`;
        return reply
          .header('content-disposition', `attachment; filename="${name}"`)
          .type(
            format === 'xlsx'
              ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
              : 'text/csv; charset=utf-8',
          )
          .send(body);
      },
    );

    app.get(
      '/merchant/orders',
      {
        schema: {
          tags: ['orders'],
          summary: 'Orders of my shop (sales), newest first',
          querystring: orderFilterSchema,
          response: { 200: orderPage, ...problems(400, 401, 403) },
        },
      },
      async (req) => {
        const merchant = requireRole(req, 'merchant');
        return listOrders(ctx.db, { merchantId: merchant.merchantId ?? fail('auth.forbidden') }, req.query);
      },
    );
  };
}
