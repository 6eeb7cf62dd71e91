import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { timelineKey } from '../../components/KeyTimelineDrawer';
import type { KeyState, StockItem } from '../../types';

export const PRODUCTS_KEY = ['merchant', 'products'] as const;
export const STOCK_KEY = ['merchant', 'stock'] as const;
export const importsKey = (productId: string) => ['merchant', 'imports', 'list', productId] as const;
export const batchKey = (batchId: string) => ['merchant', 'imports', 'batch', batchId] as const;
/** Prefix of every key listing of a product (all state filters). */
export const keysKey = (productId: string) => ['merchant', 'keys', productId] as const;
export const keysListKey = (productId: string, state: KeyState | undefined) =>
  [...keysKey(productId), state ?? 'ALL'] as const;

export function useStock() {
  return useQuery({ queryKey: STOCK_KEY, queryFn: api.stock });
}

/** Stock of one product (undefined while loading or when the server does not list it). */
export function stockOf(items: StockItem[] | undefined, productId: string): StockItem | undefined {
  return items?.find((s) => s.productId === productId);
}

/** After keys were imported, voided or invalidated: stock, key lists and timelines are stale. */
export function invalidateKeyData(qc: QueryClient, productId: string, keyId?: string): void {
  void qc.invalidateQueries({ queryKey: STOCK_KEY });
  void qc.invalidateQueries({ queryKey: keysKey(productId) });
  if (keyId) void qc.invalidateQueries({ queryKey: timelineKey({ kind: 'key', id: keyId }) });
}
