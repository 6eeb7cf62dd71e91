import type { QueryClient } from '@tanstack/react-query';
import type { NavigateFunction } from 'react-router';
import { ME_KEY } from '../../auth';
import type { OrderFilter } from '../../types';

export const ORDERS_KEY = ['orders'] as const;
export const ordersListKey = (filter: OrderFilter) => [...ORDERS_KEY, 'list', filter] as const;
export const orderKey = (id: string) => [...ORDERS_KEY, 'detail', id] as const;
export const WALLET_KEY = ['me', 'wallet'] as const;
export const MEMBERSHIPS_KEY = ['me', 'memberships'] as const;
export const OFFERS_KEY = ['membership', 'offers'] as const;
export const UNITS_KEY = ['me', 'units'] as const;
export const MERCHANT_FINANCE_KEY = ['merchant', 'finance'] as const;
export const merchantOrdersKey = (filter: OrderFilter) => ['merchant', 'orders', filter] as const;

/** After money moved (order paid, top-up, membership): balances, orders and keys are stale. */
export function invalidateMoney(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: ORDERS_KEY });
  void qc.invalidateQueries({ queryKey: WALLET_KEY });
  void qc.invalidateQueries({ queryKey: UNITS_KEY });
  void qc.invalidateQueries({ queryKey: MEMBERSHIPS_KEY });
}

/** After a membership purchase the viewer's level (and so every price) changed. */
export function invalidateLevel(qc: QueryClient): void {
  void qc.invalidateQueries({ queryKey: ME_KEY });
  void qc.invalidateQueries({ queryKey: ['products'] });
}

/**
 * Opens a gateway pay URL. The sandbox's is relative (`/sandbox/pay/<id>`, a page of this app) or
 * absolute on this origin; anything else is a real cashier elsewhere.
 */
export function goToPayUrl(navigate: NavigateFunction, payUrl: string): void {
  if (payUrl.startsWith('/') && !payUrl.startsWith('//')) {
    void navigate(payUrl);
    return;
  }
  try {
    const url = new URL(payUrl, window.location.href);
    if (url.origin === window.location.origin) {
      void navigate(`${url.pathname}${url.search}${url.hash}`);
      return;
    }
  } catch {
    // not a URL: let the browser try
  }
  window.location.assign(payUrl);
}

export const orderPath = (id: string) => `/me/orders/${encodeURIComponent(id)}`;
