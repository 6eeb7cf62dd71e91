/** Orders over HTTP: checkout, top-ups and memberships, the buyer's orders and records, the shop's sales. */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { actorOf, userOf } from '../../platform/http/auth.js';
import { idempotencyHeaders, idempotencyKeyOf } from '../../platform/http/idempotency.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import { preferredLang } from '../../platform/http/problem.js';
import type { PaymentsContext } from '../payments/index.js';
import { checkout, checkoutSchema } from './checkout.js';
import { payOrderAgain } from './create.js';
import { cancelOrder } from './expiry.js';
import { recordsDownload } from './export.js';
import { buyMembership, membershipPurchaseSchema, topUp, topupSchema } from './purchases.js';
import {
  myOrders,
  orderCreated,
  orderCreatedSchema,
  type OrderCreated,
  orderDetail,
  orderDetailSchema,
  orderFilterSchema,
  orderSummarySchema,
  pendingOrdersFor,
  pendingOrdersQuerySchema,
  shopOrders,
} from './views.js';

const orderPage = z.object({ items: z.array(orderSummarySchema), nextCursor: z.string().nullable() });
const BUYER = { users: ['buyer'] } as const;

export function orderRoutes(ctx: AppContext & PaymentsContext): FastifyPluginAsyncZod {
  /** 201 with the order's summary and payment (pay URL); the full detail is at `Location`. */
  /** The 201: from the rows the use case wrote when it has them, else read after the commit. */
  const created = async (
    reply: FastifyReply,
    r: { orderId: string; replayed: boolean; view?: OrderCreated },
  ) => {
    if (r.replayed) void reply.header('idempotency-replayed', 'true');
    return reply
      .code(201)
      .header('location', `/api/orders/${r.orderId}`)
      .send(r.view ?? (await orderCreated(ctx.db, r.orderId)));
  };

  return async (app) => {
    app.post(
      '/orders',
      {
        schema: {
          tags: ['orders'],
          summary:
            'Checkout: buy goods after confirming the current refund policy, face value, validity and unit price',
          description:
            'BALANCE orders are paid and delivered (keys SEALED) at once. WECHAT/ALIPAY orders wait for payment at `payment.payUrl` until `expiresAt`. ' +
            'A changed policy gives 409 `order.policy_changed` with the new policy in `data.policy`; a changed price 409 `order.price_changed` with the new price in `data.unitPriceFen`.',
          headers: idempotencyHeaders,
          body: checkoutSchema,
          response: { 201: orderCreatedSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
        config: { auth: BUYER },
      },
      async (req, reply) => created(reply, await checkout(ctx, userOf(req), idempotencyKeyOf(req), req.body)),
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
        config: { auth: BUYER },
      },
      async (req) => myOrders(ctx, userOf(req), req.query),
    );

    app.get(
      '/orders/pending',
      {
        schema: {
          tags: ['orders'],
          summary: 'My unpaid, unexpired orders of a product (checkout offers them: pay or cancel)',
          querystring: pendingOrdersQuerySchema,
          response: { 200: z.object({ items: z.array(orderSummarySchema) }), ...problems(400, 401, 403) },
        },
        config: { auth: BUYER },
      },
      async (req) => pendingOrdersFor(ctx, userOf(req), req.query.productId),
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
        config: { owner: 'order', auth: { users: 'any', tokens: ['merchant'] } },
      },
      async (req) => orderDetail(ctx.db, actorOf(req), req.params.id),
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
        config: { owner: 'order', auth: BUYER },
      },
      async (req) => {
        const buyer = userOf(req);
        await payOrderAgain(ctx, buyer, req.params.id);
        return orderDetail(ctx.db, buyer, req.params.id);
      },
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
        config: { owner: 'order', auth: BUYER },
      },
      async (req) => {
        const buyer = userOf(req);
        await cancelOrder(ctx, buyer, req.params.id);
        return orderDetail(ctx.db, buyer, req.params.id);
      },
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
        config: { auth: BUYER },
      },
      async (req, reply) => created(reply, await topUp(ctx, userOf(req), idempotencyKeyOf(req), req.body)),
    );

    app.post(
      '/me/membership',
      {
        schema: {
          tags: ['membership'],
          summary: 'Buy VIP or 超会 (SUPER) with balance, confirming the offer’s price and term',
          headers: idempotencyHeaders,
          body: membershipPurchaseSchema,
          response: { 201: orderCreatedSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
        config: { auth: BUYER },
      },
      async (req, reply) =>
        created(reply, await buyMembership(ctx, userOf(req), idempotencyKeyOf(req), req.body)),
    );

    app.get(
      '/me/records',
      {
        schema: {
          tags: ['orders'],
          summary:
            'Download my records: XLSX (all sheets) or CSV (one dataset). Never contains key secrets. ' +
            'Labels in `lang` (else Accept-Language; zh-CN by default); money as numbers in yuan.',
          querystring: z.strictObject({
            format: z.enum(['csv', 'xlsx']).default('xlsx'),
            dataset: z.enum(['orders', 'payments', 'keys', 'refunds']).default('orders'),
            lang: z.enum(['zh-CN', 'en']).optional(),
          }),
          response: { 200: z.any().describe('file'), ...problems(400, 401, 403) },
        },
        config: { auth: BUYER },
      },
      async (req, reply) => {
        const lang = req.query.lang ?? preferredLang(req);
        const file = await recordsDownload(ctx, userOf(req), req.query.format, req.query.dataset, lang);
        return reply
          .header('content-disposition', `attachment; filename="${file.fileName}"`)
          .type(file.contentType)
          .send(file.body);
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
        config: { auth: { users: ['merchant'] } },
      },
      async (req) => shopOrders(ctx, actorOf(req), req.query),
    );
  };
}
