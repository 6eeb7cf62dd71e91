import type { User } from './types';

export type BackFrom = 'refund' | 'order' | 'dispute';
type BackLabel =
  | 'orders.title'
  | 'aftersales.detail.backToList'
  | 'aftersales.detail.backToQueue'
  | 'aftersales.nav.supportQueue'
  | 'disputes.nav.mine'
  | 'disputes.nav.merchant'
  | 'disputes.caseFile.back'
  | 'nav.finance'
  | 'nav.products';

/**
 * Where a detail page's back link goes for this viewer: a page the viewer's role may open (an
 * arbitrator has no support queue and no buyer list: the arbitration workbench), with its label's
 * i18n key.
 */
export function backFor(user: User | null, from: BackFrom): { to: string; labelKey: BackLabel } {
  switch (user?.role) {
    case 'buyer':
      return from === 'order'
        ? { to: '/me/orders', labelKey: 'orders.title' }
        : from === 'refund'
          ? { to: '/me/refunds', labelKey: 'aftersales.detail.backToList' }
          : { to: '/me/disputes', labelKey: 'disputes.nav.mine' };
    case 'merchant':
      return from === 'order'
        ? { to: '/merchant/finance', labelKey: 'nav.finance' }
        : from === 'refund'
          ? { to: '/merchant/refunds', labelKey: 'aftersales.detail.backToQueue' }
          : { to: '/merchant/disputes', labelKey: 'disputes.nav.merchant' };
    case 'support':
    case 'admin':
      return from === 'dispute'
        ? { to: '/arbitration', labelKey: 'disputes.caseFile.back' }
        : { to: '/support/refunds', labelKey: 'aftersales.nav.supportQueue' };
    case 'arbitrator':
      return { to: '/arbitration', labelKey: 'disputes.caseFile.back' };
    case undefined:
      return { to: '/products', labelKey: 'nav.products' };
  }
}
