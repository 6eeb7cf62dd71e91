/**
 * End to end in Debian's chromium (playwright-core, never a downloaded browser): register, log in,
 * open a product and see its refund-policy badges in Chinese.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { boot, type Booted } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import { DEMO_PASSWORD, seedDemo, seedDemoKeys } from '../../src/modules/demo/seed.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const webDir = path.resolve('dist/web');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI)
  throw new Error(`browser tests need ${CHROMIUM} (apt-get install chromium)`);
if (!haveChromium)
  process.stderr.write(
    `\n!! SKIPPING browser tests: ${CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)\n\n`,
  );

let app: FastifyInstance;
let booted: Booted;
let browser: Browser;
let base: string;
let dataDir: string;

beforeAll(async () => {
  if (!haveChromium) return;
  if (!existsSync(path.join(webDir, 'index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { stdio: 'inherit' });
  }
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-e2e-'));
  const config = loadConfig({ NODE_ENV: 'test', KAMENG_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  booted = await boot(config);
  await seedDemo(booted);
  await seedDemoKeys(booted);
  app = await buildApp({
    config,
    handle: booted.handle,
    clock: booted.clock,
    vault: booted.vault,
    testClock: booted.testClock,
    logger: false,
    webDir,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await booted?.handle.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function openProductByName(page: Page, name: string): Promise<void> {
  await page.goto(`${base}/products`);
  await page.getByText(name).first().click();
  await page.waitForURL(/\/products\/[0-9a-f-]+$/);
}

describe.skipIf(!haveChromium)('browser', () => {
  it('a new buyer registers, logs in again and sees the policy badges of a product in Chinese', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}/register`);
    await page.locator('#username').fill('e2e_buyer');
    await page.locator('#password').fill('e2e-password-1');
    await page.locator('#displayName').fill('端到端买家');
    await page.getByTestId('register-submit').click();
    await page.waitForURL(/\/products$/);
    await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('端到端买家');

    await page.getByTestId('logout').click();
    await logIn(page, 'e2e_buyer', 'wrong-password');
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
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await logIn(page, 'chaohui', DEMO_PASSWORD);
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
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await logIn(page, 'xingchen', DEMO_PASSWORD);
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
    const anon = await browser.newPage();
    await openProductByName(anon, '端到端测试月卡');
    await expect.poll(() => anon.getByTestId('policy-badges').textContent()).toContain('48小时内可退');
    expect(await anon.getByTestId('viewer-price').textContent()).toContain('¥29.50');
    await anon.close();
    await context.close();
  });

  it('a merchant imports a key file and sees the batch report and stock', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await logIn(page, 'xingchen', DEMO_PASSWORD);
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
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await logIn(page, 'chaohui', DEMO_PASSWORD);
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
});
