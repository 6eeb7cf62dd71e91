/**
 * The buyer's answers on a refund request, end to end in Debian's chromium (playwright-core, never a
 * downloaded browser), each clicked on the request page:
 * - the merchant asks for material (REQUEST_INFO), the buyer sees 待补充材料 with the note and the
 *   deadline, supplements a note and a screenshot (SUPPLEMENT), and the merchant reviews the new file;
 * - a rejected request is escalated (ESCALATE → DISPUTED, no buyer actions left), one under review is
 *   cancelled (CANCEL), a rejected one accepted (ACCEPT → CLOSED);
 * - a WeChat order paid from a frozen 零钱 (sandbox payer `wx-frozen`): the instant refund of a sealed
 *   key comes back ABNORMAL, and the buyer takes it to the platform balance instead (CHOOSE_BALANCE).
 * Orders and the requests the buyer's answers start from are set up through the API; every step the
 * test is about goes through the pages.
 */
import { createHash } from 'node:crypto';
import { formatDeadline } from '../../web/src/format.js';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import {
  browserSuite,
  confirmUntil,
  haveChromium,
  makePng,
  refundState,
  registerThroughMail,
  textarea,
  type Session,
} from './helpers.js';

const e2e = browserSuite({
  label: 'refund-action browser tests',
  tmpPrefix: 'kameng-e2e-refund-actions-',
  sweep: true,
});
const { logIn, apiLogin, buyOne } = e2e;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

// ---- helpers ----

/** A zh-CN browser context whose waits fail with a message instead of at the test's timeout. */
async function newContext(): Promise<BrowserContext> {
  const context = await e2e.browser.newContext({ locale: 'zh-CN' });
  context.setDefaultTimeout(10_000);
  return context;
}

/** The request page, loaded and showing `state`. */
async function openRequest(page: Page, id: string, state: string, prefix = ''): Promise<void> {
  await page.goto(`${e2e.base}${prefix}/refunds/${encodeURIComponent(id)}`);
  await expect.poll(() => refundState(page).getAttribute('data-state'), { timeout: 10_000 }).toBe(state);
}

/** The test ids of the buttons in the buyer's action card. */
async function buyerActionIds(page: Page): Promise<string[]> {
  const buttons = page.getByTestId('buyer-actions').locator('[data-testid^="refund-action-"]');
  const ids: string[] = [];
  for (let i = 0; i < (await buttons.count()); i++)
    ids.push((await buttons.nth(i).getAttribute('data-testid')) ?? '');
  return ids.sort();
}

async function timelineActions(page: Page): Promise<string[]> {
  const entries = page.getByTestId('refund-timeline-entry');
  const actions: string[] = [];
  for (let i = 0; i < (await entries.count()); i++)
    actions.push((await entries.nth(i).getAttribute('data-action')) ?? '');
  return actions;
}

/** Answers an open Popconfirm (identified by its question) with its OK button. */
async function confirmPopover(page: Page, question: string, ok: string): Promise<void> {
  const pop = page.locator('.ant-popconfirm').filter({ hasText: question });
  await pop.getByRole('button', { name: ok }).click();
}

/** What the request page shows for a deadline (Asia/Shanghai, to the second; midnight as web/src/format.ts). */
const shanghaiTime = (iso: string): string => formatDeadline(iso, 'zh-CN', true);

interface RequestView {
  id: string;
  state: string;
  supplementDueAt: string | null;
}

/** A request for "other" reasons (a person decides, no evidence needed): waits in the merchant's review. */
async function applyOther(session: Session, orderId: string, key: string): Promise<RequestView> {
  const res = await e2e.app.inject({
    method: 'POST',
    url: `/api/orders/${orderId}/refunds`,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'idempotency-key': key },
    payload: { reason: 'OTHER', description: '充值时提示卡密已过期，无法使用。', files: [] },
  });
  expect(res.statusCode).toBe(201);
  const request = res.json<RequestView>();
  expect(request.state).toBe('PENDING_REVIEW');
  return request;
}

async function requestView(session: Session, id: string): Promise<RequestView> {
  const res = await e2e.app.inject({
    method: 'GET',
    url: `/api/refunds/${id}`,
    headers: { cookie: session.cookie },
  });
  expect(res.statusCode).toBe(200);
  return res.json<RequestView>();
}

/** The merchant rejects a request on its review page. */
async function merchantReject(shop: Page, id: string, note: string): Promise<void> {
  await openRequest(shop, id, 'PENDING_REVIEW', '/merchant');
  await shop.getByTestId('review-REJECT').click();
  await shop.getByTestId('reject-code-NOT_MERCHANT_FAULT').click();
  await textarea(shop, 'decision-note').fill(note);
  await shop.getByTestId('decision-modal-submit').click();
  await confirmUntil(shop, /^REJECTED$/);
}

describe.skipIf(!haveChromium)('the buyer answers a refund request in the browser', () => {
  it('the merchant asks for material → the buyer sees the note and the deadline, supplements a screenshot → back in review with the new file', async () => {
    const buyer = await apiLogin('buyer');
    const order = await buyOne(buyer, 'e2e-actions-info');
    const request = await applyOther(buyer, order.id, 'e2e-actions-info-refund');
    const infoNote = '请补充充值失败页面的截图（需能看到卡号后四位和提示信息）。';
    const supplementNote = '已补充充值失败的截图，提示“该卡已过期”。';
    const png = makePng(7);

    const buyerContext = await newContext();
    const merchantContext = await newContext();
    try {
      // ---- 1. the merchant asks for material ----
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      await openRequest(shop, request.id, 'PENDING_REVIEW', '/merchant');
      // nothing from the buyer yet
      await shop.getByTestId('evidence-system').waitFor();
      expect(await shop.getByTestId('evidence-party-BUYER').getByTestId('evidence-file').count()).toBe(0);
      await shop.getByTestId('review-REQUEST_INFO').click();
      // the note is required
      await shop.getByTestId('decision-modal-submit').click();
      await expect
        .poll(() => shop.getByTestId('decision-modal').textContent())
        .toContain('请填写需要补充的材料');
      await textarea(shop, 'decision-note').fill(infoNote);
      await shop.getByTestId('decision-modal-submit').click();
      await expect.poll(() => refundState(shop).getAttribute('data-state')).toBe('AWAITING_BUYER');
      // the merchant now waits: no review buttons
      expect(await shop.getByTestId('review-actions').count()).toBe(0);

      // ---- 2. the buyer sees 待补充材料, the note and the deadline ----
      const page = await buyerContext.newPage();
      await logIn(page, 'buyer');
      await openRequest(page, request.id, 'AWAITING_BUYER');
      expect(await refundState(page).textContent()).toBe('待补充材料');
      expect(await page.getByTestId('refund-info-request').textContent()).toContain(infoNote);
      const { supplementDueAt } = await requestView(buyer, request.id);
      expect(supplementDueAt).not.toBeNull();
      const due = page.getByTestId('deadline-supplementDue');
      expect(await due.getAttribute('data-active')).toBe('true');
      expect(await due.getByTestId('deadline-time').textContent()).toBe(shanghaiTime(supplementDueAt!));
      expect(await due.textContent()).toContain('逾期未补充，申请将关闭');
      expect(await page.getByTestId('actions-countdown').textContent()).toMatch(/剩余|\d\d:\d\d:\d\d/);
      expect(await buyerActionIds(page)).toEqual(['refund-action-CANCEL', 'refund-action-SUPPLEMENT']);
      await page.screenshot({ path: 'test-results/refund-awaiting-buyer.png', fullPage: true });

      // ---- 3. the buyer supplements a note and a screenshot ----
      await page.getByTestId('refund-action-SUPPLEMENT').click();
      const modal = page.getByTestId('supplement-modal');
      await modal.waitFor();
      // the modal repeats what was asked
      expect(await modal.textContent()).toContain(infoNote);
      // a note is required
      await page.getByTestId('supplement-modal-submit').click();
      await expect.poll(() => modal.textContent()).toContain('请填写说明');
      await textarea(page, 'supplement-note').fill(supplementNote);
      await page
        .getByTestId('supplement-upload')
        .locator('input[type=file]')
        .setInputFiles({ name: 'expired-card.png', mimeType: 'image/png', buffer: png });
      await expect
        .poll(() =>
          page
            .getByTestId('supplement-upload')
            .getByTestId('evidence-item')
            .first()
            .getAttribute('data-status'),
        )
        .toBe('done');
      await page.getByTestId('supplement-modal-submit').click();
      await modal.waitFor({ state: 'detached' });

      // back in the merchant's review, with the note in the description and the file as evidence
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');
      expect(await page.getByTestId('refund-info-request').count()).toBe(0);
      expect(await page.getByTestId('refund-description-text').textContent()).toContain(
        `【补充】${supplementNote}`,
      );
      expect(await page.getByTestId('deadline-reviewDue').getAttribute('data-active')).toBe('true');
      // the review deadline runs again (the buyer may still cancel)
      expect(await page.getByTestId('actions-countdown').textContent()).toMatch(/\d\d:\d\d:\d\d/);
      expect(await buyerActionIds(page)).toEqual(['refund-action-CANCEL']);
      const mine = page.getByTestId('evidence-party-BUYER').getByTestId('evidence-file');
      await expect.poll(() => mine.count()).toBe(1);
      expect(await mine.first().getAttribute('data-sha256')).toBe(sha256(png));
      await expect
        .poll(() => timelineActions(page))
        .toEqual(
          expect.arrayContaining(['refund.submitted', 'refund.awaiting_buyer', 'refund.pending_review']),
        );
      expect(await page.getByTestId('refund-timeline').textContent()).toContain(supplementNote);

      // ---- 4. the merchant sees the new file and can decide again ----
      await shop.reload();
      await expect.poll(() => refundState(shop).getAttribute('data-state')).toBe('PENDING_REVIEW');
      const file = shop.getByTestId('evidence-party-BUYER').getByTestId('evidence-file');
      await expect.poll(() => file.count()).toBe(1);
      expect(await file.first().getAttribute('data-sha256')).toBe(sha256(png));
      expect(await file.first().textContent()).toContain('expired-card.png');
      const thumb = file.first().locator('img').first();
      await thumb.waitFor();
      const served = await merchantContext.request.get(
        new URL((await thumb.getAttribute('src')) ?? '', e2e.base).toString(),
      );
      expect(served.status()).toBe(200);
      expect(Buffer.from(await served.body()).equals(png)).toBe(true);
      expect(await shop.getByTestId('refund-description-text').textContent()).toContain(supplementNote);
      await shop.getByTestId('review-APPROVE').waitFor();
      await shop.screenshot({ path: 'test-results/refund-supplemented-merchant.png', fullPage: true });
    } finally {
      await buyerContext.close();
      await merchantContext.close();
    }
  }, 60_000);

  it('a rejected request is escalated to arbitration; one under review is cancelled; a rejection is accepted', async () => {
    const buyer = await apiLogin('vipbuyer');
    const escalated = await applyOther(
      buyer,
      (await buyOne(buyer, 'e2e-actions-esc')).id,
      'e2e-actions-esc-r',
    );
    const cancelled = await applyOther(
      buyer,
      (await buyOne(buyer, 'e2e-actions-can')).id,
      'e2e-actions-can-r',
    );
    const accepted = await applyOther(
      buyer,
      (await buyOne(buyer, 'e2e-actions-acc')).id,
      'e2e-actions-acc-r',
    );

    const buyerContext = await newContext();
    const merchantContext = await newContext();
    try {
      const shop = await merchantContext.newPage();
      await logIn(shop, 'xingchen');
      await merchantReject(shop, escalated.id, '截图不足以证明卡密过期');
      await merchantReject(shop, accepted.id, '未提供任何充值失败的证明');

      const page = await buyerContext.newPage();
      await logIn(page, 'vipbuyer');

      // ---- ESCALATE: 平台仲裁中, and nothing left for the buyer to do ----
      await openRequest(page, escalated.id, 'REJECTED');
      expect(await buyerActionIds(page)).toEqual([
        'refund-action-ACCEPT',
        'refund-action-ESCALATE',
        'refund-action-RESUBMIT',
      ]);
      expect(await page.getByTestId('deadline-escalationDue').getAttribute('data-active')).toBe('true');
      await page.getByTestId('refund-action-ESCALATE').click();
      const modal = page.getByTestId('escalate-modal');
      await modal.waitFor();
      expect(await modal.textContent()).toContain('平台仲裁员');
      await textarea(page, 'escalate-note').fill('卡密确实已过期，商家不认可，请平台裁决。');
      await page.getByTestId('escalate-modal-submit').click();
      await modal.waitFor({ state: 'detached' });
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('DISPUTED');
      expect(await refundState(page).textContent()).toContain('仲裁中');
      expect(await page.getByTestId('buyer-actions').count()).toBe(0);
      expect(await page.getByTestId('refund-actions').count()).toBe(0);
      expect(await page.getByTestId('deadline-escalationDue').getAttribute('data-active')).toBe('false');
      await expect.poll(() => timelineActions(page)).toContain('refund.disputed');
      expect(await page.getByTestId('refund-timeline').textContent()).toContain('请平台裁决');
      // still so after a reload (the server's answer, not the page's cache)
      await page.reload();
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('DISPUTED');
      expect(await page.getByTestId('buyer-actions').count()).toBe(0);
      await page.screenshot({ path: 'test-results/refund-disputed.png', fullPage: true });
      // the merchant sees the dispute and can no longer decide
      await openRequest(shop, escalated.id, 'DISPUTED', '/merchant');
      expect(await shop.getByTestId('review-actions').count()).toBe(0);

      // ---- CANCEL while the merchant is still reviewing ----
      await openRequest(page, cancelled.id, 'PENDING_REVIEW');
      expect(await buyerActionIds(page)).toEqual(['refund-action-CANCEL']);
      await page.getByTestId('refund-action-CANCEL').click();
      // the Popconfirm's 返回 keeps the request
      const cancelConfirm = page.locator('.ant-popconfirm').filter({ hasText: '确定撤销' });
      await cancelConfirm.getByRole('button', { name: '返回' }).click();
      await cancelConfirm.waitFor({ state: 'hidden' });
      expect(await refundState(page).getAttribute('data-state')).toBe('PENDING_REVIEW');
      await page.getByTestId('refund-action-CANCEL').click();
      await confirmPopover(page, '确定撤销这条售后申请', '撤销申请');
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('CANCELLED');
      expect(await refundState(page).textContent()).toBe('已撤销');
      expect(await page.getByTestId('buyer-actions').count()).toBe(0);
      await expect.poll(() => timelineActions(page)).toContain('refund.cancelled');

      // ---- ACCEPT a rejection: closed ----
      await openRequest(page, accepted.id, 'REJECTED');
      expect(await page.getByTestId('refund-decision').textContent()).toContain('未提供任何充值失败的证明');
      await page.getByTestId('refund-action-ACCEPT').click();
      await confirmPopover(page, '确定接受拒绝结果', '接受结果');
      await expect.poll(() => refundState(page).getAttribute('data-state')).toBe('CLOSED');
      expect(await refundState(page).textContent()).toBe('已关闭');
      expect(await page.getByTestId('buyer-actions').count()).toBe(0);
      expect(await page.getByTestId('deadline-escalationDue').getAttribute('data-active')).toBe('false');
      await expect.poll(() => timelineActions(page)).toContain('refund.closed');

      // ---- the buyer's list shows all three as they ended ----
      await page.getByTestId('nav-my-refunds').click();
      await page.waitForURL(/\/me\/refunds$/);
      const stateOf = (id: string) =>
        page
          .getByTestId('my-refunds')
          .locator('tr', { has: page.locator(`[data-testid="refund-link"][data-request-id="${id}"]`) })
          .getByTestId('refund-state')
          .getAttribute('data-state');
      await expect.poll(() => stateOf(escalated.id)).toBe('DISPUTED');
      expect(await stateOf(cancelled.id)).toBe('CANCELLED');
      expect(await stateOf(accepted.id)).toBe('CLOSED');
    } finally {
      await buyerContext.close();
      await merchantContext.close();
    }
  }, 60_000);

  it('WeChat paid from a frozen 零钱: the instant refund comes back ABNORMAL, the buyer takes it to the balance', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      // a new buyer: an empty wallet and one order
      await registerThroughMail(page, e2e.base, { username: 'e2e_frozen', password: 'e2e-password-3' });
      await page.getByTestId('nav-wallet').click();
      await expect.poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen')).toBe('0');

      // ---- 1. buy one sealed key with WeChat Pay; the payer's 零钱 is frozen ----
      await page.goto(`${e2e.base}/products`);
      await page.getByText('网易一卡通 50元').first().click();
      await page.waitForURL(/\/products\/[0-9a-f-]+$/);
      await page.getByTestId('buy-now').click();
      await page.waitForURL(/\/checkout\/[0-9a-f-]+\?qty=1$/);
      await page.getByTestId('checkout-method-WECHAT').click();
      await page.getByTestId('checkout-confirm').click();
      await page.getByTestId('checkout-submit').click();
      await page.waitForURL(/\/sandbox\/pay\/[0-9a-f-]+$/);
      await expect.poll(() => page.getByTestId('cashier-brand').textContent()).toContain('微信支付');
      const payer = page.locator('[data-testid="cashier-payer"][data-payer-id="wx-frozen"]');
      expect(await payer.textContent()).toContain('微信零钱已冻结');
      await payer.click();
      expect(await page.getByTestId('cashier-payer-wx-frozen').isChecked()).toBe(true);
      await page.getByTestId('cashier-pay').click();
      await page.getByTestId('cashier-success').waitFor();
      await page.getByTestId('cashier-back-orders').click();
      await page.waitForURL(/\/me\/orders$/);
      await page.getByTestId('order-link').first().click();
      await page.waitForURL(/\/me\/orders\/[0-9a-f-]+$/);
      // delivered once the (asynchronous) payment notification is in
      const header = page.getByTestId('order-header');
      await expect
        .poll(() => header.getByTestId('order-state').first().getAttribute('data-state'), { timeout: 15_000 })
        .toBe('DELIVERED');
      const totalFen = Number(await header.getByTestId('order-total').getAttribute('data-fen'));
      expect(totalFen).toBe(4920);
      const units = page.getByTestId('order-units');
      await expect
        .poll(() => units.locator('[data-testid="key-state"][data-state="SEALED"]').count())
        .toBe(1);

      // ---- 2. bought by mistake: a sealed key is refunded at once, back to WeChat ----
      await page.getByTestId('order-after-sales').click();
      const form = page.getByTestId('refund-apply-form');
      await form.waitFor();
      await expect.poll(() => form.getByTestId('refund-unit').count()).toBe(1);
      await page.getByTestId('refund-reason-MISTAKEN_PURCHASE').click();
      await expect.poll(() => page.getByTestId('refund-precheck').getAttribute('data-status')).toBe('ALL');
      expect(await page.getByTestId('refund-precheck').getAttribute('data-auto')).toBe('true');
      await page.getByTestId('refund-submit').click();
      await page.waitForURL(/\/refunds\/[^/]+$/);
      const requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('REFUNDING');
      expect(await page.getByTestId('refund-decision').getAttribute('data-code')).toBe(
        'AUTO_SEALED_ELIGIBLE',
      );
      const payouts = page.getByTestId('refund-payouts');
      await expect
        .poll(() => payouts.getByTestId('payout-state').first().getAttribute('data-state'))
        .toBe('PROCESSING');
      expect(await payouts.textContent()).toContain('微信零钱');

      // ---- 3. a minute later WeChat answers: the 零钱 is frozen, the refund is ABNORMAL ----
      await e2e.booted.testClock!.advance(2 * 60_000, systemActor('e2e'));
      // the page polls while money is on its way
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 20_000 })
        .toBe('REFUND_ABNORMAL');
      expect(await refundState(page).textContent()).toBe('退款异常');
      await expect
        .poll(() => payouts.getByTestId('payout-state').first().getAttribute('data-state'))
        .toBe('ABNORMAL');
      expect(await buyerActionIds(page)).toEqual(['refund-action-CHOOSE_BALANCE']);
      const toBalance = page.getByTestId('refund-action-CHOOSE_BALANCE');
      expect(await toBalance.textContent()).toContain('退到平台余额');
      await page.screenshot({ path: 'test-results/refund-abnormal.png', fullPage: true });

      // ---- 4. the buyer takes the balance instead ----
      await toBalance.click();
      await confirmPopover(page, '原路退款失败', '改退到平台余额');
      await expect
        .poll(() => refundState(page).getAttribute('data-state'), { timeout: 15_000 })
        .toBe('REFUNDED');
      expect(await page.getByTestId('buyer-actions').count()).toBe(0);
      // two payouts: the WeChat one closed, the balance one done
      await expect.poll(() => payouts.getByTestId('payout-state').count()).toBe(2);
      const payoutStates: string[] = [];
      for (let i = 0; i < 2; i++)
        payoutStates.push(
          (await payouts.getByTestId('payout-state').nth(i).getAttribute('data-state')) ?? '',
        );
      expect(payoutStates.sort()).toEqual(['CLOSED', 'SUCCESS']);
      await expect
        .poll(() => timelineActions(page))
        .toEqual(
          expect.arrayContaining([
            'refund.approved',
            'refund.refunding',
            'refund.refund_abnormal',
            'refund.rerouted_to_balance',
            'refund.refunded',
          ]),
        );
      expect(new URL(page.url()).pathname).toBe(`/refunds/${requestId}`);
      await page.screenshot({ path: 'test-results/refund-rerouted.png', fullPage: true });

      // ---- 5. the money is in the wallet ----
      await page.getByTestId('nav-wallet').click();
      await page.waitForURL(/\/me\/wallet$/);
      await expect
        .poll(() => page.getByTestId('wallet-balance').getAttribute('data-fen'))
        .toBe(String(totalFen));
    } finally {
      await context.close();
    }
  }, 90_000); // registering includes the confirmation mail (ADR 0009)
});
