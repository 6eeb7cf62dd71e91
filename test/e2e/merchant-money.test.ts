/**
 * Merchant money in Debian's chromium at phone width (375 px), zh-CN: the demo merchant `xingchen`
 * tops up its 保证金 from the payable balance, withdraws to a sandbox bank test account that pays
 * and to one the bank refuses at once, and sees both in its withdrawal list with their states; an
 * admin sees them on the withdrawals page, account numbers masked. The payable balance is credited
 * through the ledger as a settlement would (settlements themselves are tested elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { ensureAccount, postTransaction } from '../../src/modules/payments/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { unitOfWork } from '../../src/platform/unit-of-work.js';
import { browserSuite, haveChromium } from './helpers.js';

const e2e = browserSuite({
  label: 'merchant money browser tests',
  tmpPrefix: 'kameng-e2e-money-',
  sweep: true,
});
const { logIn } = e2e;

const PHONE = { width: 375, height: 812 };

async function creditShop(username: string, fen: number): Promise<void> {
  const { ctx } = e2e.app.kameng;
  const merchant = await ctx.db
    .selectFrom('merchants')
    .innerJoin('users', 'users.id', 'merchants.owner_user_id')
    .select('merchants.id')
    .where('users.username', '=', username)
    .executeTakeFirstOrThrow();
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    const payable = await ensureAccount(trx, 'MERCHANT_PAYABLE', merchant.id, at);
    const from = await ensureAccount(trx, 'GATEWAY_CLEARING', 'e2e-settlements', at);
    await postTransaction(trx, systemActor('e2e'), at, {
      idempotencyKey: `e2e-credit-${merchant.id}`,
      kind: 'SETTLEMENT',
      reference: { type: 'test', id: merchant.id },
      postings: [
        { accountId: from.id, amountFen: -fen },
        { accountId: payable.id, amountFen: fen },
      ],
    });
  });
}

describe.skipIf(!haveChromium)('merchant money at 375 px', () => {
  it('tops up the deposit, withdraws to the sandbox bank (paid, and refused at once), admins see it masked', async () => {
    await creditShop('xingchen', 100_000); // ¥1,000.00
    const context = await e2e.browser.newContext({ locale: 'zh-CN', viewport: PHONE, isMobile: true });
    context.setDefaultTimeout(15_000);
    try {
      const page = await context.newPage();
      await logIn(page, 'xingchen');
      await page.goto(`${e2e.base}/merchant/finance`);
      const withdrawable = page.getByTestId('finance-withdrawable');
      await expect.poll(() => withdrawable.textContent()).toContain('¥1,000.00');
      // The money sections fit the phone's width (no sideways scrolling inside them).
      for (const id of ['finance-withdrawable', 'withdraw-card', 'deposit-topup-card', 'withdrawals-card']) {
        const box = await page.getByTestId(id).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.x + box!.width, id).toBeLessThanOrEqual(PHONE.width);
      }

      // 补缴保证金 ¥100
      const deposit = page.getByTestId('finance-deposit');
      const depositBefore = (await deposit.textContent()) ?? '';
      await page.getByTestId('deposit-topup-amount').fill('100');
      await page.getByTestId('deposit-topup-submit').click();
      await expect.poll(() => withdrawable.textContent()).toContain('¥900.00');
      expect(await deposit.textContent()).not.toBe(depositBefore);

      // 提现 ¥300 to a normal account: leaves the balance at once, paid by the bank within a minute.
      const card = page.getByTestId('withdraw-card');
      await expect.poll(() => card.textContent()).toContain('沙箱银行测试卡号');
      await page.getByTestId('withdraw-amount').fill('300');
      await page.getByTestId('withdraw-account-name').fill('星辰游戏卡铺');
      await page.getByTestId('withdraw-account-no').fill('6222 0212 3456 7890');
      await page.getByTestId('withdraw-submit').click();
      await expect.poll(() => withdrawable.textContent()).toContain('¥600.00');
      const list = page.getByTestId('withdrawals-card');
      await expect.poll(() => list.textContent()).toContain('****7890');
      expect(await list.textContent()).not.toContain('6222021234567890');
      expect(await list.textContent()).toContain('银行处理中');
      await e2e.app.kameng.ctx.testClock!.advance(61_000, systemActor('e2e'));
      await expect.poll(() => list.textContent(), { timeout: 15_000 }).toContain('已到账');

      // A frozen account: the bank refuses at once and the money is back.
      await page.getByTestId('withdraw-amount').fill('200');
      await page.getByTestId('withdraw-account-no').fill('6222020000000000003');
      await page.getByTestId('withdraw-submit').click();
      await expect.poll(() => list.textContent()).toContain('账户已冻结');
      expect(await list.textContent()).toContain('失败，已退回');
      await expect.poll(() => withdrawable.textContent()).toContain('¥600.00');

      // More than is available: the form says so before anything is sent.
      await page.getByTestId('withdraw-amount').fill('600.01');
      await page.getByTestId('withdraw-submit').click();
      await expect.poll(() => card.textContent()).toContain('不能超过 ¥600.00');
      await page.screenshot({ path: 'test-results/merchant-money-375.png', fullPage: true });

      // The admin's withdrawals page.
      const admin = await context.browser()!.newContext({ locale: 'zh-CN' });
      try {
        const adminPage = await admin.newPage();
        await logIn(adminPage, 'admin');
        await adminPage.getByTestId('nav-admin-withdrawals').click();
        await adminPage.waitForURL(/\/admin\/withdrawals$/);
        const table = adminPage.getByTestId('withdrawals-admin');
        await expect.poll(() => table.textContent()).toContain('星辰游戏卡铺');
        expect(await table.textContent()).toContain('****7890');
        expect(await table.textContent()).toContain('****0003');
        expect(await table.textContent()).not.toContain('6222021234567890');
      } finally {
        await admin.close();
      }
    } finally {
      await context.close();
    }
  });
});
