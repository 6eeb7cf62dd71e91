/**
 * The operator console, part B, in Debian's chromium at 1280 px: an admin suspends a shop with a
 * reason and reinstates it from the users page; disables a buyer, whose login is then refused;
 * finds the event in the audit log by its object and verifies the hash chain; and the dashboard
 * draws its charts (canvases present, no console errors), also at 375 px without sideways scroll.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/seed.js';
import { browserSuite, haveChromium } from './helpers.js';

const e2e = browserSuite({ label: 'console B browser tests', tmpPrefix: 'kameng-e2e-consoleb-' });

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };

async function adminPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await e2e.browser.newContext({ locale: 'zh-CN', viewport: DESKTOP });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await e2e.logIn(page, 'admin');
  // Console errors from here on (the login page's own 401 for "who am I" is expected); the
  // browser's own favicon request is not the page's.
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
      errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

/** How wide the page's content is: at 375 px nothing may scroll sideways. */
const contentWidth = (page: Page): Promise<number> =>
  page.evaluate<number>('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)');

async function giveReason(page: Page, reason: string): Promise<void> {
  const dialog = page.getByTestId('reason-dialog');
  await dialog.getByTestId('reason-input').fill(reason);
  await dialog.getByTestId('reason-confirm').click();
  await dialog.waitFor({ state: 'detached' });
}

async function search(page: Page, q: string): Promise<void> {
  await page.getByTestId('users-search').locator('input').fill(q);
  await page.getByTestId('users-search').locator('input').press('Enter');
}

describe.skipIf(!haveChromium)('the operator console (users, audit, dashboard) in the browser', () => {
  it('suspends and reinstates a shop; disables a buyer, whose login is refused; finds it in the audit log; verifies the chain', async () => {
    const { page, errors } = await adminPage();
    await page.goto(`${e2e.base}/admin/users`);
    await page.getByTestId('console-title').waitFor();

    // a shop: suspended with a reason, then reinstated
    await search(page, 'jisu');
    const jisu = page.getByTestId('user-row-jisu');
    await jisu.getByTestId('merchant-suspend').click();
    // the reason is required (clicked until the opening dialog takes the click: a busy machine)
    await expect
      .poll(async () => {
        await page.getByTestId('reason-dialog').getByTestId('reason-confirm').click();
        return page.getByText('请填写原因').isVisible();
      })
      .toBe(true);
    await giveReason(page, '多次交付无效序列号，暂停核查');
    await expect.poll(() => jisu.getByTestId('merchant-status').textContent()).toBe('已暂停');
    expect(await jisu.textContent()).toContain('多次交付无效序列号，暂停核查');
    await jisu.getByTestId('merchant-reinstate').click();
    await giveReason(page, '核查完毕，恢复销售');
    await expect.poll(() => jisu.getByTestId('merchant-status').textContent()).toBe('在售');
    // an account's login throttles lifted (ADR 0010): confirmed, then told how many counters went
    await jisu.getByTestId('user-unlock-login').click();
    await page.getByTestId('unlock-login-confirm').click();
    await page.getByText('已解除登录限制').waitFor();

    // a buyer: disabled, and their login is refused
    await search(page, 'chaohui');
    const chaohui = page.getByTestId('user-row-chaohui');
    await chaohui.getByTestId('user-disable').click();
    await giveReason(page, '疑似盗号，冻结核查');
    await expect.poll(() => chaohui.getByTestId('user-status').textContent()).toBe('已停用');
    expect(await chaohui.getByTestId('user-disabled-reason').textContent()).toContain('疑似盗号，冻结核查');
    const other = await e2e.browser.newContext({ locale: 'zh-CN', viewport: DESKTOP });
    const buyerPage = await other.newPage();
    await e2e.submitLogin(buyerPage, 'chaohui', DEMO_PASSWORD);
    await expect.poll(() => buyerPage.getByTestId('auth-error').textContent()).toContain('账户已停用');
    await other.close();

    // the audit log, searched by the object: the event with its actor and reason
    const { id } = await e2e.booted.handle.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'chaohui')
      .executeTakeFirstOrThrow();
    await page.goto(`${e2e.base}/admin/audit`);
    await page.getByTestId('audit-object-type').fill('user');
    await page.getByTestId('audit-object-id').fill(id);
    await page.getByTestId('audit-search').click();
    const disabled = page.getByTestId('audit-event').filter({ hasText: 'user.disabled' });
    await disabled.waitFor();
    const text = await disabled.textContent();
    expect(text).toContain('疑似盗号，冻结核查');
    expect(text).toContain('admin');
    // every listed event is about that user
    for (const e of await page.getByTestId('audit-event').all()) expect(await e.textContent()).toContain(id);

    // the chain verifies
    await page.getByTestId('audit-verify').click();
    await expect.poll(() => page.getByTestId('audit-verify-result').textContent()).toContain('哈希链完整');
    await page.getByTestId('audit-reveals').waitFor();
    // both pages at 375 px: nothing scrolls sideways (the users list turns into cards)
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(400);
    expect(await contentWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: 'test-results/console-b-audit-375.png', fullPage: true });
    await page.goto(`${e2e.base}/admin/users`);
    await page.getByTestId('users-cards').waitFor();
    expect(await contentWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: 'test-results/console-b-users-375.png', fullPage: true });
    expect(errors).toEqual([]);
  });

  it('the dashboard draws its charts at desktop width and at 375 px', async () => {
    const { page, errors } = await adminPage();
    await page.goto(`${e2e.base}/admin/dashboard`);
    await page.getByTestId('dashboard').waitFor();
    for (const chart of ['chart-by-day', 'chart-money', 'chart-deadlines', 'chart-disputes'])
      await page.getByTestId(chart).locator('canvas').first().waitFor();
    expect(await page.locator('[data-testid=dashboard] canvas').count()).toBeGreaterThanOrEqual(4);
    await page.getByTestId('dash-ranking').waitFor();
    // a phone: the charts resize to the screen, nothing scrolls sideways
    await page.setViewportSize(PHONE);
    await expect
      .poll(
        async () =>
          (await page.getByTestId('chart-by-day').locator('canvas').first().boundingBox())?.width ?? 0,
      )
      .toBeLessThanOrEqual(PHONE.width);
    expect(await contentWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: 'test-results/console-b-dashboard-375.png', fullPage: true });
    expect(errors).toEqual([]);
  });
});
