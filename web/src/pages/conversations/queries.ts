import type { QueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { AppNotification, Conversation, Lang } from '../../types';

export const CONVERSATIONS_KEY = ['conversations'] as const;
export const conversationKey = (orderId: string) => [...CONVERSATIONS_KEY, orderId] as const;
export const NOTIFICATIONS_KEY = ['notifications'] as const;
export const NOTIFICATIONS_LATEST_KEY = [...NOTIFICATIONS_KEY, 'latest'] as const;
export const notificationListKey = (unreadOnly: boolean) =>
  [...NOTIFICATIONS_KEY, 'list', unreadOnly ? 'unread' : 'all'] as const;

/** How often an open conversation looks for new messages (only while the tab is visible). */
export const CONVERSATION_POLL_MS = 5_000;
/** How often the header bell looks for new notifications. */
export const NOTIFICATIONS_POLL_MS = 15_000;
/** The server's limit on a message. */
export const MESSAGE_MAX = 2000;
/** Pages fetched at most per refresh (the server sends 200 messages a page). */
const MAX_PAGES = 10;

/** The whole conversation: the first page, then the next ones while the server has more. */
export async function fetchConversation(orderId: string): Promise<Conversation> {
  let page = await api.conversation(orderId);
  const messages = [...page.messages];
  for (let i = 1; i < MAX_PAGES && page.nextCursor; i++) {
    page = await api.conversation(orderId, page.nextCursor);
    messages.push(...page.messages);
  }
  return { ...page, messages };
}

/** After notifications changed (read, or new ones expected): the bell and the full page. */
export function invalidateNotifications(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
}

/** A notification's title or body in the UI language. */
export const notificationText = (text: AppNotification['title'], lang: Lang): string =>
  lang === 'en' ? text.en : text.zh;

/**
 * A notification's link as a path of this app, or null: only same-site paths are followed (a link
 * is data from the server, never a way to another origin).
 */
export function notificationPath(link: string | null): string | null {
  if (!link || !link.startsWith('/') || link.startsWith('//') || link.startsWith('/\\')) return null;
  return link;
}

export const orderConversationPath = (orderId: string): string =>
  `/orders/${encodeURIComponent(orderId)}#conversation`;
