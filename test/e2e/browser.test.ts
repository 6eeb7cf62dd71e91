/**
 * End to end in Debian's chromium (playwright-core, never a downloaded browser): register, log in,
 * open a product and see its refund-policy badges in Chinese; top up through the sandbox cashier,
 * buy 超会, check out at the 超会 price, reveal a key and download the records.
 */
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/seed.js';
import { browserSuite, haveChromium, registerThroughMail } from './helpers.js';

const e2e = browserSuite({ label: 'browser tests', tmpPrefix: 'kameng-e2e-', sweep: true });
const { submitLogin, apiLogin } = e2e;

async function openProductByName(page: Page, name: string): Promise<void> {
  await page.goto(`${e2e.base}/products`);
  await page.getByText(name).first().click();
  await page.waitForURL(/\/products\/[0-9a-f-]+$/);
}

describe.skipIf(!haveChromium)('browser', () => {
  it('a new buyer registers, logs in again and sees the policy badges of a product in Chinese', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await registerThroughMail(page, e2e.base, {
      username: 'e2e_buyer',
      password: 'e2e-password-1',
      displayName: '端到端买家',
    });
    await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('端到端买家');

    await page.getByTestId('logout').click();
    await submitLogin(page, 'e2e_buyer', 'wrong-password');
    await expect.poll(() => page.locator('body').textContent()).toContain('用户名或密码错误');
    await page.locator('#password').fill('e2e-password-1');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/products$/);

    await openProductByName(page, '腾讯Q币 100元 点卡');
    const badges = page.getByTestId('policy-badges');
    await expect.poll(() => badges.textContent()).toContain('未激活可退');
    expect(await badges.textContent()).toContain('24小时处理');
    expect(await page.getByTestId('policy-text').textContent()).toContain('72 小时内可申请退款');
    await page.screenshot({ path: 'test-results/product-detail.png', fullPage: true });

    await openProductByName(page, '游戏成品账号（随机区服）');
    await expect.poll(() => page.getByTestId('policy-badges').textContent()).toContain('不退不换');
    await context.close();
  });

  it('the super member sees the 超会 price; English is one click away', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await submitLogin(page, 'chaohui', DEMO_PASSWORD);
    await page.waitForURL(/\/products$/);
    await openProductByName(page, '腾讯Q币 100元 点卡');
    await expect.poll(() => page.getByTestId('viewer-price').textContent()).toContain('¥96.90');
    await page.getByTestId('lang-switch').click();
    await expect
      .poll(() => page.getByTestId('policy-badges').textContent())
      .toContain('Refundable if unactivated');
    await context.close();
  });

  it('a merchant creates a product with prices, puts it on sale and publishes a new policy version', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await submitLogin(page, 'xingchen', DEMO_PASSWORD);
    await page.waitForURL(/\/merchant$/);

    await page.getByTestId('product-create').click();
    await page.locator('#product_name').fill('端到端测试月卡');
    await page.locator('#product_faceValue').fill('30');
    await page.locator('#product_prices_REGULAR').fill('29.50');
    await page.locator('#product_prices_VIP').fill('28');
    await page.locator('#product_prices_SUPER').fill('27.10');
    await page.getByTestId('product-form-submit').click();
    const row = page.locator('tr', { hasText: '端到端测试月卡' });
    await row.waitFor();
    await row.getByTestId('product-put-on-sale').click();
    await expect.poll(() => row.textContent()).toContain('在售');

    await row.getByTestId('product-edit-policy').click();
    await page.locator('#policy_windowHours').fill('48');
    await page.getByTestId('policy-form-submit').click();
    await expect.poll(() => row.textContent()).toContain('v2');

    // the shop front shows the new version, its badges and the exact prices in fen
    const anon = await e2e.browser.newPage();
    await openProductByName(anon, '端到端测试月卡');
    await expect.poll(() => anon.getByTestId('policy-badges').textContent()).toContain('48小时内可退');
    expect(await anon.getByTestId('viewer-price').textContent()).toContain('¥29.50');
    await anon.close();
    await context.close();
  });

  it('a merchant imports a key file and sees the batch report and stock', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await submitLogin(page, 'xingchen', DEMO_PASSWORD);
    await page.waitForURL(/\/merchant$/);
    await page.locator('tr', { hasText: '网易一卡通 50元' }).getByTestId('product-manage-keys').click();
    await page.getByTestId('import-file').setInputFiles({
      name: 'keys.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('E2E-0001 e2e-pw-1\nE2E-0002 e2e-pw-2\nE2E-0001 e2e-pw-1\nno-password\n'),
    });
    await page.getByTestId('import-submit').click();
    await expect
      .poll(() => page.getByTestId('import-status').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('COMPLETED');
    expect(await page.getByTestId('import-imported').getAttribute('data-value')).toBe('2');
    expect(await page.getByTestId('import-duplicates').getAttribute('data-value')).toBe('1');
    expect(await page.getByTestId('import-rejected').getAttribute('data-value')).toBe('1');
    expect(await page.getByTestId('import-rejects-table').textContent()).toContain('缺少密码');
    // masked keys only: the page never shows a secret
    expect(await page.locator('body').textContent()).not.toContain('e2e-pw-1');
    await page.screenshot({ path: 'test-results/merchant-import.png', fullPage: true });
    await context.close();
  });

  it('the 超会 buyer is warned before the first reveal (拆封) and then sees the key', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await submitLogin(page, 'chaohui', DEMO_PASSWORD);
    await page.waitForURL(/\/products$/);
    await page.getByTestId('nav-my-keys').click();
    await page.getByTestId('unit-reveal').first().click();
    const warning = page.getByTestId('reveal-confirm');
    await expect.poll(() => warning.textContent()).toContain('拆封');
    await page.screenshot({ path: 'test-results/reveal-warning.png' });
    await page.getByTestId('reveal-ok').click();
    await expect.poll(() => page.getByTestId('revealed-secret').textContent()).toMatch(/^demo000\dpw$/);
    await page.getByTestId('revealed-close').click();
    // a second reveal of the same unit needs no warning
    await page.getByTestId('unit-reveal').first().click();
    await expect.poll(() => page.getByTestId('revealed-secret').textContent()).toMatch(/^demo000\dpw$/);
    await context.close();
  });
  it('a buyer tops up through the sandbox cashier, buys 超会, checks out 3 keys at the 超会 price, reveals one and downloads the records', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    await registerThroughMail(page, e2e.base, { username: 'e2e_wallet', password: 'e2e-password-2' });
    await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('普通会员');

    // 充值 ¥500 through WeChat Pay: the wallet page hands over to the sandbox cashier
    await page.getByTestId('nav-wallet').click();
    await expect.poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen')).toBe('0');
    await page.getByTestId('topup-amount').fill('500');
    await page.getByTestId('topup-method-WECHAT').click();
    await page.getByTestId('topup-submit').click();
    await page.waitForURL(/\/sandbox\/pay\/[0-9a-f-]+$/);
    expect(await page.getByTestId('sandbox-label').textContent()).toContain('沙箱');
    await expect.poll(() => page.getByTestId('cashier-brand').textContent()).toContain('微信支付');
    await expect.poll(() => page.getByTestId('cashier-amount').getAttribute('data-fen')).toBe('50000');
    expect(await page.getByTestId('cashier-countdown').textContent()).toMatch(/\d\d:\d\d/);
    await page.getByTestId('cashier-payer-wx-lingqian').click();
    await page.screenshot({ path: 'test-results/sandbox-cashier.png', fullPage: true });
    await page.getByTestId('cashier-pay').click();
    await page.getByTestId('cashier-success').waitFor();
    // back in Kameng the money arrives with the asynchronous notification (the sweeper delivers it)
    await page.getByTestId('cashier-back-wallet').click();
    await page.waitForURL(/\/me\/wallet$/);
    await expect
      .poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen'), { timeout: 15_000 })
      .toBe('50000');
    expect(await page.getByTestId('wallet-entries').textContent()).toContain('充值');
    await page.screenshot({ path: 'test-results/wallet.png', fullPage: true });

    // 超会 (SUPER) for ¥99.00 from the balance, after a confirmation dialog
    await page.getByTestId('nav-membership').click();
    await page.getByTestId('membership-buy-SUPER').click();
    await expect.poll(() => page.getByTestId('membership-confirm').textContent()).toContain('¥99.00');
    await page.getByTestId('membership-confirm-ok').click();
    await expect
      .poll(() => page.getByTestId('membership-current-level').getAttribute('data-level'))
      .toBe('SUPER');
    await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('超会');
    await expect
      .poll(() => page.getByTestId('membership-refundable').first().getAttribute('data-refundable'))
      .toBe('true');
    await page.screenshot({ path: 'test-results/membership.png', fullPage: true });

    // 3 keys at the 超会 price, confirming the policy, face value and validity at checkout
    await openProductByName(page, '腾讯Q币 100元 点卡');
    await expect.poll(() => page.getByTestId('viewer-price').textContent()).toContain('¥96.90');
    await page.locator('#buy-qty').fill('3');
    await page.getByTestId('buy-now').click();
    await page.waitForURL(/\/checkout\/[0-9a-f-]+\?qty=3$/);
    await expect.poll(() => page.getByTestId('checkout-total').getAttribute('data-fen')).toBe('29070');
    expect(await page.getByTestId('checkout-face-value').textContent()).toContain('¥100.00');
    expect(await page.getByTestId('checkout-validity').textContent()).toContain('365天');
    expect(await page.getByTestId('checkout-policy-badges').textContent()).toContain('未激活可退');
    expect(await page.getByTestId('checkout-policy-text').textContent()).toContain('72 小时内可申请退款');
    expect(await page.getByTestId('member-price-tag').textContent()).toContain('会员价');
    await expect.poll(() => page.getByTestId('checkout-balance').textContent()).toContain('¥401.00');
    // nothing is bought before the policy is confirmed
    expect(await page.getByTestId('checkout-submit').isDisabled()).toBe(true);
    await page.getByTestId('checkout-confirm').click();
    await page.screenshot({ path: 'test-results/checkout.png', fullPage: true });
    await page.getByTestId('checkout-submit').click();

    // the order: delivered at once (balance), 3 sealed keys, the policy as confirmed
    await page.waitForURL(/\/me\/orders\/[0-9a-f-]+$/);
    await expect
      .poll(() => page.getByTestId('order-state').first().getAttribute('data-state'))
      .toBe('DELIVERED');
    expect(await page.getByTestId('order-total').getAttribute('data-fen')).toBe('29070');
    expect(await page.getByTestId('order-snapshot').textContent()).toContain('会员价');
    expect(await page.getByTestId('order-policy-version').getAttribute('data-version')).toBe('1');
    const units = page.getByTestId('order-units');
    await expect.poll(() => units.getByTestId('key-state').count()).toBe(3);
    expect(await units.locator('[data-testid="key-state"][data-state="SEALED"]').count()).toBe(3);

    await units.getByTestId('unit-reveal').first().click();
    await expect.poll(() => page.getByTestId('reveal-confirm').textContent()).toContain('拆封');
    await page.getByTestId('reveal-ok').click();
    const secret = (await page.getByTestId('revealed-secret').textContent()) ?? '';
    expect(secret).toMatch(/^demo\d+pw$/);
    await page.getByTestId('revealed-close').click();
    await expect
      .poll(() => units.locator('[data-testid="key-state"][data-state="REVEALED"]').count())
      .toBe(1);
    // 退款/售后 opens the application with the order's units (aftersales.test.ts goes further)
    await page.getByTestId('order-after-sales').click();
    await expect.poll(() => page.getByTestId('refund-apply-form').getByTestId('refund-unit').count()).toBe(3);
    await page.keyboard.press('Escape');
    await page.getByTestId('refund-apply-form').waitFor({ state: 'detached' });
    await page.screenshot({ path: 'test-results/order-detail.png', fullPage: true });

    // records: the order list offers the XLSX download; it is a real workbook without any secret
    await page.getByTestId('nav-my-orders').click();
    await page.waitForURL(/\/me\/orders$/);
    await expect.poll(() => page.getByTestId('orders-table').textContent()).toContain('腾讯Q币 100元 点卡');
    await page.screenshot({ path: 'test-results/orders.png', fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('records-xlsx').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const file = await download.path();
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(100);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const cells: string[] = [];
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.text)))),
    );
    const text = cells.join('\n');
    expect(text).toContain('腾讯Q币');
    expect(text).not.toContain(secret);
    await context.close();
  }, 90_000); // registering now includes the confirmation mail (ADR 0009)
  it('checkout asks again when the refund policy changed meanwhile; an unpaid WeChat order can be cancelled; the shop sees its sales', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await submitLogin(page, 'vipbuyer', DEMO_PASSWORD);
    await page.waitForURL(/\/products$/);
    await openProductByName(page, '网易一卡通 50元');
    await page.getByTestId('buy-now').click();
    await page.waitForURL(/\/checkout\/[0-9a-f-]+\?qty=1$/);
    await expect
      .poll(() => page.getByTestId('checkout-policy-version').getAttribute('data-version'))
      .toBe('1');
    await page.getByTestId('checkout-method-WECHAT').click();
    await page.getByTestId('checkout-confirm').click();

    // meanwhile the merchant publishes policy v2 (48 h instead of 24 h)
    const { cookie, csrfToken } = await apiLogin('xingchen');
    const mine = await e2e.app.inject({ method: 'GET', url: '/api/merchant/products', headers: { cookie } });
    const product = mine
      .json<{ items: { id: string; name: string; version: number; policy: Record<string, unknown> }[] }>()
      .items.find((p) => p.name === '网易一卡通 50元');
    if (!product) throw new Error('demo product missing');
    const published = await e2e.app.inject({
      method: 'POST',
      url: `/api/merchant/products/${product.id}/policy`,
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: {
        version: product.version,
        unactivatedRefund: true,
        windowHours: 48,
        noReasonRefund: false,
        revealedRefund: false,
        nonRefundable: false,
        nonRefundableText: null,
      },
    });
    expect(published.statusCode).toBe(200);

    // the order is refused with the new policy, which must be read and confirmed again
    await page.getByTestId('checkout-submit').click();
    await expect.poll(() => page.getByTestId('checkout-policy-changed').textContent()).toContain('第 2 版');
    expect(await page.getByTestId('checkout-policy-version').getAttribute('data-version')).toBe('2');
    expect(await page.getByTestId('checkout-policy-badges').textContent()).toContain('48小时内可退');
    expect(await page.getByTestId('checkout-submit').isDisabled()).toBe(true);
    await page.getByTestId('checkout-confirm').click();

    // and raises the price before the buyer clicks again: refused, nothing charged, the new price shown
    expect(await page.getByTestId('checkout-unit-price').textContent()).toContain('¥48.80');
    const raised = await e2e.app.inject({
      method: 'PATCH',
      url: `/api/merchant/products/${product.id}`,
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: { version: product.version + 1, prices: { REGULAR: 5_200, VIP: 5_100, SUPER: 5_000 } },
    });
    expect(raised.statusCode, raised.body).toBe(200);
    await page.getByTestId('checkout-submit').click();
    await expect.poll(() => page.getByTestId('checkout-price-changed').textContent()).toContain('¥51.00');
    expect(await page.getByTestId('checkout-error').getAttribute('data-code')).toBe('order.price_changed');
    expect(await page.getByTestId('checkout-unit-price').textContent()).toContain('¥51.00');
    expect(await page.getByTestId('checkout-submit').isDisabled()).toBe(true);
    await page.getByTestId('checkout-confirm').click();
    await page.getByTestId('checkout-submit').click();

    // WeChat: the sandbox cashier; the buyer goes back without paying and cancels the order
    await page.waitForURL(/\/sandbox\/pay\/[0-9a-f-]+$/);
    await page.getByTestId('cashier-amount').waitFor();
    await page.goto(`${e2e.base}/me/orders`);
    await page.getByTestId('order-link').first().click();
    await page.waitForURL(/\/me\/orders\/[0-9a-f-]+$/);
    await expect
      .poll(() => page.getByTestId('order-state').first().getAttribute('data-state'))
      .toBe('PENDING_PAYMENT');
    expect(await page.getByTestId('order-countdown').textContent()).toMatch(/\d\d:\d\d/);
    expect(await page.getByTestId('order-policy-version').getAttribute('data-version')).toBe('2');
    await page.getByTestId('order-cancel').click();
    await page.locator('.ant-popconfirm .ant-btn-dangerous').click();
    await expect
      .poll(() => page.getByTestId('order-state').first().getAttribute('data-state'))
      .toBe('CANCELLED');
    await context.close();

    // the merchant sees the shop's orders (delivered and cancelled) and the money held in escrow
    const merchant = await e2e.browser.newContext({ locale: 'zh-CN' });
    const shop = await merchant.newPage();
    await submitLogin(shop, 'xingchen', DEMO_PASSWORD);
    await shop.waitForURL(/\/merchant$/);
    await shop.getByTestId('nav-finance').click();
    await shop.waitForURL(/\/merchant\/finance$/);
    await expect.poll(() => shop.getByTestId('finance-escrow').textContent()).toMatch(/¥[1-9][\d,]*\.\d\d/);
    const shopOrders = shop.getByTestId('shop-orders');
    await expect.poll(() => shopOrders.textContent()).toContain('腾讯Q币 100元 点卡');
    expect(await shopOrders.textContent()).toContain('已取消');
    await shop.screenshot({ path: 'test-results/merchant-finance.png', fullPage: true });
    await merchant.close();
  });

  it('the admin takes the WeChat sandbox down on the sandbox page, it stays down after a reload, and brings it back up', async () => {
    // The e2e tests share one server: whatever happens here, WeChat must end up as it was (up).
    const { cookie, csrfToken } = await apiLogin('admin');
    const initial = await e2e.app.inject({
      method: 'GET',
      url: '/api/admin/sandbox/sandbox-wechat',
      headers: { cookie },
    });
    const { notificationDelaySeconds } = initial.json<{ down: boolean; notificationDelaySeconds: number }>();
    expect(initial.json<{ down: boolean }>().down).toBe(false);

    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      await submitLogin(page, 'admin', DEMO_PASSWORD);
      await page.waitForURL(/\/products$/);
      await page.getByTestId('nav-admin-sandbox').click();
      await page.waitForURL(/\/admin\/sandbox$/);
      expect(await page.getByTestId('sandbox-admin-note').textContent()).toContain('生产环境');
      expect(await page.getByTestId('sandbox-provider-sandbox-wechat').textContent()).toContain(
        '微信支付沙箱',
      );
      expect(await page.getByTestId('sandbox-provider-sandbox-alipay').textContent()).toContain('支付宝沙箱');

      const wechatDown = page.getByTestId('sandbox-down-sandbox-wechat');
      const wechatStatus = page.getByTestId('sandbox-status-sandbox-wechat');
      await expect.poll(() => wechatDown.getAttribute('aria-checked')).toBe('false');
      await wechatDown.click();
      await page.getByTestId('sandbox-save-sandbox-wechat').click();
      await expect.poll(() => wechatStatus.getAttribute('data-down')).toBe('true');
      expect(await wechatStatus.textContent()).toContain('故障中');

      // saved on the server: still down after a reload; Alipay is untouched
      await page.reload();
      await expect.poll(() => wechatDown.getAttribute('aria-checked')).toBe('true');
      expect(await page.getByTestId('sandbox-down-sandbox-alipay').getAttribute('aria-checked')).toBe(
        'false',
      );
      // the notification log (the earlier top-up's payment notification, when that test ran too)
      await page.getByTestId('sandbox-notifications').or(page.getByTestId('empty-state')).first().waitFor();
      await page.screenshot({ path: 'test-results/admin-sandbox.png', fullPage: true });

      await wechatDown.click();
      await page.getByTestId('sandbox-save-sandbox-wechat').click();
      await expect.poll(() => wechatStatus.getAttribute('data-down')).toBe('false');
      await page.reload();
      await expect.poll(() => wechatDown.getAttribute('aria-checked')).toBe('false');
      await page.getByTestId('lang-switch').click();
      await expect
        .poll(() => page.getByTestId('sandbox-admin-note').textContent())
        .toContain('disabled in production');
      await page.screenshot({ path: 'test-results/admin-sandbox-en.png', fullPage: true });
    } finally {
      await context.close();
      const reset = await e2e.app.inject({
        method: 'PUT',
        url: '/api/admin/sandbox/sandbox-wechat',
        headers: { cookie, 'x-csrf-token': csrfToken },
        payload: { down: false, notificationDelaySeconds },
      });
      expect(reset.statusCode).toBe(200);
    }
  });
});
