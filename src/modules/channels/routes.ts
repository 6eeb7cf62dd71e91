/** Channel shops, channel messages and the key lookup over HTTP (spec §11). Routes stay thin. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { userOf } from '../../platform/http/auth.js';
import { perAddress, perUser } from '../../platform/http/rate-limit.js';
import { problems } from '../../platform/http/schemas.js';
import type { ChannelsContext } from './context.js';
import { answerRefundCheck, receivePush, reconcileShop } from './inbox.js';
import {
  lookupByCode,
  lookupByToken,
  lookupViewSchema,
  lookupByCodeSchema,
  revealByToken,
  revealInputSchema,
} from './lookup.js';
import {
  connectShop,
  connectShopSchema,
  disconnectShop,
  itemMappingSchema,
  itemViewSchema,
  listItems,
  listShops,
  mapItem,
  ownShop,
  shopViewSchema,
  unmapItem,
} from './shops.js';
import { channelOrderViewSchema, channelOrdersOf } from './views.js';

const MERCHANT = { users: ['merchant'] } as const;
const shopParams = z.strictObject({ id: z.string().min(1).max(64) });

const headersOf = (req: FastifyRequest) =>
  Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
  );

/** Pushes from the channels: the raw body is kept as received, because signatures cover its bytes. */
function notifyRoutes(ctx: ChannelsContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    app.post(
      '/channels/notify/:shopId',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['channels'],
          summary: 'Order and refund messages pushed by a connected channel shop (Pinduoduo, 闲鱼; signed)',
          description:
            'Verified with the shop’s own secret (signature, timestamp window), then applied once however often and in whatever order it arrives. ' +
            'Forged or stale messages are refused (401), logged, and change nothing.',
          params: z.strictObject({ shopId: z.string().max(64) }),
        },
      },
      async (req, reply) => {
        const ack = await receivePush(
          ctx,
          req.params.shopId,
          { headers: headersOf(req), rawBody: typeof req.body === 'string' ? req.body : '' },
          req.ip,
        );
        return reply.code(ack.status).type(ack.contentType).send(ack.body);
      },
    );
    app.post(
      '/channels/notify/:shopId/refund-check',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['channels'],
          summary: '闲鱼 二次校验: may this refund go ahead? Unused codes are voided first (防止资损)',
          params: z.strictObject({ shopId: z.string().max(64) }),
        },
      },
      async (req, reply) => {
        const ack = await answerRefundCheck(
          ctx,
          req.params.shopId,
          { headers: headersOf(req), rawBody: typeof req.body === 'string' ? req.body : '' },
          req.ip,
        );
        return reply.code(ack.status).type(ack.contentType).send(ack.body);
      },
    );
  };
}

export function channelRoutes(ctx: ChannelsContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(notifyRoutes(ctx));

    app.get(
      '/merchant/channel-shops',
      {
        config: { auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary: 'My connected channel shops (credentials masked)',
          response: { 200: z.array(shopViewSchema), ...problems(401, 403) },
        },
      },
      async (req) => listShops(ctx, userOf(req)),
    );
    app.post(
      '/merchant/channel-shops',
      {
        config: { auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary:
            'Connect a Taobao / Pinduoduo / 闲鱼 shop: the channel checks the credentials, which are then stored sealed',
          body: connectShopSchema,
          response: { 201: shopViewSchema, ...problems(400, 401, 403, 409, 422, 503) },
        },
      },
      async (req, reply) => reply.code(201).send(await connectShop(ctx, userOf(req), req.body)),
    );
    app.delete(
      '/merchant/channel-shops/:id',
      {
        config: { owner: 'channelShop', auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary: 'Disconnect a shop (delivered orders keep their lookups)',
          params: shopParams,
          response: { 200: shopViewSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (req) => disconnectShop(ctx, userOf(req), req.params.id),
    );
    app.post(
      '/merchant/channel-shops/:id/reconcile',
      {
        config: { owner: 'channelShop', auth: MERCHANT, rateLimit: perUser(6, '1 minute') },
        schema: {
          tags: ['channels'],
          summary: 'Ask the channel now for orders and refunds changed since the last reconciliation',
          params: shopParams,
          response: { 200: z.object({ applied: z.number().int() }), ...problems(401, 403, 404, 429) },
        },
      },
      async (req) => {
        const shop = await ownShop(ctx.db, userOf(req), req.params.id);
        return { applied: await reconcileShop(ctx, shop, true) };
      },
    );
    app.get(
      '/merchant/channel-shops/:id/items',
      {
        config: { owner: 'channelShop', auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary: 'Channel items mapped to my products',
          params: shopParams,
          response: { 200: z.array(itemViewSchema), ...problems(401, 403, 404) },
        },
      },
      async (req) => listItems(ctx, userOf(req), req.params.id),
    );
    app.put(
      '/merchant/channel-shops/:id/items',
      {
        config: { owner: 'channelShop', auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary:
            'Map a channel item (商品 ID) to one of my products; its orders are delivered from that product’s keys',
          params: shopParams,
          body: itemMappingSchema,
          response: { 204: z.null(), ...problems(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await mapItem(ctx, userOf(req), req.params.id, req.body);
        return reply.code(204).send(null);
      },
    );
    app.delete(
      '/merchant/channel-shops/:id/items/:itemId',
      {
        config: { owner: 'channelShop', auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary: 'Remove a channel item mapping',
          params: z.strictObject({ id: z.string().min(1).max(64), itemId: z.string().min(1).max(64) }),
          response: { 204: z.null(), ...problems(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await unmapItem(ctx, userOf(req), req.params.id, req.params.itemId);
        return reply.code(204).send(null);
      },
    );
    app.get(
      '/merchant/channel-shops/:id/orders',
      {
        config: { owner: 'channelShop', auth: MERCHANT },
        schema: {
          tags: ['channels'],
          summary: 'Channel orders of a shop: delivered, failed (why), the channel’s state, refunds',
          params: shopParams,
          response: { 200: z.array(channelOrderViewSchema), ...problems(401, 403, 404) },
        },
      },
      async (req) => channelOrdersOf(ctx, userOf(req), req.params.id),
    );

    // The channel buyer's lookup: no account, rate-limited, never enumerable (lookup.ts).
    const noStore = { 'cache-control': 'no-store' };
    app.get(
      '/lookup/:token',
      {
        config: { auth: 'public', rateLimit: perAddress(60, '1 minute') },
        schema: {
          tags: ['lookup'],
          summary: 'A channel order by its lookup link (no account needed)',
          params: z.strictObject({ token: z.string().min(1).max(100) }),
          response: { 200: lookupViewSchema, ...problems(404, 429) },
        },
      },
      async (req, reply) => reply.headers(noStore).send(await lookupByToken(ctx, req.params.token)),
    );
    app.post(
      '/lookup',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['lookup'],
          summary: 'A channel order by order number + lookup code (提取码); wrong and unknown look the same',
          body: lookupByCodeSchema,
          response: { 200: lookupViewSchema, ...problems(400, 404, 429) },
        },
      },
      async (req, reply) => reply.headers(noStore).send(await lookupByCode(ctx, req.body, req.ip)),
    );
    app.post(
      '/lookup/:token/reveal',
      {
        config: { auth: 'public', rateLimit: perAddress(30, '1 minute') },
        schema: {
          tags: ['lookup'],
          summary: 'Reveal (拆封) one key of the link’s order; recorded with time, IP and user agent',
          params: z.strictObject({ token: z.string().min(1).max(100) }),
          body: revealInputSchema,
          response: {
            200: z.object({
              unitId: z.string(),
              serial: z.string().nullable(),
              secret: z.string(),
              firstReveal: z.boolean(),
              revealedAt: z.string(),
            }),
            ...problems(400, 404, 409, 429),
          },
        },
      },
      async (req, reply) =>
        reply.headers(noStore).send(
          await revealByToken(ctx, req.params.token, req.body.unitId, {
            ip: req.ip,
            userAgent:
              typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
          }),
        ),
    );
  };
}
