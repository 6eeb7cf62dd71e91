/**
 * 批量查看 on the buyer's order page, in Debian's chromium (playwright-core): at 375 × 812 the 超会
 * buyer selects every sealed unit of a five-key order, reads one 拆封 warning naming the count and
 * the policy bought, confirms and sees all five keys, with nothing scrolling sideways; at desktop
 * width the keys are shown again and 下载 CSV saves a real CSV (BOM, header, one quoted row a key).
 */
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, haveChromium, type Session } from './helpers.js';

const e2e = browserSuite({ label: 'bulk-reveal browser tests', tmpPrefix: 'kameng-e2e-bulk-' });
const { logIn, apiLogin } = e2e;

const PHONE = { width: 375, height: 812 };
const PRODUCT = '网易一卡通 50元';
const QTY = 5;

/** How wide the page lays out: its scroll width, or the layout viewport a phone widened to fit it. */
const contentWidth = (page: Page): Promise<number> =>
  page.evaluate<number>(
    'Math.max(document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth)',
  );

async function noSideways(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  // what sticks out, named in the failure
  const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > ${PHONE.width} + 0.5)
    .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > ${PHONE.width} + 0.5))
    .slice(0, 8)
    .map((e) => e.tagName + '.' + String(e.className).slice(0, 60) + ' ' + Math.round(e.getBoundingClientRect().right))`);
  expect(
    await contentWidth(page),
    `${name} scrolls sideways at 375 px: ${wide.join(' | ')}`,
  ).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: `test-results/bulk-${name}-375.png`, fullPage: true });
}

/**
 * A dialog fits the phone: at most 100vw − 32 px wide, inside the screen, nothing in it wider.
 * (Measured on the dialog, not the page: while an antd modal is open, chromium's mobile emulation
 * widens its layout viewport by the 8 px of the scroll lock's hidden scrollbar, whatever the modal.)
 */
async function fits(page: Page, testId: string, name: string): Promise<void> {
  const dialog = page.getByTestId(testId);
  await page.waitForTimeout(400); // the opening animation
  const box = await page.locator('.ant-modal', { has: dialog }).boundingBox();
  expect(box, name).not.toBeNull();
  expect(box!.width, `${name} dialog width`).toBeLessThanOrEqual(PHONE.width - 32);
  expect(box!.x, name).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, name).toBeLessThanOrEqual(PHONE.width);
  const inner = await page.evaluate<boolean>(
    `[...document.querySelector('[data-testid="${testId}"]').closest('.ant-modal').querySelectorAll('*')]
      .some((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')`,
  );
  expect(inner, `${name}: something in the dialog scrolls sideways`).toBe(false);
  await page.screenshot({ path: `test-results/bulk-${name}-375.png`, fullPage: true });
}

/** A five-key order of the demo's 网易一卡通, paid from the balance through the API. */
async function buyFive(session: Session): Promise<string> {
  const products = await e2e.app.inject({
    method: 'GET',
    url: '/api/products',
    headers: { cookie: session.cookie },
  });
  const product = products
    .json<{
      items: {
        id: string;
        name: string;
        faceValueFen: number;
        validityDays: number | null;
        policy: { version: number };
        viewerPrice: { priceFen: number };
      }[];
    }>()
    .items.find((p) => p.name === PRODUCT);
  if (!product) throw new Error('demo product missing');
  const res = await e2e.app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: {
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
      'idempotency-key': `bulk-${Date.now()}`,
    },
    payload: {
      productId: product.id,
      quantity: QTY,
      paymentMethod: 'BALANCE',
      policyVersion: product.policy.version,
      policyConfirmed: true,
      faceValueFen: product.faceValueFen,
      validityDays: product.validityDays,
      unitPriceFen: product.viewerPrice.priceFen,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

describe.skipIf(!haveChromium)('bulk reveal on the order page', () => {
  let orderId = '';

  it('at 375 × 812: select all sealed, one 拆封 warning with the count, confirm, see the keys, no sideways scroll', async () => {
    orderId = await buyFive(await apiLogin('chaohui'));
    const context: BrowserContext = await e2e.browser.newContext({
      locale: 'zh-CN',
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    try {
      await logIn(page, 'chaohui');
      await page.goto(`${e2e.base}/me/orders/${orderId}`);
      const units = page.getByTestId('order-units');
      await expect.poll(() => units.getByTestId('unit-card').count()).toBe(QTY);
      expect(await units.locator('[data-testid="key-state"][data-state="SEALED"]').count()).toBe(QTY);
      await noSideways(page, 'order');

      await page.getByTestId('bulk-select-sealed').click();
      const go = page.getByTestId('bulk-reveal');
      expect(await go.getAttribute('data-count')).toBe(String(QTY));
      expect(await go.textContent()).toContain(`拆封并显示 ${QTY} 个`);
      const touch = await go.boundingBox();
      expect(touch?.height ?? 0).toBeGreaterThanOrEqual(40);
      await go.click();

      const confirm = page.getByTestId('bulk-reveal-confirm');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain(`确认拆封 ${QTY} 个卡密`);
      expect(await page.getByTestId('bulk-reveal-count').getAttribute('data-sealed')).toBe(String(QTY));
      // the demo's 网易一卡通 is sold under 未激活可退 without revealed refunds
      expect(await page.getByTestId('bulk-reveal-policy-note').getAttribute('data-policy')).toBe(
        'REVEALED_NOT_REFUNDABLE',
      );
      expect(await page.getByTestId('bulk-reveal-policy-note').textContent()).toContain(
        '拆封后因个人原因不再支持退款',
      );
      await fits(page, 'bulk-reveal-confirm', 'confirm');
      await page.getByTestId('bulk-reveal-ok').click();

      const result = page.getByTestId('bulk-revealed-modal');
      await expect.poll(() => result.getByTestId('bulk-secret').count()).toBe(QTY);
      const secrets = await result.getByTestId('bulk-secret').allTextContents();
      for (const s of secrets) expect(s).toMatch(/^demo\d+pw$/);
      expect(new Set(secrets).size).toBe(QTY);
      await fits(page, 'bulk-revealed-modal', 'keys');
      await page.getByTestId('bulk-revealed-close').click();
      await expect
        .poll(() => units.locator('[data-testid="key-state"][data-state="REVEALED"]').count())
        .toBe(QTY);
      await noSideways(page, 'order-after');
    } finally {
      await context.close();
    }
  });

  it('at desktop width: the keys shown again without a warning, 下载 CSV saves them for Excel', async () => {
    const context = await e2e.browser.newContext({
      locale: 'zh-CN',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    try {
      await logIn(page, 'chaohui');
      await page.goto(`${e2e.base}/me/orders/${orderId}`);
      const units = page.getByTestId('order-units');
      await expect.poll(() => units.getByTestId('key-state').count()).toBe(QTY);
      await page.getByTestId('bulk-select-all').click();
      const go = page.getByTestId('bulk-reveal');
      expect(await go.textContent()).toContain(`显示 ${QTY} 个`);
      await go.click();
      const result = page.getByTestId('bulk-revealed-modal');
      await expect.poll(() => result.getByTestId('bulk-secret').count()).toBe(QTY);
      expect(await page.getByTestId('bulk-reveal-confirm').count()).toBe(0); // nothing sealed: no warning
      const secrets = await result.getByTestId('bulk-secret').allTextContents();
      const serials = await result.getByTestId('bulk-serial').allTextContents();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('bulk-download-csv').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^卡密-.+\.csv$/);
      const file = await download.path();
      const text = await readFile(file, 'utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const lines = text.slice(1).trimEnd().split('\r\n');
      expect(lines[0]).toBe('"序号","卡号","卡密"');
      expect(lines.slice(1)).toEqual(secrets.map((s, i) => `"${i + 1}","${serials[i]}","${s}"`));
    } finally {
      await context.close();
    }
  });
});
