/** Memberships over HTTP: the levels and offers, a buyer's periods, and what admins set. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { userOf } from '../../platform/http/auth.js';
import { problems } from '../../platform/http/schemas.js';
import { levelPatchSchema, levelTable, levelViewSchema, listLevels, updateLevel } from './levels.js';
import { listOffers, membershipViewSchema, myMemberships, offerSchema, setOffers } from './offers.js';

const levelList = z.object({ items: z.array(levelViewSchema) });
const offerList = z.object({ items: z.array(offerSchema) });

export function membershipRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/membership/offers',
      {
        schema: {
          tags: ['membership'],
          summary: 'Membership levels on sale, with price and term',
          response: { 200: offerList },
        },
        config: { auth: 'public' },
      },
      async () => ({ items: await listOffers(ctx.db) }),
    );

    app.get(
      '/membership/levels',
      {
        schema: {
          tags: ['membership'],
          summary: 'Member levels and their per-order quantity limits',
          response: { 200: levelList },
        },
        config: { auth: 'public' },
      },
      async () => ({ items: await listLevels(ctx.db) }),
    );

    app.get(
      '/me/memberships',
      {
        schema: {
          tags: ['membership'],
          summary: 'My membership periods; refundable while no order at a member price has been placed',
          response: { 200: z.object({ items: z.array(membershipViewSchema) }), ...problems(401, 403) },
        },
        config: { auth: { users: ['buyer'] } },
      },
      async (req) => ({ items: await myMemberships(ctx, userOf(req)) }),
    );

    app.put(
      '/admin/membership/offers',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set the membership levels on sale (price and term)',
          body: z.strictObject({ items: z.array(offerSchema).max(2) }),
          response: { 200: offerList, ...problems(400, 401, 403) },
        },
        config: { auth: { users: ['admin'] } },
      },
      async (req) => ({ items: await setOffers(ctx, userOf(req), req.body.items) }),
    );

    app.get(
      '/admin/member-levels',
      {
        schema: {
          tags: ['admin'],
          summary: 'Member levels and their per-order quantity limits',
          response: { 200: levelList, ...problems(401, 403) },
        },
        config: { auth: { users: ['admin', 'support', 'merchant'] } },
      },
      async (req) => ({ items: await levelTable(ctx, userOf(req)) }),
    );

    app.patch(
      '/admin/member-levels/:level',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set a level’s per-order quantity limit',
          params: z.strictObject({ level: z.enum(['REGULAR', 'VIP', 'SUPER']) }),
          body: levelPatchSchema,
          response: { 200: levelList, ...problems(400, 401, 403) },
        },
        config: { auth: { users: ['admin'] } },
      },
      async (req) => ({ items: await updateLevel(ctx, userOf(req), req.params.level, req.body) }),
    );
  };
}
