/**
 * What the browser tests share: the built app on a fresh data directory with the demo seeded,
 * Debian's chromium through playwright-core (never a downloaded browser), logging in through the
 * page or the API, a demo purchase, small PNG "screenshots" and the refund page's waits.
 *
 * Not a test file: vitest's e2e project includes only the files named `*.test.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { boot, type Booted } from '../../src/boot.js';
import { loadConfig } from '../../src/platform/config.js';
import { seedDemoOrders, seedDemoRefunds } from '../../src/modules/demo/refunds.js';
import { DEMO_PASSWORD, seedDemo, seedDemoKeys } from '../../src/modules/demo/seed.js';
import {
  recordHarnessEnd,
  recordRequestSecrets,
  recordResponse,
  recordSecret,
  recordSeen,
  recordTokensIn,
  scanning,
} from '../helpers/secret-record.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
const webDir = path.resolve('dist/web');

export interface Session {
  cookie: string;
  csrfToken: string;
}

export interface Bought {
  id: string;
  state: string;
  totalFen: number;
}

export interface BrowserSuite {
  /** The app, its boot and the browser: set by the suite's beforeAll. */
  readonly app: FastifyInstance;
  readonly booted: Booted;
  readonly browser: Browser;
  /** The app's address, e.g. http://127.0.0.1:41234 */
  readonly base: string;
  /** Fills and submits the login page, without waiting for the outcome. */
  submitLogin: (page: Page, username: string, password: string) => Promise<void>;
  /** Logs a demo account in through the login page and waits until it is in (desktop or phone). */
  logIn: (page: Page, username: string) => Promise<void>;
  /** Logs a demo account in through the API. */
  apiLogin: (username: string) => Promise<Session>;
  /** One 网易一卡通 50元 (xingchen, 24-hour review commitment) paid from the balance. */
  buyOne: (session: Session, idempotencyKey: string) => Promise<Bought>;
  balanceOf: (session: Session) => Promise<number>;
}

export interface BrowserSuiteOptions {
  /** How the skip notice names these tests, e.g. 'after-sales browser tests'. */
  label: string;
  /** The prefix of the fresh data directory under the system's temp directory. */
  tmpPrefix: string;
  /** Seed what `npm start` seeds besides the demo: its refund requests (with a chat log). */
  seedRefunds?: boolean;
  /** Sweep every 300 ms, as server.ts does every KAMENG_SWEEP_INTERVAL_MS. */
  sweep?: boolean;
}

/**
 * Every context the browser opens (browser.newPage opens one too) reports the Content Security
 * Policy violations its pages log — chromium logs each one as a console error "Refused to …
 * because it violates the following Content Security Policy directive" — into `violations`.
 */
function watchCsp(browser: Browser, violations: string[]): Browser {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
    const context = await newContext(...args);
    context.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text()))
        violations.push(`${msg.page()?.url() ?? '?'}: ${msg.text()}`);
    });
    return context;
  };
  return browser;
}

/**
 * The secret scan's view of what the browser was served (test/helpers/secret-record.ts): JSON
 * bodies before they are serialized (and compressed), other string bodies as sent, and the
 * secrets requests carried (passwords, bearer tokens, the session cookie set).
 */
export function recordServed(app: FastifyInstance): void {
  const where = (req: FastifyRequest, reply: FastifyReply) => `${req.method} ${req.url} ${reply.statusCode}`;
  const serialized = new WeakSet<FastifyRequest>();
  app.addHook('preSerialization', async (req, reply, payload: unknown) => {
    serialized.add(req);
    const text = JSON.stringify(payload) ?? '';
    recordTokensIn(text);
    recordSeen('response', where(req, reply), text);
    return payload;
  });
  app.addHook('onSend', async (req, reply, payload: unknown) => {
    recordRequestSecrets(req.body);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (bearer) recordSecret('api-token', bearer[1]);
    const cookies = reply.getHeader('set-cookie');
    for (const c of Array.isArray(cookies) ? cookies : [String(cookies ?? '')]) {
      const sid = /^kameng_sid=([^;]+)/.exec(c);
      if (sid) recordSecret('session', sid[1]);
    }
    const headers = reply.getHeaders() as Record<string, string | string[] | number | undefined>;
    if (serialized.has(req)) recordResponse(`${where(req, reply)} sent`, headers, Buffer.alloc(0));
    else if (typeof payload === 'string' || Buffer.isBuffer(payload))
      recordResponse(where(req, reply), headers, Buffer.from(payload));
    return payload;
  });
}

/**
 * Starts the app and chromium before the file's tests and stops them after (registers the file's
 * beforeAll and afterAll). Without chromium the tests are to be skipped (`describe.skipIf(!haveChromium)`)
 * with a notice, except on CI, where that is an error.
 */
export function browserSuite(options: BrowserSuiteOptions): BrowserSuite {
  if (!haveChromium && process.env.CI)
    throw new Error(`browser tests need ${CHROMIUM} (apt-get install chromium)`);
  if (!haveChromium)
    process.stderr.write(
      `\n!! SKIPPING ${options.label}: ${CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)\n\n`,
    );

  let app: FastifyInstance;
  let booted: Booted;
  let browser: Browser;
  let base: string;
  let dataDir: string;
  let sweeper: NodeJS.Timeout | undefined;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) return;
    if (!existsSync(path.join(webDir, 'index.html'))) {
      execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { stdio: 'inherit' });
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), options.tmpPrefix));
    const config = loadConfig({ NODE_ENV: 'test', KAMENG_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    booted = await boot(config);
    recordSecret('password', DEMO_PASSWORD);
    await seedDemo(booted);
    await seedDemoKeys(booted);
    app = await buildApp({
      config,
      handle: booted.handle,
      clock: booted.clock,
      vault: booted.vault,
      testClock: booted.testClock,
      // Silent, unless the secret scan records what the app logs.
      logger: scanning ? { stream: { write: (line: string) => recordSeen('log', 'e2e log', line) } } : false,
      webDir,
    });
    if (scanning) recordServed(app);
    await seedDemoOrders(app.kameng.ctx);
    if (options.seedRefunds) await seedDemoRefunds(app.kameng.ctx);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    if (options.sweep) {
      // What server.ts does every KAMENG_SWEEP_INTERVAL_MS: fire deadlines, let the sandbox gateways
      // finish refunds and deliver their (asynchronous) notifications. Fast here, so tests only poll.
      let sweeping = false;
      sweeper = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        void app.kameng
          .sweep()
          .catch((err: unknown) => process.stderr.write(`sweep failed: ${String(err)}\n`))
          .finally(() => (sweeping = false));
      }, 300);
    }
    browser = watchCsp(
      await chromium.launch({
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
      }),
      cspViolations,
    );
  });

  // Any Content-Security-Policy violation on any page of the test fails the test.
  afterEach(() => {
    const seen = cspViolations.splice(0);
    expect(seen, 'CSP violations in the browser console').toEqual([]);
  });

  afterAll(async () => {
    if (sweeper) clearInterval(sweeper);
    await browser?.close();
    await app?.close();
    if (booted) await recordHarnessEnd(booted.handle.db, booted.vault, dataDir, 'e2e');
    await booted?.handle.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const submitLogin = async (page: Page, username: string, password: string): Promise<void> => {
    await page.goto(`${base}/login`);
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.getByTestId('login-submit').click();
  };

  return {
    get app() {
      return app;
    },
    get booted() {
      return booted;
    },
    get browser() {
      return browser;
    },
    get base() {
      return base;
    },
    submitLogin,

    logIn: async (page, username) => {
      await submitLogin(page, username, DEMO_PASSWORD);
      // the name in the desktop header, or on a phone the menu button saying who is logged in
      await page
        .locator(
          `[data-testid="current-user"]:visible, [data-testid="nav-menu-button"][data-user="${username}"]`,
        )
        .first()
        .waitFor();
    },

    apiLogin: async (username) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username, password: DEMO_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      return {
        cookie: res.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        csrfToken: res.json<{ csrfToken: string }>().csrfToken,
      };
    },

    buyOne: async (session, idempotencyKey) => {
      const products = await app.inject({
        method: 'GET',
        url: '/api/products',
        headers: { cookie: session.cookie },
      });
      const product = products
        .json<{
          items: {
            id: string;
            name: string;
            faceValueFen: number;
            validityDays: number | null;
            policy: { version: number };
            viewerPrice: { priceFen: number };
          }[];
        }>()
        .items.find((p) => p.name === '网易一卡通 50元');
      if (!product) throw new Error('demo product missing');
      const checkout = await app.inject({
        method: 'POST',
        url: '/api/orders',
        headers: {
          cookie: session.cookie,
          'x-csrf-token': session.csrfToken,
          'idempotency-key': idempotencyKey,
        },
        payload: {
          productId: product.id,
          quantity: 1,
          paymentMethod: 'BALANCE',
          policyVersion: product.policy.version,
          policyConfirmed: true,
          faceValueFen: product.faceValueFen,
          validityDays: product.validityDays,
          unitPriceFen: product.viewerPrice.priceFen,
        },
      });
      expect(checkout.statusCode).toBe(201);
      const order = checkout.json<Bought>();
      expect(order.state).toBe('DELIVERED');
      return order;
    },

    balanceOf: async (session) => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/me/wallet',
        headers: { cookie: session.cookie },
      });
      return res.json<{ balanceFen: number }>().balanceFen;
    },
  };
}

// ---- the pages ----

/** An antd TextArea by its test id (the id lands on the textarea or on its show-count wrapper). */
export const textarea = (page: Page, testId: string): Locator =>
  page.locator(`textarea[data-testid="${testId}"], [data-testid="${testId}"] textarea`).first();

/** The state tag in a refund request page's header. */
export const refundState = (page: Page): Locator =>
  page.getByTestId('refund-header').getByTestId('refund-state');

/** Clicks the "records contradict" / large-refund confirmation if it shows, until the state is reached. */
export async function confirmUntil(page: Page, state: RegExp): Promise<void> {
  await expect
    .poll(
      async () => {
        const error = page.getByTestId('decision-modal-error');
        if (await error.isVisible()) return `error: ${(await error.textContent()) ?? ''}`;
        const ok = page.getByTestId('decision-confirm-ok');
        if (await ok.isVisible()) await ok.click();
        return (await refundState(page).getAttribute('data-state')) ?? '';
      },
      { timeout: 15_000 },
    )
    .toMatch(state);
}

/**
 * The reviewer rejects with a code and a note from the request page, confirming a warning if the
 * records contradict it; waits until each input has taken before submitting (a busy machine can
 * drop a click made while the modal is still opening).
 */
export async function rejectAs(page: Page, code: string, note: string): Promise<void> {
  await page.getByTestId('review-REJECT').click();
  const radio = page.getByTestId(`reject-code-${code}`);
  await expect
    .poll(async () => {
      if (!(await radio.isChecked())) await radio.click();
      return radio.isChecked();
    })
    .toBe(true);
  const text = textarea(page, 'decision-note');
  await text.fill(note);
  await expect.poll(() => text.inputValue()).toBe(note);
  await page.getByTestId('decision-modal-submit').click();
  await confirmUntil(page, /^REJECTED$/);
}

// ---- small valid PNGs, made here (RGB, 8 bits, no filter) ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

type Rgb = readonly [number, number, number];

/** A `width`×`height` checkerboard of `cell`-pixel squares, `on` and `off` coloured. */
export function checkerboardPng(width: number, height: number, cell: number, on: Rgb, off: Rgb): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const colour = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? on : off;
      const i = row + 1 + x * 3;
      raw[i] = colour[0];
      raw[i + 1] = colour[1];
      raw[i + 2] = colour[2];
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 64×48 checkerboard "screenshot" whose colours depend on `seed`. */
export const makePng = (seed: number, width = 64, height = 48): Buffer =>
  checkerboardPng(
    width,
    height,
    8,
    [(seed * 70) % 256, (seed * 130 + 40) % 256, 30],
    [255, 250, (seed * 50) % 256],
  );

/**
 * Registers a new buyer the way a person does (ADR 0009): the form, then the confirmation mail in
 * the sandbox mailbox, its link, and the button that creates the account. Ends logged in on /products.
 */
export async function registerThroughMail(
  page: Page,
  base: string,
  input: { username: string; password: string; displayName?: string; email?: string },
): Promise<void> {
  const email = input.email ?? `${input.username}@example.com`;
  await page.goto(`${base}/register`);
  await page.locator('#username').fill(input.username);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(input.password);
  await page.locator('#confirm').fill(input.password);
  if (input.displayName) await page.locator('#displayName').fill(input.displayName);
  await page.getByTestId('register-submit').click();
  await page.getByTestId('sandbox-mailbox-link').locator('a').click();
  await page.waitForURL(/\/sandbox\/mail\?to=/);
  await page.getByTestId('mail-link').filter({ hasText: '/register/confirm' }).first().click();
  await page.waitForURL(/\/register\/confirm\?token=/);
  await page.getByTestId('confirm-submit').click();
  await page.waitForURL(/\/products$/);
}

// ---- phones ----

/** A phone as most 卡盟 buyers arrive: 375 × 812, touch, inside WeChat's browser. */
export const PHONE = {
  viewport: { width: 375, height: 812 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
    'Mobile/15E148 MicroMessenger/8.0.50(0x1800322e) NetType/WIFI Language/zh_CN',
  locale: 'zh-CN',
} as const;

/**
 * The page does not scroll sideways: `document.documentElement.scrollWidth <= window.innerWidth`,
 * measured after the next two frames (the layout has settled). A phone browser widens its layout
 * viewport (zooming out) to fit content that is too wide, so the width is also held to the
 * emulated screen's. On failure the message names the elements sticking out past the right edge,
 * widest first.
 */
export async function expectNoHorizontalOverflow(page: Page, label = page.url()): Promise<void> {
  const screen = page.viewportSize()?.width ?? 100_000;
  // a string, not a function: this file is type-checked without the DOM's types
  const m = await page.evaluate<{ scrollWidth: number; innerWidth: number; culprits: string[] }>(`
    new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
      const innerWidth = Math.min(window.innerWidth, ${screen});
      const culprits = [...document.querySelectorAll('body *')]
        .map((el) => ({ el, right: el.getBoundingClientRect().right }))
        .filter(({ el, right }) => right > innerWidth + 0.5 && el.getClientRects().length > 0)
        .sort((a, b) => b.right - a.right)
        .slice(0, 5)
        .map(({ el, right }) => {
          const id = el.getAttribute('data-testid');
          const cls = typeof el.className === 'string' ? el.className.split(' ').slice(0, 2).join('.') : '';
          return el.tagName.toLowerCase() + (id ? '[data-testid=' + id + ']' : '') + (cls ? '.' + cls : '') +
            ' → ' + Math.round(right) + 'px';
        });
      resolve({ scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits });
    })))
  `);
  expect(
    m.scrollWidth,
    `${label} scrolls sideways (${m.scrollWidth} > ${m.innerWidth}): ${m.culprits.join(', ')}`,
  ).toBeLessThanOrEqual(m.innerWidth);
}
