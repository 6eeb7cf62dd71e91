import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api';
import type { DisputeQueue, DisputeSummary } from '../../types';
import { WALLET_KEY } from '../buyer/orderQueries';
import { REFUNDS_KEY } from '../aftersales/queries';

export const DISPUTES_KEY = ['disputes'] as const;
export const disputeListKey = (queue: DisputeQueue, requestId = '') =>
  [...DISPUTES_KEY, 'list', queue, requestId] as const;
export const disputeKey = (id: string) => [...DISPUTES_KEY, 'detail', id] as const;
export const RECORDS_KEY = ['merchant-records'] as const;
export const recordKey = (merchantId: string) => [...RECORDS_KEY, merchantId] as const;

const enc = encodeURIComponent;
/** A party's dispute page. */
export const disputePath = (id: string) => `/disputes/${enc(id)}`;
/** The arbitrators' case file. */
export const caseFilePath = (id: string) => `/arbitration/${enc(id)}`;
/** A shop's public storefront with its record. */
export const storefrontPath = (merchantId: string) => `/merchants/${enc(merchantId)}`;

/** After a dispute moved: the lists, the request (and its money), the wallet and shop records. */
export function invalidateDisputes(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: DISPUTES_KEY });
  void qc.invalidateQueries({ queryKey: REFUNDS_KEY });
  void qc.invalidateQueries({ queryKey: WALLET_KEY });
  void qc.invalidateQueries({ queryKey: RECORDS_KEY });
}

/** Another party (or arbitrator) changed the case first (stale `version`). */
export const isVersionConflict = (err: unknown): boolean =>
  err instanceof ApiError && err.code === 'request.conflict';

export type DisputeDeadlineKind = 'evidenceDue' | 'decisionDue';

/** The deadline the dispute's phase runs against: evidence, then the decision; none once decided. */
export function runningDeadline(d: DisputeSummary): { kind: DisputeDeadlineKind; at: string } | null {
  switch (d.state) {
    case 'EVIDENCE':
      return { kind: 'evidenceDue', at: d.evidenceDueAt };
    case 'ARBITRATION':
      return d.decisionDueAt ? { kind: 'decisionDue', at: d.decisionDueAt } : null;
    case 'DECIDED':
      return null;
  }
}

/** A shop's public record (refund rate, disputes, violations, deposit); anyone may read it. */
export function useMerchantRecord(merchantId: string | undefined) {
  return useQuery({
    queryKey: recordKey(merchantId ?? ''),
    queryFn: () => api.merchantRecord(merchantId ?? ''),
    enabled: Boolean(merchantId),
    staleTime: 30_000,
  });
}

/** Basis points as a percent with one decimal ('12.5%'); '—' when there is nothing to count. */
export const bpPercent = (bp: number | null): string => (bp === null ? '—' : `${(bp / 100).toFixed(1)}%`);
