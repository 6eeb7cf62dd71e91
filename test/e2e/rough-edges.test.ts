/**
 * Stage 8 rough edges, in Debian's chromium (playwright-core): the product form shows a server error
 * at its field (and refuses, not clamps, a refund window out of bounds; contradictory switches are
 * locked); the refund description follows the keys chosen; going back from the cashier offers the
 * pending order; a rejected request shows no stale 待审核. The buyer's pages run at 375 × 812 and
 * must not scroll sideways.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, haveChromium, refundState, textarea, type Session } from './helpers.js';

const e2e = browserSuite({ label: 'rough-edge browser tests', tmpPrefix: 'kameng-e2e-rough-' });
const { logIn, apiLogin } = e2e;

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };

async function newContext(phone = false): Promise<BrowserContext> {
  const context = await e2e.browser.newContext({ locale: 'zh-CN', ...(phone ? PHONE : {}) });
  context.setDefaultTimeout(10_000);
  return context;
}

/** The page is no wider than the phone's screen (no sideways scrolling). */
async function expectNoOverflow(page: Page, what: string): Promise<void> {
  // a string, evaluated in the page: the test's own TypeScript has no DOM library
  const { scroll, inner } = await page.evaluate<{ scroll: number; inner: number }>(
    '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
  );
  expect(scroll, `${what}: ${scroll} px wide at ${inner} px`).toBeLessThanOrEqual(inner);
}

interface DemoProduct {
  id: string;
  name: string;
  faceValueFen: number;
  validityDays: number | null;
  policy: { version: number };
  viewerPrice: { priceFen: number };
  stockLevel: string;
}

async function demoProduct(session: Session, name: string): Promise<DemoProduct> {
  const res = await e2e.app.inject({
    method: 'GET',
    url: '/api/products',
    headers: { cookie: session.cookie },
  });
  const product = res.json<{ items: DemoProduct[] }>().items.find((p) => p.name === name);
  if (!product) throw new Error(`demo product ${name} missing`);
  return product;
}

async function api<T>(session: Session, method: 'GET' | 'POST', url: string, payload?: object, key?: string) {
  const res = await e2e.app.inject({
    method,
    url,
    headers: {
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json<T>() };
}

/** Two keys of 网易一卡通 50元 paid from the balance. */
async function buyTwo(session: Session, key: string): Promise<{ id: string; totalFen: number }> {
  const p = await demoProduct(session, '网易一卡通 50元');
  const res = await api<{ id: string; totalFen: number; state: string }>(
    session,
    'POST',
    '/api/orders',
    {
      productId: p.id,
      quantity: 2,
      paymentMethod: 'BALANCE',
      policyVersion: p.policy.version,
      policyConfirmed: true,
      faceValueFen: p.faceValueFen,
      validityDays: p.validityDays,
      unitPriceFen: p.viewerPrice.priceFen,
    },
    key,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.state).toBe('DELIVERED');
  return res.body;
}

/** An antd form item's error text, found by its input's id. */
const fieldError = (page: Page, inputId: string) =>
  page
    .locator('.ant-form-item', { has: page.locator(`#${inputId}`) })
    .locator('.ant-form-item-explain-error');

describe.skipIf(!haveChromium)('rough edges a first-time user hit', () => {
  it('the product form: window bounds refused (not clamped), switches locked, a server error shown at its field', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await logIn(page, 'xingchen');
      await page.waitForURL(/\/merchant$/);
      await page.getByTestId('product-create').click();
      await page.locator('#product_name').fill('端到端价格顺序');
      await page.locator('#product_faceValue').fill('30');
      // 普通 < VIP: only the server knows the levels' order rule
      await page.locator('#product_prices_REGULAR').fill('20');
      await page.locator('#product_prices_VIP').fill('28');
      await page.locator('#product_prices_SUPER').fill('27');
      await expect.poll(() => page.getByTestId('policy-window-bounds').textContent()).toContain('24–72');

      // 100 h is refused with the bounds, and stays 100 (antd used to clamp it to 72 silently)
      const windowInput = page.locator('#product_policy_windowHours');
      await windowInput.fill('100');
      await page.getByTestId('product-form-submit').click();
      await expect
        .poll(() => fieldError(page, 'product_policy_windowHours').textContent())
        .toContain('24–72');
      expect(await windowInput.inputValue()).toBe('100');
      await windowInput.fill('48');

      // 不退不换 turns the refund promises off and locks them, saying so
      await page.getByTestId('policy-noReasonRefund').click();
      await page.getByTestId('policy-nonRefundable').click();
      await page.getByTestId('policy-conflict-notice').waitFor();
      expect(await page.getByTestId('policy-unactivatedRefund').getAttribute('aria-checked')).toBe('false');
      expect(await page.getByTestId('policy-noReasonRefund').getAttribute('aria-checked')).toBe('false');
      expect(await page.getByTestId('policy-noReasonRefund').isDisabled()).toBe(true);
      await page.getByTestId('policy-nonRefundable').click();
      await page.getByTestId('policy-unactivatedRefund').click();
      expect(await page.getByTestId('policy-unactivatedRefund').getAttribute('aria-checked')).toBe('true');

      // the server refuses the prices: the error is at the price field, scrolled into view
      await page.getByTestId('product-form-submit').click();
      const priceError = fieldError(page, 'product_prices_REGULAR');
      await expect.poll(async () => (await priceError.textContent()) ?? '').not.toBe('');
      await expect.poll(() => priceError.isVisible()).toBe(true);
      const box = await priceError.boundingBox();
      const viewport = page.viewportSize();
      expect(box && viewport && box.y >= 0 && box.y + box.height <= viewport.height).toBe(true);
      expect(await page.locator('#product_name').inputValue()).toBe('端到端价格顺序'); // still open
    } finally {
      await context.close();
    }
  });

  it('the refund description follows the keys chosen until the buyer edits it (375 px)', async () => {
    const buyer = await apiLogin('buyer');
    const order = await buyTwo(buyer, 'e2e-rough-two');
    const unit = order.totalFen / 2;
    const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
    const context = await newContext(true);
    try {
      const page = await context.newPage();
      await logIn(page, 'buyer');
      await page.goto(`${e2e.base}/me/orders/${order.id}`);
      await page.getByTestId('order-after-sales').click();
      await page.getByTestId('refund-apply-form').waitFor();
      const description = textarea(page, 'refund-description');
      await expect.poll(() => description.inputValue()).toContain('× 2');
      expect(await description.inputValue()).toContain(yuan(order.totalFen));

      await page.getByTestId('refund-unit').first().locator('input[type="checkbox"]').click();
      await expect.poll(() => description.inputValue()).toContain('× 1');
      expect(await description.inputValue()).toContain(yuan(unit));
      expect(await page.getByTestId('refund-apply-amount').textContent()).toContain(yuan(unit));
      await expectNoOverflow(page, 'refund drawer');
      const drawer = await page.locator('.ant-drawer-content-wrapper').boundingBox();
      expect(drawer?.width).toBe(375);

      // the buyer's own words are kept when the selection changes again
      const own = `${await description.inputValue()}面额不符。`;
      await description.fill(own);
      await page.getByTestId('refund-units-all').click();
      await expect
        .poll(() => page.getByTestId('refund-apply-amount').textContent())
        .toContain(yuan(order.totalFen));
      expect(await description.inputValue()).toBe(own);
    } finally {
      await context.close();
    }
  });

  it('going back from the cashier offers the pending order: cancel it and continue (375 px)', async () => {
    const buyer = await apiLogin('buyer');
    const product = await demoProduct(buyer, '网易一卡通 50元');
    const context = await newContext(true);
    try {
      const page = await context.newPage();
      await logIn(page, 'buyer');
      await page.goto(`${e2e.base}/products/${product.id}`);
      await expect
        .poll(() => page.getByTestId('buy-box').getByTestId('stock-tag').getAttribute('data-stock'))
        .toMatch(/IN_STOCK|LOW/);
      await expectNoOverflow(page, 'product page');
      await page.goto(`${e2e.base}/checkout/${product.id}`);
      await page.getByTestId('checkout-submit').waitFor();
      expect(await page.getByTestId('pending-order-offer').count()).toBe(0);
      await expectNoOverflow(page, 'checkout');
      await page.getByTestId('checkout-method-WECHAT').click();
      await page.getByTestId('checkout-confirm').click();
      await page.getByTestId('checkout-submit').click();
      await page.waitForURL(/\/sandbox\/pay\//);
      await page.goBack();
      const offer = page.getByTestId('pending-order-offer');
      await offer.waitFor();
      expect(await offer.textContent()).toContain('您有待支付订单');
      await expectNoOverflow(page, 'checkout with the offer');
      const orderId = await offer.getAttribute('data-order-id');

      await page.getByTestId('pending-order-cancel').click();
      await page.getByTestId('pending-order-cancel-confirm').click();
      await expect.poll(() => offer.count()).toBe(0);
      const order = await api<{ state: string }>(buyer, 'GET', `/api/orders/${orderId ?? ''}`);
      expect(order.body.state).toBe('CANCELLED');
    } finally {
      await context.close();
    }
  });

  it('a rejected request shows no stale 待审核: decided by the merchant, review deadline done (375 px)', async () => {
    const buyer = await apiLogin('buyer');
    const shop = await apiLogin('xingchen');
    const order = await buyTwo(buyer, 'e2e-rough-reject');
    const applied = await api<{ id: string; version: number; state: string }>(
      buyer,
      'POST',
      `/api/orders/${order.id}/refunds`,
      { reason: 'OTHER', description: '充值时提示卡密已过期，无法使用。', files: [] },
      'e2e-rough-reject-refund',
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    expect(applied.body.state).toBe('PENDING_REVIEW');
    const rejected = await api<{ state: string }>(shop, 'POST', `/api/refunds/${applied.body.id}/decision`, {
      action: 'REJECT',
      version: applied.body.version,
      code: 'NOT_MERCHANT_FAULT',
      note: '卡密经核实可正常使用。',
      acknowledgeWarnings: true,
    });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);

    const context = await newContext(true);
    try {
      const page = await context.newPage();
      await logIn(page, 'buyer');
      await page.goto(`${e2e.base}/refunds/${applied.body.id}`);
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('REJECTED');
      expect(await page.getByTestId('refund-decided-by').getAttribute('data-by')).toBe('MERCHANT');
      await page.getByTestId('refund-eligibility-history').waitFor();
      expect(await page.locator('body').innerText()).not.toContain('待审核');
      const review = page.getByTestId('deadline-reviewDue');
      expect(await review.getAttribute('data-active')).toBe('false');
      expect(await review.getByTestId('deadline-done').textContent()).toMatch(/^✓ 已于 .+ 完成$/);
      expect(await page.getByTestId('deadline-escalationDue').getAttribute('data-active')).toBe('true');
      await expectNoOverflow(page, 'request page');
    } finally {
      await context.close();
    }
  });
});
