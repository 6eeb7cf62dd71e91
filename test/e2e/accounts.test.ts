/**
 * Registration and recovery in the browser at 375 × 812 (ADR 0009): the confirm field is checked in
 * the browser, a common password is refused at its field, the confirmation mail is opened in the
 * sandbox mailbox, and a forgotten password is reset through the mailed link — with no sideways
 * scroll on any of these pages.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, haveChromium } from './helpers.js';

const e2e = browserSuite({ label: 'accounts browser tests', tmpPrefix: 'kameng-e2e-accounts-' });

const pageWidth = (page: Page) =>
  page.evaluate<number>('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)');
const noSideScroll = async (page: Page) => expect(await pageWidth(page)).toBeLessThanOrEqual(375);

describe.skipIf(!haveChromium)('accounts at 375 × 812', () => {
  it('registers 张三 through the sandbox mailbox, then resets the forgotten password', async () => {
    const context = await e2e.browser.newContext({
      locale: 'zh-CN',
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    try {
      await page.goto(`${e2e.base}/register`);
      await page.locator('#username').fill('张三');
      await page.locator('#email').fill('zhang.san@example.com');
      await page.locator('#phone').fill('13912345678');
      await noSideScroll(page);

      // the two passwords differ: caught in the browser, nothing sent
      await page.locator('#password').fill('qiu-tian-de-feng');
      await page.locator('#confirm').fill('qiu-tian-de-fenG');
      await expect.poll(() => page.getByTestId('password-strength').textContent()).toMatch(/强|中/);
      await page.getByTestId('register-submit').click();
      await expect.poll(() => page.locator('body').textContent()).toContain('两次输入的密码不一致');
      expect(await page.getByTestId('mail-sent').count()).toBe(0);

      // a common password: the server's rule, shown at the password field
      await page.locator('#password').fill('woaini1314');
      await page.locator('#confirm').fill('woaini1314');
      await page.getByTestId('register-submit').click();
      await expect.poll(() => page.locator('body').textContent()).toContain('常见密码');
      await noSideScroll(page);

      await page.locator('#password').fill('qiu-tian-de-feng');
      await page.locator('#confirm').fill('qiu-tian-de-feng');
      await page.getByTestId('register-submit').click();
      await expect.poll(() => page.getByTestId('mail-sent').textContent()).toContain('zhang.san@example.com');
      await noSideScroll(page);
      await page.getByTestId('sandbox-mailbox-link').locator('a').click();
      await page.waitForURL(/\/sandbox\/mail\?to=/);
      await expect.poll(() => page.getByTestId('mail').first().textContent()).toContain('确认注册');
      await noSideScroll(page);
      await page.getByTestId('mail-link').filter({ hasText: '/register/confirm' }).first().click();
      await page.waitForURL(/\/register\/confirm\?token=/);
      await noSideScroll(page);
      await page.getByTestId('confirm-submit').click();
      await page.waitForURL(/\/products$/);

      // log out, forget the password, reset it from the mailbox
      await context.clearCookies();
      await page.goto(`${e2e.base}/login`);
      await page.getByTestId('forgot-password').click();
      await page.waitForURL(/\/forgot-password$/);
      await page.locator('#login').fill('zhang.san@example.com');
      await page.getByTestId('forgot-submit').click();
      await expect.poll(() => page.getByTestId('mail-sent').count()).toBe(1);
      await noSideScroll(page);
      await page.getByTestId('sandbox-mailbox-link').locator('a').click();
      await expect.poll(() => page.getByTestId('mail').first().textContent()).toContain('重置密码');
      await page.getByTestId('mail-link').filter({ hasText: '/reset-password' }).first().click();
      await page.waitForURL(/\/reset-password\?token=/);
      await noSideScroll(page);
      await page.locator('#password').fill('dong-tian-de-xue');
      await page.locator('#confirm').fill('dong-tian-de-xue');
      await page.getByTestId('reset-submit').click();
      await page.getByTestId('reset-done-login').click();
      await page.waitForURL(/\/login$/);
      await page.locator('#username').fill('张三');
      await page.locator('#password').fill('dong-tian-de-xue');
      await page.getByTestId('login-submit').click();
      await page.waitForURL(/\/products$/);
      await noSideScroll(page);
    } finally {
      await context.close();
    }
  }, 90_000);
});
