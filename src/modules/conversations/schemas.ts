/** The conversation's HTTP contract: request and response schemas, shared by routes and services. */
import { z } from 'zod';
import { isSha256 } from '../../platform/files.js';

export const MESSAGE_MAX = 2000;
export const PAGE_DEFAULT = 200;
export const PAGE_MAX = 500;

export type Party = 'buyer' | 'merchant' | 'support';
export const PARTIES = ['buyer', 'merchant', 'support'] as const satisfies readonly Party[];

export const messageFileRefSchema = z.strictObject({
  sha256: z.string().refine(isSha256, 'a SHA-256 in lowercase hex'),
  name: z.string().trim().min(1).max(200),
});

export const postMessageSchema = z.strictObject({
  body: z.string().trim().min(1).max(MESSAGE_MAX),
  file: messageFileRefSchema.optional(),
});
export type PostMessageInput = z.input<typeof postMessageSchema>;

export const markReadSchema = z.strictObject({ lastReadId: z.string().min(1).max(64) });

export const listMessagesQuerySchema = z.strictObject({
  after: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('Only messages after this id (the previous nextCursor)'),
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT),
});
export interface ListMessagesQuery {
  after?: string | undefined;
  limit?: number | undefined;
}

const partySchema = z.enum(PARTIES);
const signalSchema = z.object({
  code: z.string(),
  value: z.string(),
  messages: z.object({ 'zh-CN': z.string(), en: z.string() }),
});

export const messageViewSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    senderId: z.string(),
    senderRole: partySchema,
    senderName: z.string(),
    mine: z.boolean(),
    body: z.string(),
    file: z
      .object({ sha256: z.string(), mime: z.string(), name: z.string(), signals: z.array(signalSchema) })
      .nullable(),
    createdAt: z.string(),
    /** Each other party of the conversation, and whether it has read this message. */
    readBy: z.array(z.object({ party: partySchema, read: z.boolean() })),
  })
  .meta({ id: 'ConversationMessage' });
export type MessageView = z.infer<typeof messageViewSchema>;

export const conversationSchema = z
  .object({
    orderId: z.string(),
    orderNo: z.string(),
    /** Who the viewer is in this conversation; null for a read-only viewer (arbitration). */
    viewerParty: partySchema.nullable(),
    participants: z.array(partySchema),
    reads: z.array(
      z.object({ party: partySchema, lastReadId: z.string().nullable(), readAt: z.string().nullable() }),
    ),
    /** Messages from others after the viewer's own read mark. */
    unreadCount: z.number().int(),
    messages: z.array(messageViewSchema),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Conversation' });
export type ConversationView = z.infer<typeof conversationSchema>;

export const readMarkSchema = z.object({ orderId: z.string(), lastReadId: z.string(), readAt: z.string() });
export type ReadMark = z.infer<typeof readMarkSchema>;
