/**
 * Order conversation HTTP API (沟通记录): read the conversation with read receipts, post a message
 * (with at most one attachment uploaded first through `POST /evidence/files`), mark it read, and
 * download an attachment.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { isSha256, type FileStore } from '../../platform/files.js';
import { idParams, problems } from '../../platform/http/schemas.js';
import { actorOf } from '../../platform/http/auth.js';
import {
  conversationSchema,
  listMessages,
  listMessagesQuerySchema,
  markRead,
  markReadSchema,
  messageFile,
  messageViewSchema,
  postMessage,
  postMessageSchema,
  readMarkSchema,
} from './messages.js';

export function conversationRoutes(ctx: AppContext & { files: FileStore }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/orders/:id/messages',
      {
        config: { owner: 'order', auth: { users: 'any', tokens: ['merchant'] } },
        schema: {
          tags: ['conversations'],
          summary: "The order's conversation, oldest first, with read receipts",
          description:
            'For the buyer, the merchant and platform support; arbitrators may read. Anyone else gets 404 `order.not_found`. ' +
            'Page on with `after=<nextCursor>`.',
          params: idParams,
          querystring: listMessagesQuerySchema,
          response: { 200: conversationSchema, ...problems(400, 401, 404) },
        },
      },
      async (req) => listMessages(ctx, actorOf(req), req.params.id, req.query),
    );

    app.post(
      '/orders/:id/messages',
      {
        config: { owner: 'order', auth: { users: ['buyer', 'merchant', 'support', 'admin'] } },
        schema: {
          tags: ['conversations'],
          summary:
            'Post a message (1–2000 characters, optionally one attachment); messages are never edited or deleted',
          description:
            'Attach a file by uploading it first (`POST /evidence/files`) and naming its `sha256`; it is checked by content again. ' +
            'The other parties are notified.',
          params: idParams,
          body: postMessageSchema,
          response: { 201: messageViewSchema, ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      async (req, reply) =>
        reply.code(201).send(await postMessage(ctx, actorOf(req), req.params.id, req.body)),
    );

    app.post(
      '/orders/:id/messages/read',
      {
        config: { owner: 'order', auth: { users: ['buyer', 'merchant', 'support', 'admin'] } },
        schema: {
          tags: ['conversations'],
          summary: 'Mark the conversation read up to a message (a read mark never moves back)',
          params: idParams,
          body: markReadSchema,
          response: { 200: readMarkSchema, ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => markRead(ctx, actorOf(req), req.params.id, req.body.lastReadId),
    );

    app.get(
      '/orders/:id/messages/files/:sha256',
      {
        config: { owner: 'order', auth: { users: 'any', tokens: ['merchant'] } },
        schema: {
          tags: ['conversations'],
          summary: 'Download an attachment of the order conversation',
          params: idParams.extend({ sha256: z.string().refine(isSha256, 'a SHA-256 in lowercase hex') }),
          response: { 200: z.unknown().describe('file'), ...problems(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const file = await messageFile(ctx, actorOf(req), req.params.id, req.params.sha256);
        if (!file) fail('conversation.message_not_found');
        // The type found by content when posted, never sniffed again; PDF and text download.
        void reply
          .header('content-type', file.mime === 'text/plain' ? 'text/plain; charset=utf-8' : file.mime)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'")
          // The SHA-256 of these bytes: the original's for its uploader, the shareable copy's otherwise.
          .header('x-content-sha256', file.servedSha256);
        if (!file.mime.startsWith('image/'))
          void reply.header(
            'content-disposition',
            `attachment; filename="attachment-${req.params.sha256.slice(0, 12)}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
          );
        return reply.send(file.bytes);
      },
    );
  };
}
