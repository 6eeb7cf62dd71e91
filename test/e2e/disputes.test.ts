/**
 * Platform arbitration (平台仲裁) end to end in Debian's chromium (playwright-core, never a
 * downloaded browser): a buyer applies for a refund of a delivered key with a screenshot, the
 * merchant rejects it ("activated", which the records contradict), the buyer escalates; both sides
 * write and submit their statements (the buyer's with an uploaded image, after saving a draft);
 * the arbitrator opens the workbench, reads the case file and its findings, decides for the buyer
 * with a rationale and confirms the final decision; the buyer sees the decision and the refund
 * arrives (request REFUNDED, wallet back); the merchant's record shows the dispute lost. Then an
 * admin's penalty rules and a suspension with its reinstatement. Pages are also looked at 375 px
 * wide: nothing may scroll sideways. Last, a sealed key its merchant reports activated: the buyer's
 * pre-check says the activation cannot be theirs, the merchant rejects it as activated anyway, the
 * buyer escalates, nobody writes before the evidence deadline, the finding clears the buyer, the
 * arbitrator decides for them and the merchant's record shows an activated key delivered.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { browserSuite, haveChromium, makePng, refundState, rejectAs, textarea } from './helpers.js';

const e2e = browserSuite({
  label: 'dispute browser tests',
  tmpPrefix: 'kameng-e2e-disputes-',
  sweep: true,
});
const { logIn, apiLogin, buyOne, balanceOf } = e2e;

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };
// to the second, or a midnight deadline as the end of the day before (web/src/format.ts)
const EXACT_TIME = /\d{4}\/\d\d\/\d\d (\d\d:\d\d:\d\d|当天结束（24:00）)/;

async function newContext(viewport = DESKTOP): Promise<BrowserContext> {
  const context = await e2e.browser.newContext({ locale: 'zh-CN', viewport });
  context.setDefaultTimeout(10_000);
  return context;
}

/** How wide the page's content is: at 375 px nothing may scroll sideways. */
const contentWidth = (page: Page): Promise<number> =>
  page.evaluate<number>('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)');

/**
 * The page at phone width: no sideways scroll, and a full-page screenshot to look at. With a dialog
 * open the page's own width is the modal scroll lock's (it pads for a scrollbar phones do not
 * have), so the dialog is what must fit.
 */
async function phoneShot(page: Page, name: string, dialog?: string): Promise<void> {
  const before = page.viewportSize();
  await page.setViewportSize(PHONE);
  // let antd's breakpoints and the layout settle
  await page.waitForTimeout(400);
  if (dialog) {
    // the dialog re-lays itself out after the resize: wait for it to settle rather than a fixed time
    const fitsPhone = async () => {
      const box = await page.getByTestId(dialog).boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= PHONE.width;
    };
    await expect.poll(fitsPhone, { message: `${dialog} fits 375 px`, timeout: 5000 }).toBe(true);
  } else
    expect(await contentWidth(page), `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: `test-results/disputes-${name}-375.png`, fullPage: !dialog });
  if (before) await page.setViewportSize(before);
}

const disputeState = (page: Page) =>
  page.getByTestId('dispute-header').getByTestId('dispute-state').getAttribute('data-state');

async function uploadPng(page: Page, testId: string, name: string, seed: number): Promise<void> {
  await page
    .getByTestId(testId)
    .locator('input[type=file]')
    .setInputFiles({ name, mimeType: 'image/png', buffer: makePng(seed, 96, 96) });
  await expect
    .poll(() => page.getByTestId(testId).getByTestId('evidence-item').first().getAttribute('data-status'))
    .toBe('done');
}

interface RecordView {
  disputes: { won: number; lost: number };
  violations: { kind: string; depositFen: number }[];
}

describe.skipIf(!haveChromium)('platform arbitration in the browser', () => {
  it('reject → escalate → both statements → the arbitrator decides for the buyer → refunded, record shows the loss', async () => {
    const buyer = await apiLogin('vipbuyer');
    const order = await buyOne(buyer, 'e2e-disputes-1');
    const balanceAfterPurchase = await balanceOf(buyer);
    const merchantId = (
      await e2e.app.inject({
        method: 'GET',
        url: `/api/orders/${order.id}`,
        headers: { cookie: buyer.cookie },
      })
    ).json<{ merchantId: string }>().merchantId;

    const buyerContext = await newContext(PHONE);
    const merchantContext = await newContext();
    const staffContext = await newContext();
    const supportContext = await newContext();
    try {
      // ---- 1. the buyer (on a phone) applies with a screenshot ----
      const page = await buyerContext.newPage();
      await logIn(page, 'vipbuyer');
      await page.goto(`${e2e.base}/me/orders/${order.id}`);
      await page.getByTestId('order-after-sales').click();
      const form = page.getByTestId('refund-apply-form');
      await form.waitFor();
      await page.getByTestId('refund-reason-NOT_AS_DESCRIBED').click();
      await uploadPng(page, 'refund-upload', 'card-face.png', 11);
      await expect.poll(() => page.getByTestId('refund-precheck').getAttribute('data-status')).toBe('ALL');
      await textarea(page, 'refund-description').fill('卡面面额与商品描述不符，充值提示卡密无效，见截图。');
      await page.getByTestId('refund-submit').click();
      await page.waitForURL(/\/refunds\/[^/]+$/);
      const requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');

      // ---- 2. the merchant rejects it as "activated" (the records say it never was) ----
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      await shop.goto(`${e2e.base}/merchant/refunds/${requestId}`);
      await expect.poll(() => refundState(shop).getAttribute('data-state')).toBe('PENDING_REVIEW');
      await rejectAs(shop, 'ACTIVATED', '卡密已被激活，不予退款');

      // ---- 3. the buyer escalates: the modal tells of the evidence period ----
      await page.reload();
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('REJECTED');
      await page.getByTestId('refund-action-ESCALATE').click();
      const modal = page.getByTestId('escalate-modal');
      await modal.waitFor();
      expect(await modal.textContent()).toContain('平台仲裁员将查看双方材料和系统记录后作出裁决');
      expect(await modal.textContent()).toContain('举证截止时间');
      await textarea(page, 'escalate-note').fill('卡密从未激活，商家以“已激活”拒绝与记录不符。');
      await page.getByTestId('escalate-modal-submit').click();
      await modal.waitFor({ state: 'detached' });
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('DISPUTED');
      // the request links to its dispute
      const link = page.getByTestId('refund-dispute-link');
      await link.waitFor();
      expect(await link.textContent()).toContain('举证中');
      await phoneShot(page, 'refund-disputed');
      await page.getByTestId('refund-dispute-open').click();
      await page.waitForURL(/\/disputes\/[^/]+$/);
      const disputeId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

      // ---- 4. the buyer's dispute page: evidence phase, deadline, the escalation note as its draft ----
      await expect.poll(() => disputeState(page)).toBe('EVIDENCE');
      const evidenceDue = page.getByTestId('dispute-deadline-evidenceDue');
      expect(await evidenceDue.getAttribute('data-active')).toBe('true');
      expect(await evidenceDue.getByTestId('deadline-time').textContent()).toMatch(EXACT_TIME);
      expect(await evidenceDue.getByTestId('dispute-countdown').textContent()).toMatch(/剩余/);
      expect(await page.getByTestId('dispute-claim').getAttribute('data-fen')).toBe(String(order.totalFen));
      const statementText = textarea(page, 'statement-text-input');
      expect(await statementText.inputValue()).toContain('卡密从未激活');
      expect(await page.getByTestId('other-statement-missing').textContent()).toContain('尚未提交');
      await phoneShot(page, 'dispute-buyer-evidence');

      // a draft with an image, saved (the file stays in the draft), then submitted after the warning
      await statementText.fill(
        '充值页面提示“卡密无效”，截图见附件；卡密从未激活，商家以“已激活”拒绝与记录不符。',
      );
      await uploadPng(page, 'statement-upload', 'recharge-error.png', 12);
      await page.getByTestId('statement-save').click();
      await expect.poll(() => page.getByTestId('statement-saved-file').count()).toBe(1);
      expect(await page.getByTestId('statement-saved-file').textContent()).toContain('recharge-error.png');
      await page.getByTestId('statement-submit').click();
      const confirm = page.getByTestId('statement-confirm');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('提交后不可修改');
      await phoneShot(page, 'statement-confirm', 'statement-confirm');
      await page.getByTestId('statement-confirm-ok').click();
      await confirm.waitFor({ state: 'detached' });
      const mine = page.getByTestId('own-statement').getByTestId('statement-BUYER');
      await expect.poll(() => mine.getAttribute('data-state')).toBe('SUBMITTED');
      expect(await page.getByTestId('statement-editor').count()).toBe(0);
      // submitted: the image is the request's evidence now and loads
      const thumb = mine.getByTestId('statement-file').locator('img').first();
      await thumb.waitFor();
      const served = await buyerContext.request.get(
        new URL((await thumb.getAttribute('src')) ?? '', e2e.base).toString(),
      );
      expect(served.status()).toBe(200);
      expect(Buffer.from(await served.body()).equals(makePng(12, 96, 96))).toBe(true);

      // ---- 5. the merchant finds the case in its menu, reads the buyer's statement and submits its own ----
      await shop.getByTestId('nav-merchant-disputes').click();
      await shop.waitForURL(/\/merchant\/disputes$/);
      await shop.locator(`[data-testid="dispute-link"][data-dispute-id="${disputeId}"]`).click();
      await shop.waitForURL(new RegExp(`/disputes/${disputeId}$`));
      await expect.poll(() => disputeState(shop)).toBe('EVIDENCE');
      const theirs = shop.getByTestId('other-statement').getByTestId('statement-BUYER');
      await theirs.waitFor();
      expect(await theirs.getByTestId('statement-text').textContent()).toContain('卡密无效');
      expect(await theirs.getByTestId('statement-file').getAttribute('data-kind')).toBe('image');
      // the merchant has no draft yet: its editor starts empty and submitting needs words
      await shop.getByTestId('statement-submit').click();
      await expect
        .poll(() => shop.getByTestId('statement-editor').textContent())
        .toContain('提交前请填写陈述');
      await textarea(shop, 'statement-text-input').fill('我方发货前已核验卡密，买家所述情况无法复现。');
      await shop.getByTestId('statement-submit').click();
      await shop.getByTestId('statement-confirm').waitFor();
      await shop.getByTestId('statement-confirm-ok').click();
      // both have submitted: the decision phase begins at once, with its deadline
      await expect.poll(() => disputeState(shop)).toBe('ARBITRATION');
      const decisionDue = shop.getByTestId('dispute-deadline-decisionDue');
      expect(await decisionDue.getAttribute('data-active')).toBe('true');
      expect(await decisionDue.getByTestId('deadline-time').textContent()).toMatch(EXACT_TIME);
      await phoneShot(shop, 'dispute-merchant-arbitration');

      // ---- 6. the arbitrator: workbench → case file → findings → decides for the buyer ----
      const desk = await staffContext.newPage();
      await logIn(desk, 'arbitrator');
      await desk.getByTestId('nav-arbitration').click();
      await desk.waitForURL(/\/arbitration$/);
      const row = desk.locator(`[data-testid="dispute-link"][data-dispute-id="${disputeId}"]`);
      await row.waitFor();
      expect(await desk.getByTestId('arbitration-queue').textContent()).toContain('剩余');
      await phoneShot(desk, 'arbitration-queue');
      await row.click();
      await desk.waitForURL(new RegExp(`/arbitration/${disputeId}$`));
      await desk.getByTestId('case-file').waitFor();
      // one chronological view: the order, its keys, the request's history and the dispute itself
      const entries = desk.getByTestId('case-entry');
      const groups: string[] = [];
      for (let i = 0; i < (await entries.count()); i++)
        groups.push((await entries.nth(i).getAttribute('data-group')) ?? '');
      expect(groups).toEqual(
        expect.arrayContaining(['ORDER', 'POLICY', 'PAYMENT', 'KEY', 'REQUEST', 'EVIDENCE', 'DISPUTE']),
      );
      // both statements beside it, the buyer's image among them
      expect(await desk.getByTestId('case-statement-BUYER').getByTestId('statement-file').count()).toBe(1);
      expect(
        await desk.getByTestId('case-statement-MERCHANT').getByTestId('statement-text').textContent(),
      ).toContain('无法复现');
      // findings grouped by whom they favour, with their sources: the rejection contradicts the records
      const contradicted = desk.locator(
        '[data-testid="findings-BUYER"] [data-testid="finding"][data-code="REJECTION_CONTRADICTED"]',
      );
      await contradicted.waitFor();
      expect(await contradicted.getByTestId('finding-fault').count()).toBe(1);
      expect(await contradicted.getByTestId('finding-sources').textContent()).toContain('售后处理记录');
      // the platform's own records are there in full too
      await expect.poll(() => desk.getByTestId('system-record').count()).toBeGreaterThanOrEqual(5);
      await desk.screenshot({ path: 'test-results/disputes-case-file-desktop.png', fullPage: true });
      await phoneShot(desk, 'case-file');

      // the rationale is required, then the final confirmation
      await desk.getByTestId('decision-outcome-BUYER').click();
      await desk.getByTestId('decision-submit').click();
      await expect.poll(() => desk.getByTestId('decision-form').textContent()).toContain('至少 10 个字');
      await textarea(desk, 'decision-rationale').fill(
        '系统记录显示卡密从未被激活，商家以“已激活”为由拒绝与记录矛盾；支持买家，全额退款。',
      );
      await desk.getByTestId('decision-submit').click();
      const final = desk.getByTestId('decision-final');
      await final.waitFor();
      expect(await final.textContent()).toContain('终局');
      expect(await final.textContent()).toContain('立即执行');
      await phoneShot(desk, 'decision-confirm', 'decision-final');
      await desk.getByTestId('decision-final-ok').click();
      await final.waitFor({ state: 'detached' });
      await expect.poll(() => disputeState(desk)).toBe('DECIDED');
      expect(await desk.getByTestId('dispute-decision').getAttribute('data-outcome')).toBe('BUYER');
      expect(await desk.getByTestId('decision-form').count()).toBe(0);

      // ---- 7. the buyer sees the decision, and the refund arrives ----
      await page.reload();
      await expect.poll(() => disputeState(page)).toBe('DECIDED');
      const decision = page.getByTestId('dispute-decision');
      expect(await decision.getAttribute('data-outcome')).toBe('BUYER');
      expect(await page.getByTestId('dispute-refund').getAttribute('data-fen')).toBe(String(order.totalFen));
      expect(await page.getByTestId('dispute-rationale').textContent()).toContain('支持买家，全额退款');
      // the case file to keep downloads as a ZIP
      const caseFile = await buyerContext.request.get(
        new URL(
          (await page.getByTestId('dispute-case-file').getAttribute('href')) ?? '',
          e2e.base,
        ).toString(),
      );
      expect(caseFile.status()).toBe(200);
      expect(caseFile.headers()['content-type']).toContain('zip');
      // after the decision the parties see the findings it rested on
      await page.locator('[data-testid="finding"][data-code="REJECTION_CONTRADICTED"]').waitFor();
      await phoneShot(page, 'dispute-buyer-decided');
      // in English too
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => decision.textContent()).toContain('For the buyer');
      expect(await page.getByTestId('dispute-phase-hint').textContent()).toContain('cannot change');
      await phoneShot(page, 'dispute-buyer-decided-en');
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => decision.textContent()).toContain('支持买家');
      await page.getByTestId('dispute-request-link').click();
      await page.waitForURL(new RegExp(`/refunds/${requestId}$`));
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('REFUNDED');
      expect(await page.getByTestId('refund-decision').getAttribute('data-code')).toBe('ARBITRATION_BUYER');
      expect(await page.getByTestId('refund-dispute-link').textContent()).toContain('已裁决');

      // the wallet has the order's money back, and any deposit compensation for the violations
      const record = (
        await e2e.app.inject({ method: 'GET', url: `/api/merchants/${merchantId}/record` })
      ).json<RecordView>();
      const compensation = record.violations.reduce((s, v) => s + v.depositFen, 0);
      expect(record.violations.map((v) => v.kind)).toContain('UNJUSTIFIED_REFUSAL');
      await page.goto(`${e2e.base}/me/wallet`);
      await expect
        .poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen'))
        .toBe(String(balanceAfterPurchase + order.totalFen + compensation));

      // the buyer's list of disputes
      await page.goto(`${e2e.base}/me/disputes`);
      const mineRow = page.locator(`[data-testid="dispute-row"][data-id="${disputeId}"]`);
      await mineRow.waitFor();
      expect(await mineRow.getByTestId('dispute-outcome').getAttribute('data-outcome')).toBe('BUYER');
      await phoneShot(page, 'my-disputes');

      // ---- 8. the merchant's record shows the dispute lost and the violation ----
      await shop.getByTestId('nav-merchant-record').click();
      await shop.waitForURL(/\/merchant\/record$/);
      const disputes = shop.getByTestId('record-disputes');
      await disputes.waitFor();
      expect(await disputes.getAttribute('data-lost')).toBe(String(record.disputes.lost));
      expect(record.disputes.lost).toBeGreaterThanOrEqual(1);
      expect(await disputes.textContent()).toContain(`负 ${record.disputes.lost}`);
      await expect
        .poll(() => shop.locator('[data-testid="record-violation"][data-kind="UNJUSTIFIED_REFUSAL"]').count())
        .toBeGreaterThanOrEqual(1);
      await phoneShot(shop, 'merchant-record');

      // ---- 9. buyers see it too: the product page's summary and the storefront ----
      const products = (await e2e.app.inject({ method: 'GET', url: '/api/products' })).json<{
        items: { id: string; name: string }[];
      }>();
      const product = products.items.find((p) => p.name === '网易一卡通 50元')!;
      await page.goto(`${e2e.base}/products/${product.id}`);
      await expect
        .poll(() => page.getByTestId('summary-disputes-lost').textContent())
        .toBe(String(record.disputes.lost));
      await page.getByTestId('storefront-link').click();
      await page.waitForURL(new RegExp(`/merchants/${merchantId}$`));
      await expect
        .poll(() => page.getByTestId('record-disputes').getAttribute('data-lost'))
        .toBe(String(record.disputes.lost));
      await page.getByTestId('product-list').waitFor();
      await phoneShot(page, 'storefront');

      // ---- 10. support follows the queue read-only ----
      const support = await supportContext.newPage();
      await logIn(support, 'support');
      await support.goto(`${e2e.base}/arbitration`);
      await support.getByTestId('arbitration-readonly').waitFor();
      await support.getByTestId('arbitration-queue-all').click();
      await support.locator(`[data-testid="dispute-link"][data-dispute-id="${disputeId}"]`).click();
      await support.getByTestId('case-file').waitFor();
      expect(await support.getByTestId('decision-form').count()).toBe(0);
    } finally {
      await buyerContext.close();
      await merchantContext.close();
      await staffContext.close();
      await supportContext.close();
    }
  }, 120_000);

  it('an admin changes the penalty rules, suspends a shop (buyers cannot buy) and reinstates it', async () => {
    const admin = await apiLogin('admin');
    const context = await newContext();
    const visitor = await newContext(PHONE);
    try {
      const page = await context.newPage();
      await logIn(page, 'admin');
      await page.getByTestId('nav-admin-merchants').click();
      await page.waitForURL(/\/admin\/merchants$/);

      // the penalty rules: deposit compensation for an unjustified refusal to ¥12.50
      const deposit = page.getByTestId('penalty-UNJUSTIFIED_REFUSAL-deposit');
      await expect.poll(() => deposit.inputValue()).not.toBe('');
      await deposit.fill('12.5');
      await page.getByTestId('penalty-save').click();
      await expect
        .poll(async () => {
          const res = await e2e.app.inject({
            method: 'GET',
            url: '/api/admin/penalty-rules',
            headers: { cookie: admin.cookie },
          });
          return res.json<{ kinds: { UNJUSTIFIED_REFUSAL: { depositFen: number } } }>().kinds
            .UNJUSTIFIED_REFUSAL.depositFen;
        })
        .toBe(1250);

      // suspend 极速软件授权 from the list of all shops
      await page.getByTestId('sanctions-all').click();
      const jisu = page.getByTestId('sanction-merchant').filter({ hasText: '极速软件授权' });
      await jisu.waitFor();
      const merchantId = (await jisu.getAttribute('data-merchant-id')) ?? '';
      await jisu.getByTestId('merchant-suspend').click();
      await textarea(page, 'merchant-status-reason').fill('多次交付无效序列号，暂停销售待整改');
      await page.getByTestId('merchant-status-submit').click();
      await page.getByTestId('sanctions-suspended').click();
      const suspended = page.locator(`[data-testid="sanction-merchant"][data-merchant-id="${merchantId}"]`);
      await expect.poll(() => suspended.getAttribute('data-status')).toBe('SUSPENDED');
      expect(await suspended.textContent()).toContain('多次交付无效序列号');
      await phoneShot(page, 'admin-sanctions');

      // a visitor sees the suspension with its reason on the storefront; its goods cannot be bought
      const buyerPage = await visitor.newPage();
      await buyerPage.goto(`${e2e.base}/merchants/${merchantId}`);
      await expect
        .poll(() => buyerPage.getByTestId('merchant-suspended-reason').textContent())
        .toContain('多次交付无效序列号');
      await buyerPage.getByTestId('product-link').first().click();
      await buyerPage.getByTestId('buy-suspended').waitFor();
      expect(await buyerPage.getByTestId('buy-now').isDisabled()).toBe(true);

      // reinstated
      await suspended.getByTestId('merchant-reinstate').click();
      await textarea(page, 'merchant-status-reason').fill('已整改，恢复销售');
      await page.getByTestId('merchant-status-submit').click();
      await expect.poll(() => suspended.count()).toBe(0);
      await buyerPage.reload();
      await buyerPage.getByTestId('buy-now').waitFor();
      await expect.poll(() => buyerPage.getByTestId('buy-now').isDisabled()).toBe(false);
    } finally {
      await context.close();
      await visitor.close();
    }
  }, 60_000);

  it('a sealed key the merchant reports activated: eligible in the pre-check, rejected as activated, escalated; the evidence deadline passes, the finding clears the buyer, refunded, violation on the record', async () => {
    // ---- 1. xingchen lists a product with exactly one key; the buyer buys it (balance): delivered sealed ----
    const CARD_NO = 'SEAL20260001';
    const CARD_PW = 'sealed-pw-7f3k9q';
    const merchant = await apiLogin('xingchen');
    const asMerchant = { cookie: merchant.cookie, 'x-csrf-token': merchant.csrfToken };
    const created = await e2e.app.inject({
      method: 'POST',
      url: '/api/merchant/products',
      headers: asMerchant,
      payload: {
        type: 'CARD_KEY',
        name: '封存卡密 30元',
        description: '单张卡密，自动发货。',
        faceValueFen: 3_000,
        validityDays: 180,
        prices: { REGULAR: 2_950, VIP: 2_900, SUPER: 2_850 },
        policy: {
          unactivatedRefund: true,
          windowHours: 24,
          noReasonRefund: false,
          revealedRefund: false,
          nonRefundable: false,
          nonRefundableText: null,
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const product = created.json<{ id: string; version: number; merchant: { id: string } }>();
    const onSale = await e2e.app.inject({
      method: 'POST',
      url: `/api/merchant/products/${product.id}/status`,
      headers: asMerchant,
      payload: { version: product.version, status: 'ON_SALE' },
    });
    expect(onSale.statusCode, onSale.body).toBe(200);
    // the key file, as the merchant page uploads it (multipart)
    const upload = new FormData();
    upload.append('file', new Blob([`${CARD_NO} ${CARD_PW}\n`], { type: 'text/plain' }), 'keys.txt');
    const multipart = new Request('http://upload.invalid/', { method: 'POST', body: upload });
    const started = await e2e.app.inject({
      method: 'POST',
      url: `/api/merchant/products/${product.id}/imports`,
      headers: { ...asMerchant, 'content-type': multipart.headers.get('content-type') ?? '' },
      payload: Buffer.from(await multipart.arrayBuffer()),
    });
    expect(started.statusCode, started.body).toBe(202);
    const batchId = started.json<{ id: string }>().id;
    await expect
      .poll(
        async () => {
          const batch = await e2e.app.inject({
            method: 'GET',
            url: `/api/merchant/imports/${batchId}`,
            headers: { cookie: merchant.cookie },
          });
          const b = batch.json<{ status: string; imported: number }>();
          return `${b.status}:${b.imported}`;
        },
        { timeout: 15_000 },
      )
      .toBe('COMPLETED:1');

    const buyer = await apiLogin('buyer');
    const offer = (
      await e2e.app.inject({
        method: 'GET',
        url: `/api/products/${product.id}`,
        headers: { cookie: buyer.cookie },
      })
    ).json<{
      faceValueFen: number;
      validityDays: number | null;
      policy: { version: number };
      viewerPrice: { priceFen: number };
    }>();
    const checkout = await e2e.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { cookie: buyer.cookie, 'x-csrf-token': buyer.csrfToken, 'idempotency-key': 'e2e-sealed-1' },
      payload: {
        productId: product.id,
        quantity: 1,
        paymentMethod: 'BALANCE',
        policyVersion: offer.policy.version,
        policyConfirmed: true,
        faceValueFen: offer.faceValueFen,
        validityDays: offer.validityDays,
        unitPriceFen: offer.viewerPrice.priceFen,
      },
    });
    expect(checkout.statusCode, checkout.body).toBe(201);
    const order = checkout.json<{ id: string; state: string; totalFen: number }>();
    expect(order.state).toBe('DELIVERED');
    const balanceAfterPurchase = await balanceOf(buyer);

    // ---- 2. ten minutes later the merchant reports through the registry that the key was activated ----
    const clock = e2e.booted.testClock!;
    await clock.advance(10 * 60_000, systemActor('e2e'));
    const reported = await e2e.app.inject({
      method: 'POST',
      url: '/api/registry/report',
      headers: asMerchant,
      payload: {
        cardNo: CARD_NO,
        password: CARD_PW,
        activatedAt: new Date(clock.now().getTime() - 60_000).toISOString(),
      },
    });
    expect(reported.statusCode, reported.body).toBe(200);
    expect(reported.json<{ state: string; activatedBeforeDelivery: boolean }>()).toMatchObject({
      state: 'ACTIVATED',
      activatedBeforeDelivery: false,
    });
    // the buyer never looked at it
    const units = (
      await e2e.app.inject({
        method: 'GET',
        url: `/api/orders/${order.id}`,
        headers: { cookie: buyer.cookie },
      })
    ).json<{ units: { keyState: string | null; firstRevealedAt: string | null }[] }>().units;
    expect(units).toEqual([expect.objectContaining({ keyState: 'ACTIVATED', firstRevealedAt: null })]);

    const buyerContext = await newContext(PHONE);
    const merchantContext = await newContext(PHONE);
    const staffContext = await newContext();
    try {
      // ---- 3. the buyer (on a phone) applies: the pre-check says the activation cannot be theirs ----
      const page = await buyerContext.newPage();
      await logIn(page, 'buyer');
      await page.goto(`${e2e.base}/me/orders/${order.id}`);
      await page.getByTestId('order-after-sales').click();
      await page.getByTestId('refund-apply-form').waitFor();
      const defective = page.getByTestId('refund-reason-DEFECTIVE');
      await expect.poll(() => page.getByTestId('refund-reason').textContent()).toContain('卡密无效');
      await defective.click();
      await expect.poll(() => page.getByTestId('refund-precheck').getAttribute('data-status')).toBe('ALL');
      const unit = page.getByTestId('refund-unit');
      expect(await unit.count()).toBe(1);
      expect(await unit.getAttribute('data-outcome')).toBe('ELIGIBLE');
      const why = await unit.getByTestId('unit-explanations').textContent();
      expect(why).toContain('在拆封前已被激活');
      expect(why).toContain('由商家自行报告');
      expect(why).toContain('激活不可能来自买家');
      await unit.scrollIntoViewIfNeeded();
      await phoneShot(page, 'sealed-precheck', 'refund-apply');
      await textarea(page, 'refund-description').fill('从未查看过卡密，充值时提示该卡已被使用。');
      await page.getByTestId('refund-submit').click();
      await page.waitForURL(/\/refunds\/[^/]+$/);
      const requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');

      // ---- 4. the merchant (on a phone) rejects it as 商品已激活; the buyer escalates ----
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      await shop.goto(`${e2e.base}/merchant/refunds/${requestId}`);
      await expect.poll(() => refundState(shop).getAttribute('data-state')).toBe('PENDING_REVIEW');
      await rejectAs(shop, 'ACTIVATED', '卡密已激活，不予退款');
      await phoneShot(shop, 'sealed-merchant-rejected');

      await page.reload();
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('REJECTED');
      await page.getByTestId('refund-action-ESCALATE').click();
      const modal = page.getByTestId('escalate-modal');
      await modal.waitFor();
      await textarea(page, 'escalate-note').fill('卡密在我查看之前就被激活了，不是我用的。');
      await page.getByTestId('escalate-modal-submit').click();
      await modal.waitFor({ state: 'detached' });
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('DISPUTED');
      await page.getByTestId('refund-dispute-open').click();
      await page.waitForURL(/\/disputes\/[^/]+$/);
      const disputeId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await expect.poll(() => disputeState(page)).toBe('EVIDENCE');

      // ---- 5. nobody writes a statement: past the evidence deadline the sweeper starts arbitration ----
      const dispute = (
        await e2e.app.inject({
          method: 'GET',
          url: `/api/disputes/${disputeId}`,
          headers: { cookie: buyer.cookie },
        })
      ).json<{ disputeNo: string; evidenceDueAt: string }>();
      await clock.advance(
        Date.parse(dispute.evidenceDueAt) - clock.now().getTime() + 60_000,
        systemActor('e2e'),
      );
      // (three working days may be longer than a session around a holiday: everyone logs in afresh)
      const staff = await apiLogin('arbitrator');
      await expect
        .poll(
          async () =>
            (
              await e2e.app.inject({
                method: 'GET',
                url: `/api/disputes/${disputeId}`,
                headers: { cookie: staff.cookie },
              })
            ).json<{ state: string }>().state,
          { timeout: 15_000 },
        )
        .toBe('ARBITRATION');

      const desk = await staffContext.newPage();
      await logIn(desk, 'arbitrator');
      await desk.getByTestId('nav-arbitration').click();
      await desk.waitForURL(/\/arbitration$/);
      await desk.locator(`[data-testid="dispute-link"][data-dispute-id="${disputeId}"]`).click();
      await desk.waitForURL(new RegExp(`/arbitration/${disputeId}$`));
      await desk.getByTestId('case-file').waitFor();
      // the finding: activated while still sealed, so not by the buyer — the merchant's fault
      const sealed = desk.locator(
        '[data-testid="findings-BUYER"] [data-testid="finding"][data-code="ACTIVATED_WHILE_SEALED"]',
      );
      await sealed.waitFor();
      const finding = await sealed.getByTestId('finding-text').textContent();
      expect(finding).toMatch(/激活时卡密仍未拆封，不是买家激活的/);
      expect(finding).toContain('买家从未查看');
      expect(finding).toContain('由商家自行报告');
      expect(await sealed.getByTestId('finding-fault').count()).toBe(1);
      expect(await sealed.getByTestId('finding-sources').textContent()).toContain('卡密激活记录');
      // the key is activated, but not by the buyer: 商品已激活 as a reason contradicts the records
      const refusal = desk.locator(
        '[data-testid="findings-BUYER"] [data-testid="finding"][data-code="REJECTION_CONTRADICTED"]',
      );
      expect(await refusal.getByTestId('finding-text').textContent()).toContain('不是买家所为');
      // and nobody wrote before the deadline
      expect(await desk.locator('[data-testid="finding"][data-code="BUYER_EVIDENCE_MISSED"]').count()).toBe(
        1,
      );
      expect(
        await desk.locator('[data-testid="finding"][data-code="MERCHANT_EVIDENCE_MISSED"]').count(),
      ).toBe(1);
      await phoneShot(desk, 'sealed-case-file');

      await desk.getByTestId('decision-outcome-BUYER').click();
      await textarea(desk, 'decision-rationale').fill(
        '卡密在拆封前已被激活，激活不可能来自买家，商家交付了已被使用的卡密；支持买家，全额退款。',
      );
      await desk.getByTestId('decision-submit').click();
      const final = desk.getByTestId('decision-final');
      await final.waitFor();
      await desk.getByTestId('decision-final-ok').click();
      await final.waitFor({ state: 'detached' });
      await expect.poll(() => disputeState(desk)).toBe('DECIDED');
      expect(await desk.getByTestId('dispute-decision').getAttribute('data-outcome')).toBe('BUYER');

      // ---- 6. the buyer's request ends REFUNDED; the merchant's record lists the violation ----
      await logIn(page, 'buyer');
      await page.goto(`${e2e.base}/refunds/${requestId}`);
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('REFUNDED');
      expect(await page.getByTestId('refund-decision').getAttribute('data-code')).toBe('ARBITRATION_BUYER');
      await phoneShot(page, 'sealed-refunded');
      const record = (
        await e2e.app.inject({ method: 'GET', url: `/api/merchants/${product.merchant.id}/record` })
      ).json<{ violations: (RecordView['violations'][number] & { disputeNo: string })[] }>();
      const violations = record.violations.filter((v) => v.disputeNo === dispute.disputeNo);
      expect(violations.map((v) => v.kind)).toEqual(
        expect.arrayContaining(['ACTIVATED_KEY_DELIVERED', 'UNJUSTIFIED_REFUSAL']),
      );
      const compensation = violations.reduce((s, v) => s + v.depositFen, 0);
      await page.goto(`${e2e.base}/me/wallet`);
      await expect
        .poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen'))
        .toBe(String(balanceAfterPurchase + order.totalFen + compensation));

      await logIn(shop, 'xingchen');
      // (on a phone the header's menu folds into its overflow button: straight to the page)
      await shop.goto(`${e2e.base}/merchant/record`);
      const delivered = shop.locator('[data-testid="record-violation"][data-kind="ACTIVATED_KEY_DELIVERED"]');
      await delivered.first().waitFor();
      expect(await delivered.first().textContent()).toContain('交付已激活或无效的卡密');
      await phoneShot(shop, 'sealed-merchant-record');
    } finally {
      await buyerContext.close();
      await merchantContext.close();
      await staffContext.close();
    }
  }, 120_000);
});
