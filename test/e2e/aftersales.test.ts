/**
 * After-sales end to end in Debian's chromium (playwright-core, never a downloaded browser): a buyer
 * applies for a refund of a delivered key as "not as described" with a screenshot (which goes to
 * the merchant's review: only sealed, eligible personal-reason refunds are instant), the merchant
 * rejects it as invalid evidence, the buyer resubmits with a new screenshot, the merchant approves,
 * and the money is back in the buyer's wallet.
 */
import { describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { browserSuite, confirmUntil, haveChromium, makePng, refundState, textarea } from './helpers.js';

// what `npm start` seeds: an instant refund for chaohui, and vipbuyer's request with a chat log
const e2e = browserSuite({
  label: 'after-sales browser tests',
  tmpPrefix: 'kameng-e2e-aftersales-',
  seedRefunds: true,
  sweep: true,
});
const { logIn, apiLogin, buyOne, balanceOf } = e2e;

/** A multipart/form-data body with the given files (what the browser's upload sends). */
function multipart(files: { name: string; type: string; bytes: Buffer }[]): {
  body: Buffer;
  contentType: string;
} {
  const boundary = `----kameng-e2e-${Date.now()}`;
  const parts = files.map((f) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    ]),
  );
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

describe.skipIf(!haveChromium)('after-sales in the browser', () => {
  it('apply with a screenshot → merchant rejects → buyer resubmits → merchant approves → refunded to the wallet', async () => {
    // The buyer (¥200.00 demo balance) buys one 网易一卡通 50元 (policy: unactivated refundable in 24 h).
    const buyer = await apiLogin('buyer');
    const order = await buyOne(buyer, 'e2e-aftersales-1');
    const balanceAfterPurchase = await balanceOf(buyer);

    const buyerContext = await e2e.browser.newContext({ locale: 'zh-CN' });
    const merchantContext = await e2e.browser.newContext({ locale: 'zh-CN' });
    try {
      const page = await buyerContext.newPage();
      await logIn(page, 'buyer');

      // ---- 1. the buyer applies from the order page ----
      await page.goto(`${e2e.base}/me/orders/${order.id}`);
      await page.getByTestId('order-after-sales').click();
      const form = page.getByTestId('refund-apply-form');
      await form.waitFor();
      await expect.poll(() => form.getByTestId('refund-unit').count()).toBe(1);
      expect(await textarea(page, 'refund-description').inputValue()).toContain('网易一卡通 50元');
      await page.getByTestId('refund-reason-NOT_AS_DESCRIBED').click();
      // without evidence the pre-check asks for some, and nothing can be submitted yet
      await expect
        .poll(() => form.getByTestId('refund-unit').first().getAttribute('data-outcome'))
        .toBe('NEEDS_EVIDENCE');
      expect(await page.getByTestId('refund-submit').isDisabled()).toBe(true);

      await page
        .getByTestId('refund-upload')
        .locator('input[type=file]')
        .setInputFiles({ name: 'screenshot-1.png', mimeType: 'image/png', buffer: makePng(1) });
      await expect
        .poll(() =>
          page.getByTestId('refund-upload').getByTestId('evidence-item').first().getAttribute('data-status'),
        )
        .toBe('done');
      // the server's reviewer hints show as warnings (a 64×48 image is very small)
      await expect
        .poll(() => page.getByTestId('refund-upload').getByTestId('evidence-signals').first().textContent())
        .toContain('图片很小');
      // with evidence: eligible, but a person decides (not auto-approvable)
      await expect.poll(() => page.getByTestId('refund-precheck').getAttribute('data-status')).toBe('ALL');
      expect(await page.getByTestId('refund-precheck').getAttribute('data-auto')).toBe('false');
      expect(await form.getByTestId('refund-unit').first().getAttribute('data-outcome')).toBe('ELIGIBLE');
      await textarea(page, 'refund-description').fill(
        `${await textarea(page, 'refund-description').inputValue()}卡面与商品描述的面额不一致，见截图。`,
      );
      await page.screenshot({ path: 'test-results/refund-apply.png', fullPage: true });
      await page.getByTestId('refund-submit').dblclick();

      await page.waitForURL(/\/refunds\/[^/]+$/);
      const requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');
      expect(await page.getByTestId('refund-amount').getAttribute('data-fen')).toBe(String(order.totalFen));
      expect(await page.getByTestId('refund-deadlines').textContent()).toMatch(
        /\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/,
      );
      expect(await page.getByTestId('deadline-reviewDue').getAttribute('data-active')).toBe('true');
      // the buyer's screenshot is there as a thumbnail that loads, beside the platform's records
      const thumb = page.getByTestId('evidence-file').locator('img').first();
      await thumb.waitFor();
      const src = (await thumb.getAttribute('src')) ?? '';
      expect(src).toContain(`requestId=${encodeURIComponent(requestId)}`);
      const served = await buyerContext.request.get(new URL(src, e2e.base).toString());
      expect(served.status()).toBe(200);
      expect(served.headers()['content-type']).toBe('image/png');
      expect(Buffer.from(await served.body()).equals(makePng(1))).toBe(true);
      await expect.poll(() => page.getByTestId('system-record').count()).toBe(5);
      expect(await page.getByTestId('system-policy-confirmed').textContent()).toMatch(/\d\d:\d\d:\d\d/);
      await page.screenshot({ path: 'test-results/refund-detail-buyer.png', fullPage: true });
      // a double click made one request (one Idempotency-Key per opened form)
      const mine = await e2e.app.inject({
        method: 'GET',
        url: '/api/refunds',
        headers: { cookie: buyer.cookie },
      });
      expect(mine.json<{ items: unknown[] }>().items).toHaveLength(1);

      // ---- 2. the merchant rejects it: evidence not valid ----
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      await shop.getByTestId('nav-merchant-refunds').click();
      await shop.waitForURL(/\/merchant\/refunds$/);
      const row = shop.locator(`[data-testid="refund-link"][data-request-id="${requestId}"]`);
      await row.waitFor();
      expect(await shop.getByTestId('refund-queue').textContent()).toContain('剩余');
      await shop.screenshot({ path: 'test-results/refund-queue.png', fullPage: true });
      await row.click();
      await shop.waitForURL(new RegExp(`/merchant/refunds/${requestId}$`));
      await shop.getByTestId('evidence-system').waitFor();
      await shop.getByTestId('evidence-party-BUYER').getByTestId('evidence-file').first().waitFor();
      await shop.getByTestId('review-REJECT').click();
      await shop.getByTestId('reject-code-EVIDENCE_INVALID').click();
      await textarea(shop, 'decision-note').fill('截图无法证明面额不符');
      await shop.getByTestId('decision-modal-submit').click();
      // a rejection the records contradict needs a second confirmation; confirm it if asked
      await confirmUntil(shop, /^REJECTED$/);
      expect(await shop.getByTestId('refund-decision').getAttribute('data-code')).toBe('EVIDENCE_INVALID');

      // ---- 3. the buyer sees the rejection and resubmits with a new screenshot ----
      await page.reload();
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('REJECTED');
      expect(await page.getByTestId('refund-decision').textContent()).toContain('证据无效');
      expect(await page.getByTestId('deadline-escalationDue').getAttribute('data-active')).toBe('true');
      await page.getByTestId('refund-action-RESUBMIT').click();
      await textarea(page, 'resubmit-description').fill(
        '补充了带订单号的新截图，卡面面额为 30 元，与描述的 50 元不符。',
      );
      await page
        .getByTestId('resubmit-upload')
        .locator('input[type=file]')
        .setInputFiles({ name: 'screenshot-2.png', mimeType: 'image/png', buffer: makePng(2) });
      await expect
        .poll(() =>
          page
            .getByTestId('resubmit-upload')
            .getByTestId('evidence-item')
            .first()
            .getAttribute('data-status'),
        )
        .toBe('done');
      await page.getByTestId('resubmit-modal-submit').click();
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');
      await expect.poll(() => page.getByTestId('refund-evidence').locator('[role="tab"]').count()).toBe(2);

      // ---- 4. the merchant approves ----
      await shop.reload();
      await expect.poll(() => refundState(shop).getAttribute('data-state')).toBe('PENDING_REVIEW');
      await shop.getByTestId('review-APPROVE').click();
      await shop.getByTestId('decision-modal-submit').click();
      await confirmUntil(shop, /^(REFUNDING|REFUNDED)$/);
      // the merchant is not shown where the money went
      await shop.getByTestId('refund-payouts').waitFor();
      expect(await shop.getByTestId('refund-payouts').textContent()).not.toContain('退回至');

      // ---- 5. refunded: the request, its timeline and the wallet ----
      await page.reload();
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('REFUNDED');
      await expect
        .poll(() =>
          page.getByTestId('refund-payouts').getByTestId('payout-state').first().getAttribute('data-state'),
        )
        .toBe('SUCCESS');
      const entries = page.getByTestId('refund-timeline-entry');
      const actions: (string | null)[] = [];
      for (let i = 0; i < (await entries.count()); i++)
        actions.push(await entries.nth(i).getAttribute('data-action'));
      expect(actions).toEqual(
        expect.arrayContaining([
          'refund.submitted',
          'refund.rejected',
          'refund.pending_review',
          'refund.approved',
          'refund.refunded',
        ]),
      );
      await page.screenshot({ path: 'test-results/refund-refunded.png', fullPage: true });

      await page.getByTestId('nav-wallet').click();
      await page.waitForURL(/\/me\/wallet$/);
      await expect
        .poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen'))
        .toBe(String(balanceAfterPurchase + order.totalFen));
      expect(balanceAfterPurchase + order.totalFen).toBe(20_000);

      // the order itself is refunded (the whole order was)
      await page.goto(`${e2e.base}/me/orders/${order.id}`);
      await expect
        .poll(() => page.getByTestId('order-state').first().getAttribute('data-state'))
        .toBe('REFUNDED');
      await page.getByTestId('order-refunds').waitFor();
      await page.getByTestId('nav-my-refunds').click();
      await page.waitForURL(/\/me\/refunds$/);
      await expect.poll(() => page.getByTestId('my-refunds').getByTestId('refund-state').count()).toBe(1);
    } finally {
      await buyerContext.close();
      await merchantContext.close();
    }
  });
  it('the merchant reads the demo request: its chat log in place, the platform records beside it', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      await logIn(page, 'xingchen');
      await page.goto(`${e2e.base}/merchant/refunds`);
      const row = page.getByTestId('refund-queue').locator('tr', { hasText: '描述不符' }).first();
      await row.getByTestId('refund-link').click();
      await page.waitForURL(/\/merchant\/refunds\/[^/]+$/);
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');
      const file = page.getByTestId('evidence-party-BUYER').getByTestId('evidence-file').first();
      expect(await file.getAttribute('data-kind')).toBe('file');
      await file.getByTestId('evidence-preview').click();
      await expect
        .poll(() => page.getByTestId('evidence-text').getByTestId('evidence-text-body').textContent())
        .toContain('实际到账 30 元');
      await page.keyboard.press('Escape');
      expect(await page.getByTestId('review-actions').textContent()).toContain('同意退款');
      await expect
        .poll(() => page.getByTestId('evidence-system').getByTestId('system-record').count())
        .toBe(5);
      expect(await page.getByTestId('system-order-snapshot').textContent()).toContain('网易一卡通 50元');
      await page.screenshot({ path: 'test-results/refund-merchant-demo.png', fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('a request the merchant leaves past its deadline goes to support, who approves it from the support desk', async () => {
    const buyer = await apiLogin('vipbuyer');
    const order = await buyOne(buyer, 'e2e-aftersales-2');
    const before = await balanceOf(buyer);
    // applied through the API this time: upload a screenshot, then name it in the application
    const { body, contentType } = multipart([{ name: 'photo.png', type: 'image/png', bytes: makePng(3) }]);
    const uploaded = await e2e.app.inject({
      method: 'POST',
      url: '/api/evidence/files',
      headers: { cookie: buyer.cookie, 'x-csrf-token': buyer.csrfToken, 'content-type': contentType },
      payload: body,
    });
    expect(uploaded.statusCode).toBe(201);
    const file = uploaded.json<{ files: { sha256: string; name: string }[] }>().files[0];
    const applied = await e2e.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/refunds`,
      headers: { cookie: buyer.cookie, 'x-csrf-token': buyer.csrfToken, 'idempotency-key': 'e2e-refund-2' },
      payload: {
        reason: 'NOT_AS_DESCRIBED',
        description: '卡面面额与描述不符',
        files: [{ sha256: file.sha256, name: file.name }],
      },
    });
    expect(applied.statusCode).toBe(201);
    const request = applied.json<{ id: string; state: string }>();
    expect(request.state).toBe('PENDING_REVIEW');

    // the merchant (24-hour commitment) lets the deadline pass: a judgement call, so support's
    await e2e.booted.testClock!.advance(25 * 3_600_000, systemActor('e2e'));
    await expect
      .poll(
        async () =>
          (
            await e2e.app.inject({
              method: 'GET',
              url: `/api/refunds/${request.id}`,
              headers: { cookie: buyer.cookie },
            })
          ).json<{ state: string }>().state,
        { timeout: 15_000 },
      )
      .toBe('SUPPORT_REVIEW');

    const context = await e2e.browser.newContext({ locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      await logIn(page, 'support');
      await page.getByTestId('nav-support-refunds').click();
      await page.waitForURL(/\/support\/refunds$/);
      const link = page
        .getByTestId('support-refunds')
        .locator(`[data-testid="refund-link"][data-request-id="${request.id}"]`);
      await link.waitFor();
      await page.getByTestId('support-alerts').waitFor();
      await page.screenshot({ path: 'test-results/refund-support-desk.png', fullPage: true });
      await link.click();
      await page.waitForURL(new RegExp(`/refunds/${request.id}$`));
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('SUPPORT_REVIEW');
      expect(await page.getByTestId('refund-header').textContent()).toContain('平台客服审核');
      await page.getByTestId('review-APPROVE').click();
      await page.getByTestId('decision-modal-submit').click();
      await confirmUntil(page, /^(REFUNDING|REFUNDED)$/);
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('REFUNDED');
      const entries = page.getByTestId('refund-timeline-entry');
      await expect.poll(() => entries.count()).toBeGreaterThanOrEqual(4);
      expect(await page.getByTestId('refund-timeline').textContent()).toContain('商家逾期未处理');
      // the same page in English
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => refundState(page).textContent()).toBe('Refunded');
      expect(await page.getByTestId('refund-timeline').textContent()).toContain('Passed to platform support');
      await page.screenshot({ path: 'test-results/refund-support-en.png', fullPage: true });
      expect(await balanceOf(buyer)).toBe(before + order.totalFen);
    } finally {
      await context.close();
    }
  });
});
