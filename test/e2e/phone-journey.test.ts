/**
 * The main buyer journey on a phone (Stage 8's proof), in Debian's chromium (playwright-core): at
 * 375 × 812 with touch, inside WeChat's browser, the demo 超会 buyer logs in, browses the home page,
 * taps the 网易一卡通 card (未激活可退 within 24 h), buys three keys from the balance, unseals two of
 * them at once (one 拆封 warning naming 2), applies for a refund of the third, still sealed, as 误拍 —
 * approved at once and refunded to the balance — and follows it from the tab bar's 售后. Every page
 * is checked for sideways scrolling once it has settled; the dialogs and the drawer fit the screen.
 * Driven through the UI only; screenshots in test-results/journey-*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  browserSuite,
  expectNoHorizontalOverflow,
  haveChromium,
  PHONE,
  refundState,
  textarea,
} from './helpers.js';

const e2e = browserSuite({
  label: 'phone journey browser test',
  tmpPrefix: 'kameng-e2e-journey-',
  sweep: true,
});

const PRODUCT = '网易一卡通 50元';
const QTY = 3;
const SCREEN = PHONE.viewport.width;

/** '¥1,234.56' (the page's money) → 123456 fen, by string (no float arithmetic). */
function fenOf(text: string): number {
  const m = /¥([\d,]+)\.(\d\d)/.exec(text);
  if (!m) throw new Error(`no amount in ${JSON.stringify(text)}`);
  return Number(m[1].replaceAll(',', '')) * 100 + Number(m[2]);
}

const yuan = (fen: number): string => `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

let shot = 0;
/** The page has settled: no sideways scroll, and a screenshot (test-results/journey-NN-<label>.png). */
async function check(page: Page, label: string): Promise<void> {
  await expectNoHorizontalOverflow(page, label);
  shot += 1;
  await page.screenshot({
    path: `test-results/journey-${String(shot).padStart(2, '0')}-${label}.png`,
    fullPage: true,
  });
}

/**
 * A dialog fits the phone: inside the screen, at most 100vw − 32 px wide, nothing in it scrolling
 * sideways (measured on the dialog once its opening animation is over).
 */
async function dialogFits(page: Page, testId: string): Promise<void> {
  const modal = page.locator('.ant-modal', { has: page.getByTestId(testId) });
  await modal.waitFor();
  await page.waitForTimeout(400); // the opening animation
  const box = await modal.boundingBox();
  expect(box, testId).not.toBeNull();
  expect(box!.x, `${testId} left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.width, `${testId} width`).toBeLessThanOrEqual(SCREEN - 32);
  expect(box!.x + box!.width, `${testId} right edge`).toBeLessThanOrEqual(SCREEN);
  const inner = await page.evaluate<boolean>(
    `[...document.querySelector('[data-testid="${testId}"]').closest('.ant-modal').querySelectorAll('*')]
      .some((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')`,
  );
  expect(inner, `something in ${testId} scrolls sideways`).toBe(false);
}

describe.skipIf(!haveChromium)('the buyer journey on a phone (375 × 812)', () => {
  it('browse → buy 3 → reveal 2 at once → refund the sealed one (instant) → follow it, nothing scrolling sideways', async () => {
    const context = await e2e.browser.newContext(PHONE);
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    try {
      // ---- log in on the phone ----
      await e2e.logIn(page, 'chaohui');

      // ---- home: the logo leads to /, the product cards ----
      await page.getByTestId('logo').tap();
      await page.waitForURL((url) => url.pathname === '/');
      const card = page.getByTestId('product-card').filter({ hasText: PRODUCT });
      await card.waitFor();
      expect(await card.getByTestId('stock-tag').getAttribute('data-stock')).toBe('IN_STOCK');
      await check(page, 'home');

      // ---- the product: the whole card is the touch target ----
      await card.getByTestId('viewer-price').tap();
      await page.waitForURL(/\/products\/[0-9a-f-]+$/);
      expect(await page.getByTestId('product-name').textContent()).toBe(PRODUCT);
      const stock = page.getByTestId('buy-box').getByTestId('stock-tag');
      await stock.waitFor();
      expect(await stock.isVisible()).toBe(true);
      expect(await stock.getAttribute('data-stock')).toBe('IN_STOCK');
      expect(await stock.textContent()).toBe('库存充足');
      const unitFen = fenOf((await page.getByTestId('viewer-price').first().textContent()) ?? '');
      expect(unitFen).toBe(4830); // the 超会 price
      await check(page, 'product');
      await page.locator('#buy-qty').fill(String(QTY));
      const buy = page.getByTestId('buy-now');
      await expect.poll(() => buy.textContent()).toContain(yuan(unitFen * QTY));
      expect((await buy.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(40);
      await buy.tap();

      // ---- checkout: the quantity carried over, the policy confirmed, paid from the balance ----
      await page.waitForURL(/\/checkout\/[0-9a-f-]+\?qty=3$/);
      const total = page.getByTestId('checkout-total');
      await expect.poll(() => total.getAttribute('data-fen')).toBe(String(unitFen * QTY));
      expect(await page.locator('#checkout-quantity').inputValue()).toBe(String(QTY));
      await expect.poll(() => page.getByTestId('checkout-balance').textContent()).toContain('¥');
      const balanceBefore = fenOf((await page.getByTestId('checkout-balance').textContent()) ?? '');
      await check(page, 'checkout');
      const pay = page.getByTestId('checkout-submit');
      expect(await pay.isDisabled()).toBe(true); // not before the policy is confirmed
      await page.getByTestId('checkout-confirm').tap();
      await expect.poll(() => pay.isDisabled()).toBe(false);
      expect(await pay.textContent()).toContain(yuan(unitFen * QTY));
      await pay.tap();

      // ---- the order: delivered, three sealed keys ----
      await page.waitForURL(/\/me\/orders\/[0-9a-f-]+$/);
      await page.getByTestId('order-header').waitFor();
      const units = page.getByTestId('order-units');
      await expect.poll(() => units.getByTestId('unit-card').count()).toBe(QTY);
      expect(await units.locator('[data-testid="key-state"][data-state="SEALED"]').count()).toBe(QTY);
      expect(await page.getByTestId('order-total').textContent()).toContain(yuan(unitFen * QTY));
      await check(page, 'order');

      // ---- reveal two at once: 全选未拆封, keep the last one sealed for the refund ----
      await page.getByTestId('bulk-select-sealed').tap();
      const go = page.getByTestId('bulk-reveal');
      await expect.poll(() => go.getAttribute('data-count')).toBe(String(QTY));
      const kept = units.getByTestId('unit-card').nth(QTY - 1);
      const keptUnit = (await kept.getAttribute('data-unit')) ?? '';
      expect(keptUnit).not.toBe('');
      await kept.getByTestId('unit-select').tap();
      await expect.poll(() => go.getAttribute('data-count')).toBe('2');
      expect(await go.textContent()).toContain('拆封并显示 2 个');
      expect((await go.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(40);
      await go.tap();

      // one 拆封 warning naming 2 keys and what it means under the policy bought
      const confirm = page.getByTestId('bulk-reveal-confirm');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('确认拆封 2 个卡密');
      expect(await page.getByTestId('bulk-reveal-count').getAttribute('data-sealed')).toBe('2');
      expect(await page.getByTestId('bulk-reveal-policy-note').getAttribute('data-policy')).toBe(
        'REVEALED_NOT_REFUNDABLE',
      );
      await dialogFits(page, 'bulk-reveal-confirm');
      await check(page, 'reveal-warning');
      await page.getByTestId('bulk-reveal-ok').tap();

      // the two keys, in a dialog that fits
      const shown = page.getByTestId('bulk-revealed-modal');
      await expect.poll(() => shown.getByTestId('bulk-secret').count()).toBe(2);
      for (const s of await shown.getByTestId('bulk-secret').allTextContents())
        expect(s).toMatch(/^demo\d+pw$/);
      await dialogFits(page, 'bulk-revealed-modal');
      await check(page, 'keys');
      await page.getByTestId('bulk-revealed-close').tap();
      await shown.waitFor({ state: 'hidden' });
      await expect
        .poll(() => units.locator('[data-testid="key-state"][data-state="REVEALED"]').count())
        .toBe(2);
      expect(await kept.getByTestId('key-state').getAttribute('data-state')).toBe('SEALED');
      await check(page, 'order-revealed');

      // ---- 退款/售后: the sealed key, 误拍; the drawer takes the whole width ----
      await page.getByTestId('order-after-sales').tap();
      const form = page.getByTestId('refund-apply-form');
      await form.waitFor();
      await expect.poll(() => form.getByTestId('refund-unit').count()).toBe(QTY);
      const drawer = page.locator('.ant-drawer-open .ant-drawer-content-wrapper');
      await expect.poll(async () => /motion/.test((await drawer.getAttribute('class')) ?? '')).toBe(false); // slid in
      const drawerBox = await drawer.boundingBox();
      expect(drawerBox && Math.round(drawerBox.x)).toBe(0);
      expect(drawerBox && Math.round(drawerBox.width)).toBe(SCREEN);
      // every unit is offered at first: choose none, then the sealed one only
      const all = page.getByTestId('refund-units-all');
      await all.tap();
      await expect.poll(() => page.getByTestId('refund-apply-amount').textContent()).toContain('¥0.00');
      const sealedBox = form.locator(
        `[data-testid="refund-unit"][data-unit="${keptUnit}"] input[type="checkbox"]`,
      );
      await sealedBox.tap();
      await expect.poll(() => sealedBox.isChecked()).toBe(true);
      await page.getByTestId('refund-reason-MISTAKEN_PURCHASE').tap();
      // the prefilled description follows the one key chosen
      const description = textarea(page, 'refund-description');
      await expect.poll(() => description.inputValue()).toContain('× 1');
      expect(await description.inputValue()).toContain(yuan(unitFen));
      expect(await description.inputValue()).toContain(PRODUCT);
      expect(await page.getByTestId('refund-apply-amount').textContent()).toBe(yuan(unitFen));
      // the pre-check: eligible, and sealed — approved at once
      const precheck = page.getByTestId('refund-precheck');
      await expect.poll(() => precheck.getAttribute('data-status')).toBe('ALL');
      expect(await precheck.getAttribute('data-auto')).toBe('true');
      await check(page, 'refund-drawer');
      await page.getByTestId('refund-submit').tap();

      // ---- the request: approved at once, refunded to the balance ----
      await page.waitForURL(/\/refunds\/[0-9a-f-]+$/);
      const requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 30_000 })
        .toBe('REFUNDED');
      const requestPage = async (label: string) => {
        const decided = page.getByTestId('refund-decided-by');
        expect(await decided.getAttribute('data-by')).toBe('INSTANT');
        expect(await decided.textContent()).toBe('即时通过');
        expect(await page.getByTestId('refund-amount').getAttribute('data-fen')).toBe(String(unitFen));
        await expect
          .poll(() =>
            page.getByTestId('refund-payouts').getByTestId('payout-state').first().getAttribute('data-state'),
          )
          .toBe('SUCCESS');
        // no deadline still running; any shown is marked done
        const deadlines = page.getByTestId('refund-deadlines');
        await deadlines.waitFor();
        expect(await deadlines.locator('[data-active="true"]').count()).toBe(0);
        const listed = deadlines.locator('[data-testid^="deadline-"][data-active]');
        for (let i = 0; i < (await listed.count()); i++)
          expect(await listed.nth(i).getByTestId('deadline-done').textContent()).toMatch(/^✓/);
        if ((await listed.count()) === 0)
          expect(await deadlines.textContent()).toContain('当前没有进行中的期限');
        // the pre-check is history now: folded, and no stale 待审核 / 商家审核 anywhere
        await page.getByTestId('refund-eligibility-history').waitFor();
        expect(await page.getByTestId('refund-eligibility-card').count()).toBe(0);
        const text = await page.locator('body').innerText();
        expect(text).not.toContain('待审核');
        expect(text).not.toContain('商家审核');
        await check(page, label);
      };
      await requestPage('request');

      // ---- follow it: the tab bar's 售后, the request as a card, back to it ----
      await page.getByTestId('tab-refunds').tap();
      await page.waitForURL(/\/me\/refunds$/);
      await expect.poll(() => page.getByTestId('tab-refunds').getAttribute('aria-current')).toBe('page');
      const list = page.getByTestId('refund-table');
      await list.waitFor();
      expect(await list.getAttribute('data-layout')).toBe('cards');
      const requestCard = list.locator(`[data-testid="refund-card"][data-request-id="${requestId}"]`);
      await requestCard.waitFor();
      expect(await requestCard.getByTestId('refund-state').getAttribute('data-state')).toBe('REFUNDED');
      expect(await requestCard.getByTestId('refund-row-amount').getAttribute('data-fen')).toBe(
        String(unitFen),
      );
      await check(page, 'my-refunds');
      await requestCard.getByTestId('refund-link').tap();
      await page.waitForURL(new RegExp(`/refunds/${requestId}$`));
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('REFUNDED');
      await requestPage('request-again');

      // ---- the money is back: the wallet, from the drawer ----
      await page.getByTestId('nav-menu-button').tap();
      await page.getByTestId('nav-drawer-menu').getByTestId('nav-wallet').tap();
      await page.waitForURL(/\/me\/wallet$/);
      await expect
        .poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen'))
        .toBe(String(balanceBefore - unitFen * QTY + unitFen));
      await check(page, 'wallet');
    } finally {
      await context.close();
    }
  }, 120_000);
});
