/** Payments over HTTP: gateway notifications and the buyer's wallet (the shop's balances are finance's). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { userOf } from '../../platform/http/auth.js';
import { problems } from '../../platform/http/schemas.js';
import { receiveNotification } from './notify.js';
import type { PaymentsContext } from './registry.js';
import { myWallet, walletSchema } from './wallet.js';
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
        config: { auth: 'public' },
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
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
        );
        const rawBody = typeof req.body === 'string' ? req.body : '';
        const ack = await receiveNotification(ctx, req.params.provider, { headers, rawBody }, req.ip);
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
        config: { auth: { users: ['buyer'] } },
        schema: {
          tags: ['wallet'],
          summary: 'My balance (余额) and its latest movements',
          response: { 200: walletSchema, ...problems(401, 403) },
        },
      },
      async (req) => myWallet(ctx, userOf(req)),
    );
  };
}
