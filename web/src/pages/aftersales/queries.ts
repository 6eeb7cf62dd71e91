import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api';
import type { Lang, RefundFilter, RefundState, ZhEn } from '../../types';
import { ORDERS_KEY, UNITS_KEY, WALLET_KEY } from '../buyer/orderQueries';

export const REFUNDS_KEY = ['refunds'] as const;
export const refundListKey = (filter: RefundFilter) => [...REFUNDS_KEY, 'list', filter] as const;
export const refundKey = (id: string) => [...REFUNDS_KEY, 'detail', id] as const;
export const refundDraftKey = (orderId: string) => [...REFUNDS_KEY, 'draft', orderId] as const;
export const VOCABULARY_KEY = [...REFUNDS_KEY, 'vocabulary'] as const;
export const ALERTS_KEY = ['support', 'alerts'] as const;

/** Reasons, rule codes and rejection codes with their titles; they change with a release only. */
export function useVocabulary() {
  return useQuery({ queryKey: VOCABULARY_KEY, queryFn: api.refundVocabulary, staleTime: Infinity });
}

/** After a request moved: lists, the order (units, payouts), the wallet and keys may be stale. */
export function invalidateRefunds(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: REFUNDS_KEY });
  void qc.invalidateQueries({ queryKey: ORDERS_KEY });
  void qc.invalidateQueries({ queryKey: WALLET_KEY });
  void qc.invalidateQueries({ queryKey: UNITS_KEY });
  void qc.invalidateQueries({ queryKey: ALERTS_KEY });
}

/** The after-sales API's `{ zh, en }` text in the UI language. */
export const pickText = (text: ZhEn | null | undefined, lang: Lang): string =>
  text ? (lang === 'en' ? text.en : text.zh) : '';

/** A problem's or signal's `{ 'zh-CN', en }` messages in the UI language. */
export function pickMessages(messages: Partial<Record<string, string>> | undefined, lang: Lang): string {
  if (!messages) return '';
  return messages[lang] ?? messages['zh-CN'] ?? messages.en ?? '';
}

/** Another party changed the request first (stale `version`): reload and look again. */
export const isVersionConflict = (err: unknown): boolean =>
  err instanceof ApiError && err.code === 'request.conflict';

/** States in which someone still has to act. */
export const OPEN_REFUND_STATES: readonly RefundState[] = [
  'PENDING_REVIEW',
  'SUPPORT_REVIEW',
  'AWAITING_BUYER',
  'APPROVED',
  'REFUNDING',
  'REFUND_ABNORMAL',
  'REJECTED',
  'DISPUTED',
];

/** Money is on its way: the page polls until it lands (or fails). */
export const isPayingOut = (state: RefundState): boolean => state === 'APPROVED' || state === 'REFUNDING';

export const refundPath = (id: string) => `/refunds/${encodeURIComponent(id)}`;
export const merchantRefundPath = (id: string) => `/merchant/refunds/${encodeURIComponent(id)}`;
