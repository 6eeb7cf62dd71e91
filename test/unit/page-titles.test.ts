/**
 * Every page of the web app has a browser-tab title in both languages: each route App.tsx declares
 * maps to a title key (web/src/components/pageTitles.ts), and zh-CN and en name every key.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The web sources are bundler-resolved (extensionless imports): loaded at run time, not type-checked here.
const web = (file: string): string => new URL(`../../web/src/${file}`, import.meta.url).href;
const { pageTitleKey, PAGE_TITLES } = (await import(web('components/pageTitles.ts'))) as {
  pageTitleKey: (pathname: string) => string;
  PAGE_TITLES: readonly (readonly [string, string])[];
};
type Titles = { pageTitle: Record<string, string> };
const zh = ((await import(web('i18n/zh-CN.titles.ts'))) as { default: Titles }).default.pageTitle;
const en = ((await import(web('i18n/en.titles.ts'))) as { default: Titles }).default.pageTitle;

const appRoutes = [
  ...readFileSync(new URL('../../web/src/App.tsx', import.meta.url), 'utf8').matchAll(/path="([^"]+)"/g),
]
  .map((m) => m[1])
  .filter((p) => p !== '*');

describe('page titles', () => {
  it('every route of App.tsx has its own title', () => {
    expect(appRoutes.length).toBeGreaterThan(30);
    for (const route of appRoutes) {
      const sample = route.replace(/:[A-Za-z]+/g, 'x1');
      expect(pageTitleKey(sample), route).not.toBe('notFound');
    }
  });

  it('maps paths to the right page, unknown ones to "not found"', () => {
    expect(pageTitleKey('/')).toBe('home');
    expect(pageTitleKey('/me/orders')).toBe('myOrders');
    expect(pageTitleKey('/me/orders/0193-abc')).toBe('orderDetail');
    expect(pageTitleKey('/merchant/products/p1/keys')).toBe('merchantKeys');
    expect(pageTitleKey('/admin/audit')).toBe('adminAudit');
    expect(pageTitleKey('/no/such/page')).toBe('notFound');
    expect(zh[pageTitleKey('/me/orders')]).toBe('我的订单');
    expect(zh.format.replace('{{page}}', zh.myOrders)).toBe('我的订单 - 卡盟 Kameng');
  });

  it('both languages name every title', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const [, key] of PAGE_TITLES) {
      expect(zh[key], key).toBeTruthy();
      expect(en[key], key).toBeTruthy();
    }
    // English titles are English (the brand 卡盟 aside).
    for (const text of Object.values(en)) expect(text.replace('卡盟', '')).not.toMatch(/\p{Script=Han}/u);
  });
});
