import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api } from './api';
import type { AuthResponse, User } from './types';

export const ME_KEY = ['auth', 'me'] as const;

/** The logged-in user (null when logged out). */
export function useMe() {
  const q = useQuery({ queryKey: ME_KEY, queryFn: api.me, staleTime: 60_000 });
  return { ...q, user: q.data?.user ?? null };
}

/** After login/register: cache the session and refetch viewer-dependent data (prices per level). */
export function onAuthenticated(qc: QueryClient, r: AuthResponse): void {
  qc.setQueryData(ME_KEY, r);
  void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: api.logout,
    onSettled: () => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      qc.setQueryData(ME_KEY, null);
    },
  });
}

export const isMerchant = (u: User | null): u is User => u !== null && u.role === 'merchant';
export const isBuyer = (u: User | null): u is User => u !== null && u.role === 'buyer';
export const isAdmin = (u: User | null): u is User => u !== null && u.role === 'admin';
/** Platform support and admins: the support queue (售后客服). */
export const isStaff = (u: User | null): u is User =>
  u !== null && (u.role === 'support' || u.role === 'admin');

/** Platform staff who read the arbitration queue and case files (仲裁工作台): arbitrators, support, admins. */
export const isArbitrationStaff = (u: User | null): u is User =>
  u !== null && (u.role === 'arbitrator' || u.role === 'support' || u.role === 'admin');
/** Who may decide a dispute: arbitrators and admins (support follows the queue read-only). */
export const mayArbitrate = (u: User | null): u is User =>
  u !== null && (u.role === 'arbitrator' || u.role === 'admin');

/** A same-site path to return to after logging in (never another origin). */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : null;
}

/** The login page, coming back to `next` afterwards. */
export const loginPath = (next: string): string => `/login?next=${encodeURIComponent(next)}`;

/** Where to land after logging in. */
export const homeFor = (u: User): string => (u.role === 'merchant' ? '/merchant' : '/products');
