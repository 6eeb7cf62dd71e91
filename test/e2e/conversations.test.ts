/**
 * Order conversations (沟通记录) and the notification bell end to end in Debian's chromium
 * (playwright-core, never a downloaded browser): the demo buyer `vipbuyer` writes on the order of
 * their seeded refund request with a screenshot, the merchant `xingchen` reads it on the request's
 * page and replies, the buyer sees the reply (and the merchant sees it marked read), and the
 * buyer's bell has the reply's notification, which leads back to the order's conversation.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, checkerboardPng, haveChromium, textarea } from './helpers.js';

// what `npm start` seeds: vipbuyer's request in xingchen's review queue
const e2e = browserSuite({
  label: 'conversation browser tests',
  tmpPrefix: 'kameng-e2e-conversations-',
  seedRefunds: true,
});
const { logIn, apiLogin } = e2e;

/** A 200×120 two-colour checkerboard "screenshot". */
const makePng = (): Buffer => checkerboardPng(200, 120, 10, [212, 56, 13], [255, 247, 230]);

const messages = (page: Page) => page.getByTestId('conversation').getByTestId('conversation-message');

/** The read receipt of `party` on the `index`th message, as `data-read` ('true' / 'false'). */
const receipt = (page: Page, index: number, party: string) =>
  messages(page).nth(index).locator(`[data-testid="message-receipt"][data-party="${party}"]`);

/** The demo request vipbuyer has in xingchen's queue, and its order. */
async function demoRequest(): Promise<{ requestId: string; orderId: string; orderNo: string }> {
  const { cookie } = await apiLogin('vipbuyer');
  const res = await e2e.app.inject({ method: 'GET', url: '/api/refunds', headers: { cookie } });
  const request = res
    .json<{ items: { id: string; orderId: string; orderNo: string; reason: string }[] }>()
    .items.find((r) => r.reason === 'NOT_AS_DESCRIBED');
  if (!request) throw new Error('the demo request is missing');
  return { requestId: request.id, orderId: request.orderId, orderNo: request.orderNo };
}

describe.skipIf(!haveChromium)('order conversations in the browser', () => {
  it('buyer writes with a screenshot → merchant reads and replies → read receipts → the bell leads back', async () => {
    const { requestId, orderId, orderNo } = await demoRequest();
    const buyerContext = await e2e.browser.newContext({ locale: 'zh-CN' });
    const merchantContext = await e2e.browser.newContext({ locale: 'zh-CN' });
    try {
      // ---- 1. the buyer opens the order and writes, with a screenshot ----
      const page = await buyerContext.newPage();
      await logIn(page, 'vipbuyer');
      await page.goto(`${e2e.base}/me/orders/${orderId}`);
      const panel = page.getByTestId('conversation');
      await panel.getByTestId('conversation-empty').waitFor();
      expect(await panel.getByTestId('conversation-immutable').textContent()).toContain('不可修改或删除');

      // a file the evidence store refuses: the server's words show, and nothing is attached
      const fileInput = panel.getByTestId('conversation-composer').locator('input[type=file]');
      await fileInput.setInputFiles({
        name: 'tool.exe',
        mimeType: 'application/octet-stream',
        buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(256, 0x90)]),
      });
      await panel.getByTestId('conversation-upload-error').waitFor();
      expect((await panel.getByTestId('conversation-upload-error').textContent())?.length).toBeGreaterThan(8);
      expect(await panel.getByTestId('conversation-attachment').getAttribute('data-status')).toBe('error');

      const png = makePng();
      await fileInput.setInputFiles({ name: 'recharge.png', mimeType: 'image/png', buffer: png });
      await expect
        .poll(() => panel.getByTestId('conversation-attachment').getAttribute('data-status'))
        .toBe('done');
      expect(await panel.getByTestId('conversation-upload-error').count()).toBe(0);
      await textarea(page, 'conversation-input').fill(
        '您好，充值后到账 30 元，与描述的 50 元不符，截图见附件。',
      );
      await page.getByTestId('conversation-send').click();

      await expect.poll(() => messages(page).count()).toBe(1);
      const mine = messages(page).first();
      expect(await mine.getAttribute('data-mine')).toBe('true');
      expect(await mine.getByTestId('message-role').textContent()).toBe('买家');
      expect(await mine.getByTestId('message-body').textContent()).toContain('与描述的 50 元不符');
      expect(await mine.getByTestId('message-time').textContent()).toMatch(
        /\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/,
      );
      expect(await receipt(page, 0, 'merchant').getAttribute('data-read')).toBe('false');
      expect(await receipt(page, 0, 'merchant').textContent()).toBe('商家未读');
      // the composer is empty again, and the screenshot shows as a thumbnail that loads
      expect(await textarea(page, 'conversation-input').inputValue()).toBe('');
      expect(await panel.getByTestId('conversation-attachment').count()).toBe(0);
      const thumb = mine.getByTestId('message-file').locator('img').first();
      await thumb.waitFor();
      // it loaded, at its own size (an expression: test code has no DOM types)
      await page.waitForFunction(
        `document.querySelector('[data-testid="message-file"] img')?.naturalWidth === 200`,
      );
      const src = (await thumb.getAttribute('src')) ?? '';
      expect(src).toContain(`/api/orders/${orderId}/messages/files/`);
      const served = await buyerContext.request.get(new URL(src, e2e.base).toString());
      expect(served.status()).toBe(200);
      expect(served.headers()['content-type']).toBe('image/png');
      expect(Buffer.from(await served.body()).equals(png)).toBe(true);
      await page.screenshot({ path: 'test-results/conversation-buyer.png', fullPage: true });

      // ---- 2. the merchant sees it on the request's page and replies ----
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      // the merchant's bell counts the buyer's message (and the new request before it)
      await expect
        .poll(async () => Number(await shop.getByTestId('notification-bell').getAttribute('data-unread')))
        .toBeGreaterThanOrEqual(1);
      await shop.goto(`${e2e.base}/merchant/refunds/${requestId}`);
      const shopPanel = shop.getByTestId('conversation');
      await shopPanel.scrollIntoViewIfNeeded();
      await expect.poll(() => messages(shop).count()).toBe(1);
      const fromBuyer = messages(shop).first();
      expect(await fromBuyer.getAttribute('data-mine')).toBe('false');
      expect(await fromBuyer.getByTestId('message-role').textContent()).toBe('买家');
      expect(await fromBuyer.getByTestId('message-body').textContent()).toContain('到账 30 元');
      await fromBuyer.getByTestId('message-file').locator('img').first().waitFor();
      expect(await fromBuyer.getByTestId('message-receipts').count()).toBe(0);
      // having it on screen marked it read: the buyer sees 商家已读 on the next poll
      await expect
        .poll(() => receipt(page, 0, 'merchant').getAttribute('data-read'), { timeout: 15_000 })
        .toBe('true');
      expect(await receipt(page, 0, 'merchant').textContent()).toBe('商家已读');

      await textarea(shop, 'conversation-input').fill('您好，已核实，确为面额错误，今天内为您处理退款。');
      await shop.getByTestId('conversation-send').click();
      await expect.poll(() => messages(shop).count()).toBe(2);
      const reply = messages(shop).nth(1);
      expect(await reply.getAttribute('data-mine')).toBe('true');
      expect(await reply.getByTestId('message-role').textContent()).toBe('商家');
      expect(await receipt(shop, 1, 'buyer').getAttribute('data-read')).toBe('false');
      expect(await receipt(shop, 1, 'buyer').textContent()).toBe('买家未读');

      // ---- 3. the buyer sees the reply; once it has been on screen the merchant sees 买家已读 ----
      await expect.poll(() => messages(page).count(), { timeout: 15_000 }).toBe(2);
      const theirs = messages(page).nth(1);
      expect(await theirs.getAttribute('data-mine')).toBe('false');
      expect(await theirs.getByTestId('message-role').textContent()).toBe('商家');
      expect(await theirs.getByTestId('message-body').textContent()).toContain('今天内为您处理退款');
      await expect
        .poll(() => receipt(shop, 1, 'buyer').getAttribute('data-read'), { timeout: 15_000 })
        .toBe('true');
      expect(await receipt(shop, 1, 'buyer').textContent()).toBe('买家已读');
      await shop.screenshot({ path: 'test-results/conversation-merchant.png', fullPage: true });
      // the same receipts in English
      await shop.getByTestId('lang-switch').click();
      await expect.poll(() => receipt(shop, 1, 'buyer').textContent()).toBe('Read by Buyer');

      // ---- 4. the buyer's bell has the reply; opening it leads to the order's conversation ----
      await page.goto(`${e2e.base}/products`);
      const bell = page.getByTestId('notification-bell');
      await expect.poll(async () => Number(await bell.getAttribute('data-unread'))).toBeGreaterThanOrEqual(1);
      const unreadBefore = Number(await bell.getAttribute('data-unread'));
      await bell.click();
      const item = page
        .getByTestId('notification-panel')
        .locator('[data-testid="notification-item"][data-kind="MESSAGE"][data-read="false"]')
        .first();
      await item.waitFor();
      expect(await item.getByTestId('notification-title').textContent()).toContain(orderNo);
      expect(await item.getAttribute('data-link')).toBe(`/orders/${orderId}#conversation`);
      await page.screenshot({ path: 'test-results/conversation-bell.png' });
      await item.click();
      await page.waitForURL(new RegExp(`/orders/${orderId}#conversation$`));
      await expect.poll(() => messages(page).count()).toBe(2);
      // the conversation card is scrolled into view
      const viewport = page.viewportSize();
      await expect
        .poll(async () => {
          const box = await page.getByTestId('conversation').boundingBox();
          return box !== null && viewport !== null && box.y >= 0 && box.y < viewport.height;
        })
        .toBe(true);
      await expect.poll(async () => Number(await bell.getAttribute('data-unread'))).toBe(unreadBefore - 1);

      // ---- 5. the full page: mark all read ----
      await page.goto(`${e2e.base}/me/notifications`);
      await page.getByTestId('notifications').getByTestId('notification-item').first().waitFor();
      if (unreadBefore > 1) {
        await page.getByTestId('notifications-mark-all').click();
        await expect.poll(async () => Number(await bell.getAttribute('data-unread'))).toBe(0);
      }
      // the list refetches after the bell's count: wait for it rather than read it once
      await expect
        .poll(() =>
          page
            .getByTestId('notifications')
            .locator('[data-testid="notification-item"][data-read="false"]')
            .count(),
        )
        .toBe(0);
    } finally {
      await buyerContext.close();
      await merchantContext.close();
    }
  }, 120_000);
});
