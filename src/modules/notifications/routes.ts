/** The notification centre (站内信) over HTTP. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { userOf } from '../../platform/http/auth.js';
import { problems } from '../../platform/http/schemas.js';
import {
  listNotifications,
  markNotificationsRead,
  markNotificationsReadSchema,
  notificationPageSchema,
  notificationQuerySchema,
} from './inbox.js';

export function notificationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/me/notifications',
      {
        config: { auth: { users: 'any' } },
        schema: {
          tags: ['notifications'],
          summary:
            'My notifications, newest first (50 a page, `cursor` for older ones), with the unread count',
          querystring: notificationQuerySchema,
          response: { 200: notificationPageSchema, ...problems(400, 401, 403) },
        },
      },
      async (req) =>
        listNotifications(ctx, userOf(req), {
          cursor: req.query.cursor,
          unreadOnly: req.query.unread === 'true',
        }),
    );

    app.post(
      '/me/notifications/read',
      {
        config: { auth: { users: 'any' } },
        schema: {
          tags: ['notifications'],
          summary: 'Mark my notifications read: `{ids: [...]}` or `{all: true}`',
          body: markNotificationsReadSchema,
          response: {
            200: z.object({ updated: z.number().int(), unreadCount: z.number().int() }),
            ...problems(400, 401, 403),
          },
        },
      },
      async (req) => markNotificationsRead(ctx, userOf(req), req.body),
    );
  };
}
