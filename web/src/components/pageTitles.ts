import { matchPath } from 'react-router';
import type { PageTitleKey } from '../i18n/zh-CN.titles';

/**
 * Each page's browser-tab title: route pattern -> key under `pageTitle` (i18n/*.titles.ts).
 * Patterns are those of App.tsx (and of pages being added to it); the first match wins.
 */
export const PAGE_TITLES: readonly (readonly [pattern: string, key: PageTitleKey])[] = [
  ['/', 'home'],
  ['/products', 'products'],
  ['/products/:id', 'product'],
  ['/login', 'login'],
  ['/register', 'register'],
  ['/forgot-password', 'forgotPassword'],
  ['/reset-password', 'resetPassword'],
  ['/register/confirm', 'registerConfirm'],
  ['/checkout/:productId', 'checkout'],
  ['/me/orders', 'myOrders'],
  ['/me/orders/:id', 'orderDetail'],
  ['/orders/:id', 'orderDetail'],
  ['/me/keys', 'myKeys'],
  ['/me/wallet', 'wallet'],
  ['/me/membership', 'membership'],
  ['/me/refunds', 'myRefunds'],
  ['/me/notifications', 'notifications'],
  ['/me/disputes', 'myDisputes'],
  ['/refunds/:id', 'refundDetail'],
  ['/disputes/:id', 'dispute'],
  ['/lookup', 'lookup'],
  ['/k/:token', 'keyLink'],
  ['/merchants/:id', 'storefront'],
  ['/merchant', 'merchant'],
  ['/merchant/home', 'merchantHome'],
  ['/merchant/products/:id/keys', 'merchantKeys'],
  ['/merchant/finance', 'merchantFinance'],
  ['/merchant/channels', 'merchantChannels'],
  ['/merchant/refunds', 'merchantRefunds'],
  ['/merchant/refunds/:id', 'refundDetail'],
  ['/merchant/disputes', 'merchantDisputes'],
  ['/merchant/record', 'merchantRecord'],
  ['/merchant/tokens', 'merchantTokens'],
  ['/support/refunds', 'supportRefunds'],
  ['/support/refunds/:id', 'refundDetail'],
  ['/arbitration', 'arbitration'],
  ['/arbitration/:id', 'caseFile'],
  ['/sandbox/pay/:id', 'sandboxPay'],
  ['/sandbox/shop', 'sandboxShop'],
  ['/sandbox/mail', 'sandboxMail'],
  ['/admin', 'admin'],
  ['/admin/dashboard', 'adminDashboard'],
  ['/admin/rules', 'adminRules'],
  ['/admin/calendar', 'adminCalendar'],
  ['/admin/clock', 'adminClock'],
  ['/admin/users', 'adminUsers'],
  ['/admin/merchants', 'adminMerchants'],
  ['/admin/levels', 'adminLevels'],
  ['/admin/commissions', 'adminCommissions'],
  ['/admin/tokens', 'adminTokens'],
  ['/admin/audit', 'adminAudit'],
  ['/admin/sandbox', 'adminSandbox'],
  ['/admin/withdrawals', 'adminWithdrawals'],
];

/** The title key of a location's path; `notFound` for paths no page answers. */
export function pageTitleKey(pathname: string): PageTitleKey {
  for (const [pattern, key] of PAGE_TITLES) if (matchPath(pattern, pathname)) return key;
  return 'notFound';
}
