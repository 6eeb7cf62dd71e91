/**
 * Rough edges in the words a first-time user reads (Stage 8): staff wear their role rather than a
 * member level; the arbitrator's back link lands on a page the arbitrator may open; English mode names
 * a refund's destination in English; an empty dialog shows its validation message without a page
 * error or a console error.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newOrderedId } from '../../src/platform/ids.js';
import { browserSuite, haveChromium, textarea } from './helpers.js';

const e2e = browserSuite({
  label: 'wording browser tests',
  tmpPrefix: 'kameng-e2e-wording-',
  seedRefunds: true,
});
const { logIn, apiLogin, buyOne } = e2e;

const DESKTOP = { width: 1280, height: 900 };

/** A page whose uncaught errors and console errors are collected. */
async function watchedPage(lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<{
  context: BrowserContext;
  page: Page;
  errors: string[];
}> {
  const context = await e2e.browser.newContext({ locale: lang, viewport: DESKTOP });
  // the language the page starts in (web/src/i18n: LANG_STORAGE_KEY)
  await context.addInitScript({ content: `localStorage.setItem('kameng.lang', ${JSON.stringify(lang)})` });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // a 4xx answer the page expects (a forbidden probe) is the network's, not the page's
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text()))
      errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

describe.skipIf(!haveChromium)('wording', () => {
  it('staff wear their role in the header; buyers their member level', async () => {
    for (const [username, tag] of [
      ['support', '平台客服'],
      ['arbitrator', '仲裁员'],
      ['admin', '管理员'],
      ['xingchen', '商家'],
    ] as const) {
      const { context, page } = await watchedPage();
      await logIn(page, username);
      const header = page.getByTestId('current-user');
      await expect.poll(() => header.getByTestId('role-tag').textContent()).toBe(tag);
      expect(await header.textContent()).not.toContain('普通会员');
      await context.close();
    }
    const { context, page } = await watchedPage();
    await logIn(page, 'buyer');
    const header = page.getByTestId('current-user');
    await expect.poll(() => header.textContent()).toContain('普通会员');
    expect(await header.getByTestId('role-tag').count()).toBe(0);
    await context.close();
  });

  it("the arbitrator's back links land on the workbench, never a forbidden page", async () => {
    const dispute = await e2e.app.kameng.ctx.db
      .selectFrom('disputes')
      .select(['id', 'request_id'])
      .executeTakeFirstOrThrow();
    const { context, page, errors } = await watchedPage();
    await logIn(page, 'arbitrator');
    // from the refund request of the case
    await page.goto(`${e2e.base}/refunds/${dispute.request_id}`);
    await page.getByTestId('refund-back').first().click();
    await page.waitForURL(/\/arbitration$/);
    await page.getByTestId('nav-arbitration').waitFor();
    expect(await page.getByTestId('forbidden').count()).toBe(0);
    // from the dispute (staff are taken to the case file; its back link is the workbench too)
    await page.goto(`${e2e.base}/disputes/${dispute.id}`);
    await page.waitForURL(new RegExp(`/arbitration/${dispute.id}$`));
    await page.getByTestId('case-back').first().click();
    await page.waitForURL(/\/arbitration$/);
    expect(await page.getByTestId('forbidden').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('English mode names a refund destination in English', async () => {
    const buyer = await apiLogin('buyer');
    const order = await buyOne(buyer, `wording-${Date.now()}`);
    const db = e2e.app.kameng.ctx.db;
    const payment = await db
      .selectFrom('payments')
      .select(['id', 'buyer_id', 'provider'])
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow();
    // A refund that went back to a bank card, as a gateway words it.
    const at = new Date().toISOString();
    await db
      .insertInto('payouts')
      .values({
        id: newOrderedId(Date.now()),
        order_id: order.id,
        payment_id: payment.id,
        buyer_id: payment.buyer_id,
        purpose: 'REFUND',
        provider: payment.provider,
        amount_fen: 100,
        refund_request_id: null,
        state: 'SUCCESS',
        replaces_id: null,
        destination: '招商银行储蓄卡(尾号1234)',
        provider_refund_id: null,
        expected_arrival_at: null,
        error_code: null,
        attempts: 1,
        version: 1,
        created_at: at,
        updated_at: at,
        finished_at: at,
      })
      .execute();
    const { context, page, errors } = await watchedPage('en');
    await logIn(page, 'buyer');
    await page.goto(`${e2e.base}/orders/${order.id}`);
    const payments = page.getByTestId('order-payment');
    await expect.poll(() => payments.textContent()).toContain('China Merchants Bank debit card ending 1234');
    expect(await payments.textContent()).not.toContain('银行');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('submitting an empty dialog shows its validation message, with no page or console error', async () => {
    const { context, page, errors } = await watchedPage();
    await logIn(page, 'admin');
    await page.goto(`${e2e.base}/admin/merchants`);
    await page.getByTestId('sanctions-all').click();
    const shop = page.getByTestId('sanction-merchant').filter({ hasText: '极速软件授权' });
    await shop.getByTestId('merchant-suspend').click();
    await textarea(page, 'merchant-status-reason').waitFor();
    await page.getByTestId('merchant-status-submit').click();
    const modal = page.getByTestId('merchant-status-modal');
    await modal.locator('.ant-form-item-explain-error').first().waitFor();
    expect(
      (await modal.locator('.ant-form-item-explain-error').first().textContent())?.length,
    ).toBeGreaterThan(0);
    // still open, nothing suspended, nothing thrown
    expect(await shop.getAttribute('data-status')).not.toBe('SUSPENDED');
    expect(errors).toEqual([]);
    await context.close();
  });
});
