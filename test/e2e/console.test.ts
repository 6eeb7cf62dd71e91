/**
 * The operator console (part A) in Debian's chromium at desktop width (1280 px), zh-CN: an admin
 * changes a platform rule while another admin changed one meanwhile (the conflict is shown, the
 * latest rules load with the admin's edit kept, and both changes end up stored), imports next
 * year's holiday arrangement and sees it listed, and moves the test clock forward; a merchant's
 * home page shows its pending refund reviews and leads to one.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite, haveChromium, type Session } from './helpers.js';

const e2e = browserSuite({
  label: 'console browser tests',
  tmpPrefix: 'kameng-e2e-console-',
  seedRefunds: true,
});
const { logIn } = e2e;
const DESKTOP = { width: 1280, height: 900 };

type Rules = Record<string, number> & { version: number };

async function api<T>(session: Session, method: 'GET' | 'PATCH', url: string, payload?: unknown): Promise<T> {
  const res = await e2e.app.inject({
    method,
    url,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

describe.skipIf(!haveChromium)('operator console at 1280 px', () => {
  it('rules with a concurrent change, a calendar import, the test clock', async () => {
    const context = await e2e.browser.newContext({ locale: 'zh-CN', viewport: DESKTOP });
    context.setDefaultTimeout(15_000);
    try {
      const page = await context.newPage();
      await logIn(page, 'admin');
      await page.goto(`${e2e.base}/admin`);
      await page.getByTestId('console-home-rules').click();
      await page.waitForURL(/\/admin\/rules$/);
      const form = page.getByTestId('rules-form');
      await form.waitFor();
      const other = await e2e.apiLogin('admin');
      const read = await api<Rules>(other, 'GET', '/api/admin/rules');
      await expect
        .poll(() => page.getByTestId('rules-version').textContent())
        .toContain(String(read.version));

      // another admin saves meanwhile
      await api(other, 'PATCH', '/api/admin/rules', { escalationDays: 9, expectedVersion: read.version });

      const field = page.getByTestId('rule-maxResubmissions');
      await field.fill('4');
      await page.getByTestId('rules-save').click();
      const conflict = page.getByTestId('rules-conflict');
      await expect.poll(() => conflict.textContent()).toContain('其他管理员');
      await page.getByTestId('rules-reload').click();
      await expect
        .poll(() => page.getByTestId('rules-others-changed').textContent())
        .toContain('驳回后申诉期限');
      expect(await field.inputValue()).toBe('4'); // the admin's edit is kept
      expect(await page.getByTestId('rule-escalationDays').inputValue()).toBe('9');
      await page.getByTestId('rules-save').click();
      await expect
        .poll(() => page.getByTestId('rules-version').textContent())
        .toContain(String(read.version + 2));
      const stored = await api<Rules>(other, 'GET', '/api/admin/rules');
      expect(stored).toMatchObject({ maxResubmissions: 4, escalationDays: 9, version: read.version + 2 });

      // the holiday calendar: next year unloaded → warned; import it through the form
      await page.getByTestId('console-nav-calendar').click();
      await page.waitForURL(/\/admin\/calendar$/);
      const years = await api<{ currentYear: number; items: { year: number }[] }>(
        other,
        'GET',
        '/api/admin/calendar/years',
      );
      const next = years.currentYear + 1;
      if (!years.items.some((i) => i.year === next))
        await page.getByTestId(`calendar-warning-${next}`).waitFor();
      const list = page.getByTestId('calendar-years');
      await list.waitFor();
      await page.getByTestId('calendar-year').fill(String(next));
      await page.getByTestId('calendar-source').fill(`国务院办公厅关于${next}年部分节假日安排的通知（测试）`);
      await page.getByTestId('holiday-name-0').fill('元旦');
      await page.getByTestId('holiday-from-0').fill(`${next}-01-01`);
      await page.getByTestId('holiday-to-0').fill(`${next}-01-03`);
      await page.getByTestId('calendar-add-workday').click();
      await page.getByTestId('workday-name-0').fill('元旦调休');
      await page.getByTestId('workday-date-0').fill(`${next}-01-04`);
      await page.getByTestId('calendar-import').click();
      const row = list.locator('tr', { hasText: `国务院办公厅关于${next}年` });
      await expect.poll(() => row.textContent()).toContain('管理员导入');
      expect(await row.locator('td').nth(2).textContent()).toBe('3');
      expect(await row.locator('td').nth(3).textContent()).toBe('1');
      await expect.poll(() => page.getByTestId(`calendar-warning-${next}`).count()).toBe(0);

      // the test clock: two hours forward, after the confirmation
      await page.getByTestId('console-nav-clock').click();
      await page.waitForURL(/\/admin\/clock$/);
      const utc = page.getByTestId('clock-utc');
      await utc.waitFor();
      const before = (await api<{ now: string }>(other, 'GET', '/api/admin/clock')).now;
      await page.getByTestId('clock-hours').fill('2');
      await page.getByTestId('clock-advance').click();
      const dialog = page.getByTestId('clock-confirm-dialog');
      await expect.poll(() => dialog.textContent()).toContain('0 天 2 小时 0 分钟');
      await dialog.getByRole('button', { name: /确\s*定|OK/ }).click();
      const after = async () => (await api<{ now: string }>(other, 'GET', '/api/admin/clock')).now;
      await expect
        .poll(async () => Date.parse(await after()) - Date.parse(before))
        .toBeGreaterThanOrEqual(2 * 3_600_000);
      // the page shows the moved clock (polled: it re-renders after the API has answered)
      const shown = async () => Date.parse(((await utc.textContent()) ?? '').replace(' ', 'T'));
      await expect
        .poll(async () => (await shown()) - Date.parse(before))
        .toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
      // no sideways scrolling at desktop width
      expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(
        true,
      );
    } finally {
      await context.close();
    }
  });

  it("a merchant's home shows its pending reviews, soonest first, each leading to the request", async () => {
    const { ctx } = e2e.app.kameng;
    const pending = await ctx.db
      .selectFrom('refund_requests')
      .innerJoin('merchants', 'merchants.id', 'refund_requests.merchant_id')
      .innerJoin('users', 'users.id', 'merchants.owner_user_id')
      .select(['refund_requests.id', 'users.username'])
      .where('refund_requests.state', '=', 'PENDING_REVIEW')
      .where('refund_requests.reviewer', '=', 'MERCHANT')
      .execute();
    expect(pending.length).toBeGreaterThan(0);
    const username = pending[0].username;
    const context = await e2e.browser.newContext({ locale: 'zh-CN', viewport: DESKTOP });
    context.setDefaultTimeout(15_000);
    try {
      const page = await context.newPage();
      await logIn(page, username);
      await page.goto(`${e2e.base}/merchant/home`);
      const reviews = page.getByTestId('home-reviews');
      const links = reviews.locator('a[data-testid^="home-review-"]');
      await links.first().waitFor();
      const mine = pending.filter((p) => p.username === username).map((p) => `home-review-${p.id}`);
      const shown: string[] = [];
      for (let k = 0; k < (await links.count()); k++)
        shown.push((await links.nth(k).getAttribute('data-testid')) ?? '');
      expect(shown.length).toBe(Math.min(mine.length, 10));
      for (const id of shown) expect(mine).toContain(id);
      expect(await reviews.textContent()).toContain('截止');
      await page.getByTestId('home-sales').waitFor();
      await links.first().click();
      await page.waitForURL(/\/merchant\/refunds\/[^/]+$/);
      await page.goto(`${e2e.base}/merchant/home`);
      await page.getByTestId('home-tokens-link').click();
      await page.waitForURL(/\/merchant\/tokens$/);
      await page.getByTestId('token-form').waitFor();
    } finally {
      await context.close();
    }
  });
});
