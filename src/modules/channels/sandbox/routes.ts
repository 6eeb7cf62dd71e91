/**
 * The sandbox channels over HTTP (register with `{ prefix: '/api' }`):
 * - the shop owner's pages (a merchant opens sandbox shops, sees their credentials, items,
 *   orders, refunds and messages, and flips the failure switches); support reads, admins all;
 * - the channel buyer's pages, public like a real storefront or the payment sandbox's cashier:
 *   the shop (by its unguessable id) to order from, and an order (by its channel order id) with
 *   its delivery message, to confirm receipt, ask for a refund, cancel it or ask for intervention;
 * - the channel's staff (admin, support) deciding an intervened refund, and an admin "tick now".
 * A shop the caller may not see answers 404, as if it did not exist.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UserActor } from '../../../platform/actor.js';
import type { AppContext } from '../../../platform/context.js';
import { fail } from '../../../platform/errors.js';
import { userOf } from '../../../platform/http/auth.js';
import { problems } from '../../../platform/http/schemas.js';
import type { SandboxChannels } from './engine.js';
import { BUYER_PROFILE_IDS } from './profiles.js';
import {
  channelSchema,
  credentialsSchema,
  itemJson,
  itemSchema,
  messageJson,
  messageSchema,
  orderJson,
  orderSchema,
  profileJson,
  profileSchema,
  refundJson,
  refundSchema,
  settingsInput,
  shopJson,
  shopSchema,
} from './schemas.js';
import type { SandboxShopView } from './views.js';

const TAGS = ['sandbox'];
const OWNER = { users: ['merchant', 'admin', 'support'] } as const;
const shopParams = z.strictObject({ id: z.uuid() });
const orderParams = z.strictObject({ id: z.string().min(1).max(40) });
const refundParams = z.strictObject({ id: z.string().min(1).max(40) });
const limitQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Support reads every shop; owners and admins may also change it. Others: 404. */
function mayRead(actor: UserActor, shop: SandboxShopView): boolean {
  return actor.role === 'admin' || actor.role === 'support' || shop.ownerUserId === actor.id;
}
function mayManage(actor: UserActor, shop: SandboxShopView): boolean {
  return actor.role === 'admin' || shop.ownerUserId === actor.id;
}

export function sandboxChannelRoutes(_ctx: AppContext, sandbox: SandboxChannels): FastifyPluginAsyncZod {
  const readable = async (actor: UserActor, id: string): Promise<SandboxShopView> => {
    const shop = await sandbox.shop(id);
    return mayRead(actor, shop) ? shop : fail('sandbox.channel_shop_not_found');
  };
  const manageable = async (actor: UserActor, id: string): Promise<SandboxShopView> => {
    const shop = await sandbox.shop(id);
    return mayManage(actor, shop) ? shop : fail('sandbox.channel_shop_not_found');
  };

  return async (app) => {
    // ---- the shop owner ---------------------------------------------------------------------
    app.get(
      '/sandbox/channels/shops',
      {
        config: { auth: OWNER },
        schema: {
          tags: TAGS,
          summary: 'Sandbox channel shops: a merchant’s own; support and admins see all',
          response: { 200: z.object({ items: z.array(shopSchema) }), ...problems(401, 403) },
        },
      },
      async (req) => {
        const actor = userOf(req);
        const all = actor.role === 'admin' || actor.role === 'support';
        const shops = await sandbox.listShops(all ? {} : { ownerUserId: actor.id });
        return { items: shops.map(shopJson) };
      },
    );

    app.post(
      '/sandbox/channels/shops',
      {
        config: { auth: { users: ['merchant', 'admin'] } },
        schema: {
          tags: TAGS,
          summary:
            'Open a sandbox Taobao / Pinduoduo / 闲鱼 shop; its credentials go into Kameng’s connect form',
          body: z.strictObject({
            channel: channelSchema,
            name: z.string().trim().min(1).max(60).optional(),
            settings: settingsInput.optional(),
          }),
          response: {
            201: z.object({ shop: shopSchema, credentials: credentialsSchema }),
            ...problems(400, 401, 403),
          },
        },
      },
      async (req, reply) => {
        const { shop, credentials } = await sandbox.createShop({ ...req.body, ownerUserId: userOf(req).id });
        return reply.code(201).send({ shop: shopJson(shop), credentials });
      },
    );

    app.get(
      '/sandbox/channels/shops/:id/credentials',
      {
        config: { owner: 'sandboxShop', auth: { users: ['merchant', 'admin'] } },
        schema: {
          tags: TAGS,
          summary: 'A sandbox shop’s app key, secret and session key (its owner only)',
          params: shopParams,
          response: { 200: credentialsSchema, ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => sandbox.credentials((await manageable(userOf(req), req.params.id)).id),
    );

    app.put(
      '/sandbox/channels/shops/:id/settings',
      {
        config: { owner: 'sandboxShop', auth: { users: ['merchant', 'admin'] } },
        schema: {
          tags: TAGS,
          summary: 'A sandbox shop’s failure switches and channel-side deadlines',
          params: shopParams,
          body: settingsInput,
          response: { 200: shopSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) =>
        shopJson(await sandbox.updateSettings((await manageable(userOf(req), req.params.id)).id, req.body)),
    );

    app.post(
      '/sandbox/channels/shops/:id/items',
      {
        config: { owner: 'sandboxShop', auth: { users: ['merchant', 'admin'] } },
        schema: {
          tags: TAGS,
          summary: 'List an item in a sandbox shop (map it to a Kameng product on the connected shop)',
          params: shopParams,
          body: z.strictObject({
            title: z.string().trim().min(1).max(120),
            priceFen: z.number().int().min(1).max(100_000_000),
          }),
          response: { 201: itemSchema, ...problems(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        const shop = await manageable(userOf(req), req.params.id);
        return reply.code(201).send(itemJson(await sandbox.createItem(shop.id, req.body)));
      },
    );

    app.get(
      '/sandbox/channels/shops/:id/orders',
      {
        config: { owner: 'sandboxShop', auth: OWNER },
        schema: {
          tags: TAGS,
          summary: 'A sandbox shop’s orders with their refunds, raw channel states and delivery messages',
          params: shopParams,
          querystring: limitQuery,
          response: { 200: z.object({ items: z.array(orderSchema) }), ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const shop = await readable(userOf(req), req.params.id);
        return { items: (await sandbox.orders(shop.id, req.query.limit)).map(orderJson) };
      },
    );

    app.get(
      '/sandbox/channels/shops/:id/messages',
      {
        config: { owner: 'sandboxShop', auth: OWNER },
        schema: {
          tags: TAGS,
          summary:
            'What a sandbox shop sent: pushes, TMC messages and 二次校验 requests, with their delivery state',
          params: shopParams,
          querystring: limitQuery,
          response: { 200: z.object({ items: z.array(messageSchema) }), ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const shop = await readable(userOf(req), req.params.id);
        return {
          items: (await sandbox.messages({ shopId: shop.id, limit: req.query.limit })).map(messageJson),
        };
      },
    );

    // ---- the channel buyer (public, like a storefront) ------------------------------------
    app.get(
      '/sandbox/channels/shops/:id/storefront',
      {
        config: { auth: 'public' },
        schema: {
          tags: TAGS,
          summary:
            'A sandbox shop as its buyers see it: items, and the buyer behaviour profiles to order with',
          params: shopParams,
          response: {
            200: z.object({
              id: z.string(),
              channel: channelSchema,
              name: z.string(),
              items: z.array(itemSchema),
              profiles: z.array(profileSchema),
            }),
            ...problems(400, 404),
          },
        },
      },
      async (req) => {
        const shop = await sandbox.shop(req.params.id);
        return {
          id: shop.id,
          channel: shop.channel,
          name: shop.name,
          items: (await sandbox.items(shop.id)).map(itemJson),
          profiles: sandbox.profiles.map(profileJson),
        };
      },
    );

    app.post(
      '/sandbox/channels/shops/:id/orders',
      {
        config: { auth: 'public' },
        schema: {
          tags: TAGS,
          summary: 'Place and pay an order as a channel buyer (the profile decides how its messages behave)',
          params: shopParams,
          body: z.strictObject({
            itemId: z.string().min(1).max(40),
            quantity: z.number().int().min(1).max(999),
            buyerNick: z.string().trim().min(1).max(40),
            profile: z.enum(BUYER_PROFILE_IDS as [string, ...string[]]).default('normal'),
          }),
          response: { 201: orderSchema, ...problems(400, 404) },
        },
      },
      async (req, reply) =>
        reply.code(201).send(orderJson(await sandbox.placeOrder({ shopId: req.params.id, ...req.body }))),
    );

    app.get(
      '/sandbox/channels/orders/:id',
      {
        config: { auth: 'public' },
        schema: {
          tags: TAGS,
          summary: 'A sandbox channel order as its buyer sees it, with the delivery message Kameng sent',
          params: orderParams,
          response: { 200: orderSchema, ...problems(400, 404) },
        },
      },
      async (req) => orderJson(await sandbox.order(req.params.id)),
    );

    app.post(
      '/sandbox/channels/orders/:id/confirm-receipt',
      {
        config: { auth: 'public' },
        schema: {
          tags: TAGS,
          summary: 'The channel buyer confirms receipt (Taobao TRADE_FINISHED)',
          params: orderParams,
          response: { 200: orderSchema, ...problems(400, 404, 409) },
        },
      },
      async (req) => orderJson(await sandbox.confirmReceipt(req.params.id)),
    );

    app.post(
      '/sandbox/channels/orders/:id/refunds',
      {
        config: { auth: 'public' },
        schema: {
          tags: TAGS,
          summary: 'The channel buyer asks for a refund of some units (仅退款)',
          params: orderParams,
          body: z.strictObject({
            quantity: z.number().int().min(1).max(999),
            reason: z.string().trim().min(1).max(200),
          }),
          response: { 201: refundSchema, ...problems(400, 404, 409) },
        },
      },
      async (req, reply) =>
        reply.code(201).send(refundJson(await sandbox.requestRefund(req.params.id, req.body))),
    );

    for (const [action, summary, run] of [
      ['cancel', 'The channel buyer cancels a refund request', (id: string) => sandbox.cancelRefund(id)],
      [
        'intervene',
        'The channel buyer asks the channel to intervene (小二介入 / 平台介入) after a refusal',
        (id: string) => sandbox.intervene(id),
      ],
    ] as const) {
      app.post(
        `/sandbox/channels/refunds/:id/${action}`,
        {
          config: { auth: 'public' },
          schema: {
            tags: TAGS,
            summary,
            params: refundParams,
            response: { 200: refundSchema, ...problems(400, 404, 409) },
          },
        },
        async (req) => refundJson(await run(req.params.id)),
      );
    }

    // ---- the channel's staff and the admin ----------------------------------------------------
    app.post(
      '/sandbox/channels/refunds/:id/decide',
      {
        config: { auth: { users: ['admin', 'support'] } },
        schema: {
          tags: TAGS,
          summary: 'The channel’s staff decide an intervened refund: refund the buyer, or close it',
          params: refundParams,
          body: z.strictObject({ refund: z.boolean() }),
          response: { 200: refundSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => refundJson(await sandbox.decide(req.params.id, req.body.refund)),
    );

    app.post(
      '/admin/sandbox/channels/tick',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin', 'sandbox'],
          summary: 'Run the sandbox channels’ due work now (timeouts, auto-confirm, deliveries)',
          response: {
            200: z.object({
              refundsTimedOut: z.number().int(),
              refundsPaid: z.number().int(),
              refundsClosed: z.number().int(),
              ordersFinished: z.number().int(),
              delivered: z.number().int(),
              failed: z.number().int(),
              gaveUp: z.number().int(),
              expired: z.number().int(),
            }),
            ...problems(401, 403),
          },
        },
      },
      async () => sandbox.tick(),
    );

    app.get(
      '/admin/sandbox/channels/messages',
      {
        config: { auth: { users: ['admin'] } },
        schema: {
          tags: ['admin', 'sandbox'],
          summary: 'Recent messages of every sandbox channel shop',
          querystring: limitQuery,
          response: { 200: z.object({ items: z.array(messageSchema) }), ...problems(400, 401, 403) },
        },
      },
      async (req) => ({ items: (await sandbox.messages({ limit: req.query.limit })).map(messageJson) }),
    );
  };
}
