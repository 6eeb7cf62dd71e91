/**
 * The sandbox mailbox (only while the sandbox is on, never in production): the e-mail queued for
 * one address, newest first, so a person trying the demo can open a registration confirmation or a
 * password reset without a mail server. Like a public test inbox, anyone who names an address sees
 * its mail: that is why it exists only beside the sandbox cashier (ADR 0009).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { problems } from '../../platform/http/schemas.js';
import { perAddress } from '../../platform/http/rate-limit.js';

const mailSchema = z.object({
  id: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: z.string(),
  state: z.enum(['PENDING', 'SENT', 'FAILED']),
});

export function sandboxMailRoutes(ctx: Pick<AppContext, 'db'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/sandbox/mail',
      {
        schema: {
          tags: ['sandbox'],
          summary: 'Sandbox mailbox: the latest e-mail queued for one address (sandbox only)',
          querystring: z.strictObject({ to: z.string().trim().min(3).max(254) }),
          response: { 200: z.object({ items: z.array(mailSchema) }), ...problems(400) },
        },
        config: { auth: 'public', rateLimit: perAddress(60, '1 minute') },
      },
      async (req) => {
        const rows = await ctx.db
          .selectFrom('outbox')
          .select(['id', 'subject', 'body', 'created_at', 'state'])
          .where('channel', '=', 'EMAIL')
          .where(sql<string>`lower(recipient)`, '=', req.query.to.toLowerCase())
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(20)
          .execute();
        return {
          items: rows.map((r) => ({
            id: r.id,
            subject: r.subject,
            text: r.body,
            createdAt: r.created_at,
            state: r.state,
          })),
        };
      },
    );
  };
}
