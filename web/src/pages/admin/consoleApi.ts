/** The console's calls (part A) and the merchant home's, typed by the generated contract. */
import { client, noContent, ok } from '../../api/client';
import type { BodyOf } from '../../api/contract';

export type RulesPatch = BodyOf<'/api/admin/rules', 'patch'>;
export type CalendarImportBody = {
  year: number;
  source: string;
  holidays: { date: string; name: string }[];
  workdays: { date: string; name: string }[];
};

export const consoleApi = {
  rules: () => ok(client.GET('/api/admin/rules')),
  changeRules: (body: RulesPatch) => ok(client.PATCH('/api/admin/rules', { body })),
  calendarYears: () => ok(client.GET('/api/admin/calendar/years')),
  importCalendar: (body: CalendarImportBody) => ok(client.POST('/api/admin/calendar/import', { body })),
  clock: () => ok(client.GET('/api/admin/clock')),
  advanceClock: (body: BodyOf<'/api/admin/clock/advance', 'post'>) =>
    ok(client.POST('/api/admin/clock/advance', { body })),
  levels: () => ok(client.GET('/api/admin/member-levels')),
  updateLevel: (level: 'REGULAR' | 'VIP' | 'SUPER', maxQtyPerOrder: number) =>
    ok(
      client.PATCH('/api/admin/member-levels/{level}', {
        params: { path: { level } },
        body: { maxQtyPerOrder },
      }),
    ),
  offers: () => ok(client.GET('/api/membership/offers')),
  setOffers: (body: BodyOf<'/api/admin/membership/offers', 'put'>) =>
    ok(client.PUT('/api/admin/membership/offers', { body })),
  commissions: () => ok(client.GET('/api/admin/commissions')),
  setCommission: (id: string, commissionBp: number) =>
    ok(
      client.PUT('/api/admin/merchants/{id}/commission', {
        params: { path: { id } },
        body: { commissionBp },
      }),
    ),
  adminTokens: () => ok(client.GET('/api/admin/tokens')),
  createAdminToken: (body: BodyOf<'/api/admin/tokens', 'post'>) =>
    ok(client.POST('/api/admin/tokens', { body })),
  merchantTokens: () => ok(client.GET('/api/merchant/tokens')),
  createMerchantToken: (name: string) => ok(client.POST('/api/merchant/tokens', { body: { name } })),
  revokeToken: (id: string) => noContent(client.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
  merchantHome: () => ok(client.GET('/api/merchant/home')),
};
