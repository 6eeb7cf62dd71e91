/**
 * Channel orders (淘宝 / 拼多多 / 闲鱼, Stage 7) end to end in Debian's chromium (playwright-core,
 * never a downloaded browser), every page at 375 px: the merchant opens a sandbox Taobao shop
 * (its credentials shown once), lists an item there, connects the shop on /merchant/channels with
 * those credentials and maps the item to a product with keys; a channel buyer orders two from the
 * sandbox storefront; the sweeper delivers (TMC pulled, keys sealed, the delivery message sent);
 * the message's lookup link opens /k/…, where the buyer reveals one key after the 拆封 warning;
 * the same order is looked up at /lookup by order number + 提取码; the buyer follows the lookup
 * page's refund link to the channel and asks for one unit back — the unrevealed one — which is
 * refunded at once, its key back in stock; the merchant sees the refund on /merchant/channels.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, haveChromium, type Session } from './helpers.js';

const e2e = browserSuite({ label: 'channel browser tests', tmpPrefix: 'kameng-e2e-channels-', sweep: true });
const { logIn, apiLogin } = e2e;

const PHONE = { width: 375, height: 812 };
const PRODUCT = '网易一卡通 50元';

async function newContext(): Promise<BrowserContext> {
  const context = await e2e.browser.newContext({
    locale: 'zh-CN',
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
  });
  context.setDefaultTimeout(10_000);
  return context;
}

const contentWidth = (page: Page): Promise<number> =>
  page.evaluate<number>('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)');

/** At 375 px nothing may scroll sideways; a full-page screenshot to look at. */
async function phoneShot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  expect(await contentWidth(page), `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: `test-results/channels-${name}-375.png`, fullPage: true });
}

/** Picks an option of an antd Select by its exact label. */
async function choose(page: Page, testId: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${label}"]`).click();
}

async function availableKeys(session: Session): Promise<number> {
  const get = (url: string) => e2e.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const products = (await get('/api/merchant/products')).json<{ items: { id: string; name: string }[] }>();
  const id = products.items.find((p) => p.name === PRODUCT)?.id;
  const stock = (await get('/api/merchant/stock')).json<{
    items: { productId: string; available: number }[];
  }>();
  return stock.items.find((s) => s.productId === id)?.available ?? -1;
}

/** The state of each key on a lookup page, in order. */
const unitStates = async (page: Page): Promise<(string | null)[]> =>
  Promise.all((await page.getByTestId('lookup-unit').all()).map((u) => u.getAttribute('data-state')));

describe.skipIf(!haveChromium)('channel orders in the browser', () => {
  it('connect a sandbox Taobao shop → a channel order is delivered → link, reveal, lookup → refund of the sealed key', async () => {
    const merchantContext = await newContext();
    const buyerContext = await newContext();
    try {
      // ---- 1. the merchant opens a sandbox Taobao shop and lists an item there ----
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      await shop.goto(`${e2e.base}/sandbox/shop`);
      await shop.getByTestId('sandbox-channel-TAOBAO').click();
      await shop.getByTestId('sandbox-shop-name').fill('星辰点卡 e2e 淘宝店');
      await shop.getByTestId('sandbox-shop-create').click();
      await shop.getByTestId('sandbox-credentials').waitFor();
      await phoneShot(shop, 'sandbox-credentials');
      const appKey = (await shop.getByTestId('sandbox-cred-app-key').textContent()) ?? '';
      const appSecret = (await shop.getByTestId('sandbox-cred-app-secret').textContent()) ?? '';
      const sessionKey = (await shop.getByTestId('sandbox-cred-session-key').textContent()) ?? '';
      expect(appKey.length).toBeGreaterThan(3);
      await shop.getByTestId('sandbox-credentials-close').click();
      const sandboxShopId = new URL(shop.url()).searchParams.get('shop') ?? '';
      expect(sandboxShopId).not.toBe('');

      await shop.getByTestId('sandbox-tab-items').click();
      await shop.getByTestId('sandbox-item-title').fill('网易一卡通 50元 自动发货');
      await shop.getByTestId('sandbox-item-price').fill('48.50');
      await shop.getByTestId('sandbox-item-create').click();
      const itemId = (await shop.getByTestId('sandbox-item-id').first().textContent()) ?? '';
      expect(itemId).not.toBe('');
      await phoneShot(shop, 'sandbox-items');

      // ---- 2. /merchant/channels: wrong input is explained at its fields, then the shop connects ----
      await shop.goto(`${e2e.base}/merchant/channels`);
      await shop.getByTestId('channel-connect-submit').click();
      await expect
        .poll(() => shop.locator('#appKey_help, [id$="appKey_help"]').first().textContent())
        .toContain('AppKey');
      await shop.getByTestId('channel-app-key').fill(appKey);
      await shop.getByTestId('channel-app-secret').fill('wrong-secret-123');
      await shop.getByTestId('channel-session-key').fill(sessionKey);
      await shop.getByTestId('channel-connect-submit').click();
      // the channel refuses the secret: said in words (the field or the form's alert)
      await expect
        .poll(async () => (await shop.getByTestId('channel-connect').textContent()) ?? '')
        .toMatch(/凭证|AppSecret|拒绝/);
      await shop.getByTestId('channel-app-secret').fill(appSecret);
      await shop.getByTestId('channel-connect-submit').click();
      // (the demo may have connected shops of its own: this one is found by its name)
      const card = shop.getByTestId('channel-shop').filter({ hasText: '星辰点卡 e2e 淘宝店' });
      await card.waitFor();
      await expect.poll(() => card.getByTestId('channel-shop-credentials').textContent()).toContain('••••');
      expect(await card.getByTestId('channel-shop-credentials').textContent()).not.toContain(appSecret);

      await card.getByTestId('channel-tab-items').click();
      await card.getByTestId('channel-item-id').fill(itemId);
      await choose(shop, 'channel-item-product', PRODUCT);
      await card.getByTestId('channel-item-save').click();
      await expect.poll(() => card.getByTestId('channel-item').count()).toBe(1);
      await phoneShot(shop, 'merchant-channels');

      // ---- 3. a channel buyer (no Kameng account) orders two from the storefront ----
      const merchant = await apiLogin('xingchen');
      const stockBefore = await availableKeys(merchant);
      const buyer = await buyerContext.newPage();
      await buyer.goto(`${e2e.base}/sandbox/shop?shop=${sandboxShopId}`);
      await choose(buyer, 'sandbox-place-item', `网易一卡通 50元 自动发货 · ¥48.50`);
      await buyer
        .locator('input[data-testid="sandbox-place-quantity"], [data-testid="sandbox-place-quantity"] input')
        .first()
        .fill('2');
      await buyer.getByTestId('sandbox-place-nick').fill('tb_小王');
      await buyer.getByTestId('sandbox-place-submit').click();
      await buyer.getByTestId('sandbox-order').waitFor();
      const channelOrderId = new URL(buyer.url()).searchParams.get('order') ?? '';
      expect(channelOrderId).not.toBe('');

      // ---- 4. the sweeper pulls the order, delivers it and tells the channel ----
      const message = buyer.getByTestId('sandbox-delivery-message');
      await message.waitFor({ timeout: 20_000 });
      await expect
        .poll(() => buyer.getByTestId('sandbox-order-state').getAttribute('data-state'))
        .toBe('SHIPPED');
      const text = (await message.textContent()) ?? '';
      const found = /订单号\s*(\S+)\s*与提取码\s*([^\s）)]+)/.exec(text);
      expect(found, text).not.toBeNull();
      const [, orderNo, code] = found ?? ['', '', ''];
      expect(await availableKeys(merchant)).toBe(stockBefore - 2);
      await phoneShot(buyer, 'sandbox-order-delivered');

      // ---- 5. the lookup link: the order, the refund notice, two sealed keys; reveal one ----
      await buyer.getByTestId('sandbox-lookup-link').click();
      await buyer.waitForURL(/\/k\/[A-Za-z0-9_-]+$/);
      await buyer.getByTestId('lookup-order').waitFor();
      expect(await buyer.getByTestId('lookup-refund-notice').textContent()).toContain(
        '本订单在淘宝下单，如需退款请在淘宝申请售后',
      );
      expect(await buyer.getByTestId('lookup-channel-order').textContent()).toContain(channelOrderId);
      expect(await buyer.locator('meta[name="robots"]').getAttribute('content')).toContain('noindex');
      const units = buyer.getByTestId('lookup-unit');
      await expect.poll(() => units.count()).toBe(2);
      await phoneShot(buyer, 'lookup-link');
      await units.first().getByTestId('lookup-reveal').click();
      const confirm = buyer.getByTestId('reveal-confirm');
      await confirm.waitFor();
      expect(await confirm.getByTestId('reveal-warning').textContent()).toContain('视为已交付');
      // …and what revealing means under the policy the product is sold with (the logged-in buyer's wording).
      expect(await confirm.getByTestId('reveal-policy-note').getAttribute('data-policy')).toMatch(
        /^(NON_REFUNDABLE|NO_PERSONAL_REFUND|REVEALED_REFUNDABLE|REVEALED_NOT_REFUNDABLE)$/,
      );
      await buyer.waitForTimeout(400); // the dialog's opening animation
      await buyer.screenshot({ path: 'test-results/channels-reveal-confirm-375.png' });
      await confirm.getByTestId('reveal-ok').click();
      const secret = units.first().getByTestId('lookup-revealed-secret');
      await secret.waitFor();
      expect(((await secret.textContent()) ?? '').length).toBeGreaterThan(3);
      await expect.poll(() => units.first().getAttribute('data-state')).toBe('REVEALED');
      await phoneShot(buyer, 'lookup-revealed');

      // ---- 6. the same order by order number + 提取码; a wrong code gets the one message ----
      const lookup = await buyerContext.newPage();
      await lookup.goto(`${e2e.base}/lookup`);
      await lookup.getByTestId('lookup-order-no-input').fill(orderNo);
      await lookup.getByTestId('lookup-code-input').fill('WRONG1');
      await lookup.getByTestId('lookup-submit').click();
      await expect
        .poll(() => lookup.getByTestId('lookup-error').textContent())
        .toContain('订单号或提取码不正确');
      await phoneShot(lookup, 'lookup-form-error');
      await lookup.getByTestId('lookup-code-input').fill(code);
      await lookup.getByTestId('lookup-submit').click();
      await lookup.getByTestId('lookup-order').waitFor();
      expect(await lookup.getByTestId('lookup-order-no').textContent()).toContain(orderNo);
      await expect.poll(() => unitStates(lookup)).toEqual(['REVEALED', 'SEALED']);
      await phoneShot(lookup, 'lookup-by-code');

      // ---- 7. the refund link leads to the channel's order: one unit back (the sealed one) ----
      await buyer.getByTestId('lookup-refund-link').click();
      await buyer.waitForURL(/\/sandbox\/shop\?order=/);
      await buyer.getByTestId('sandbox-order').waitFor();
      await buyer.getByTestId('sandbox-refund-reason').fill('不想要了，退一张未拆封的');
      await buyer.getByTestId('sandbox-refund-submit').click();
      await expect
        .poll(() => buyer.getByTestId('sandbox-refund-state').getAttribute('data-state'), { timeout: 20_000 })
        .toBe('SUCCESS');
      await phoneShot(buyer, 'sandbox-refunded');
      await expect.poll(() => availableKeys(merchant), { timeout: 15_000 }).toBe(stockBefore - 1);
      await lookup.reload();
      await lookup.getByTestId('lookup-order-no-input').fill(orderNo);
      await lookup.getByTestId('lookup-code-input').fill(code);
      await lookup.getByTestId('lookup-submit').click();
      await expect.poll(() => unitStates(lookup)).toEqual(['REVEALED', 'REFUNDED']);

      // ---- 8. the merchant sees the order delivered and its refund on /merchant/channels ----
      await shop.goto(`${e2e.base}/merchant/channels`);
      const order = shop.getByTestId('channel-order').filter({ hasText: channelOrderId });
      await order.waitFor();
      expect(await order.getByTestId('channel-order-state').getAttribute('data-state')).toBe('DELIVERED');
      const refund = order.getByTestId('channel-refund');
      await expect.poll(() => refund.getAttribute('data-status'), { timeout: 15_000 }).toBe('SUCCESS');
      await expect.poll(() => refund.getAttribute('data-request-state')).toBe('REFUNDED');
      expect(await order.getByTestId('channel-order-kameng-no').textContent()).toContain(orderNo);
      await phoneShot(shop, 'merchant-channel-orders');
      // the same page on a desktop, and the buyer's page in English, to look at
      await shop.setViewportSize({ width: 1280, height: 900 });
      await shop.waitForTimeout(400);
      await shop.screenshot({
        path: 'test-results/channels-merchant-channel-orders-1280.png',
        fullPage: true,
      });
      await lookup.getByTestId('lang-switch').click();
      await expect.poll(() => lookup.getByTestId('lookup-refund-notice').textContent()).toContain('Taobao');
      await phoneShot(lookup, 'lookup-en');
    } finally {
      await merchantContext.close();
      await buyerContext.close();
    }
  }, 90_000);
});
