/**
 * `npm run bench:web`: Lighthouse (npm `lighthouse`, pinned 12.8.2: the last major that runs on
 * Node 20) with Debian's chromium, mobile preset (Lighthouse's default config: a Moto G Power
 * viewport and simulated slow-4G throttling), on three buyer pages of the real server:
 * the home page `/`, a product page and an order-detail page (a demo buyer logged in through the
 * API; its session cookie goes to Lighthouse as an extra header).
 *
 * The server is `node dist/server/server.js`, as `npm start` runs it (demo seeded, sandbox on) on a
 * fresh temporary data directory and a free port. It builds first when dist/ is missing or when
 * BENCH_BUILD=1. Each page is measured BENCH_RUNS times (default 3); the median run (by
 * performance score) gives the figures. Results: bench/results/web-<date>.json and .md, and a
 * table on stdout. BENCH_LABEL names the run in the files (e.g. "before").
 *
 * Targets (Stage 8): performance ≥ 90, accessibility ≥ 95.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { DEMO_PASSWORD } from '../src/modules/demo/seed.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LABEL = process.env.BENCH_LABEL ?? 'current';
const BUYER = 'chaohui'; // the demo buyer whose orders the demo seeds
const TARGETS = { performance: 90, accessibility: 95 };

interface Figures {
  performance: number;
  accessibility: number;
  bestPractices: number;
  /** Milliseconds (simulated mobile throttling). */
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** Bytes over the wire for the whole page load. */
  transferBytes: number;
  requests: number;
  /**
   * Lighthouse's CPU benchmark of this machine during the run (higher is faster; a typical
   * desktop scores 1000–2000). Simulated throttling scales what it observes, so a busy machine
   * lowers the performance score.
   */
  benchmarkIndex: number;
}

interface PageResult extends Figures {
  page: string;
  path: string;
  runs: Figures[];
  /** What Lighthouse flagged (score < 0.9) in the median run, for the follow-up. */
  flagged: string[];
  /** The elements behind each accessibility finding of the median run. */
  a11yIssues: string[];
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  // SQLite in the fresh directory, whatever DATABASE_URL the shell has.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['dist/server/server.js'], {
    env: {
      ...env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      KAMENG_DATA_DIR: dataDir,
      KAMENG_DEMO: 'on',
      KAMENG_SANDBOX_GATEWAYS: 'on',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`server did not start:\n${out}`);
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: BUYER, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

async function json<T>(url: string, cookie?: string): Promise<T> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function measure(
  url: string,
  port: number,
  cookie: string | undefined,
): Promise<{ figures: Figures; flagged: string[]; a11yNodes: string[] }> {
  const result = await lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
    ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
  });
  if (!result) throw new Error(`lighthouse returned nothing for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const score = (id: string): number => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const num = (id: string): number => lhr.audits[id]?.numericValue ?? NaN;
  const requests = lhr.audits['network-requests']?.details as { items?: unknown[] } | undefined;
  const flagged = Object.values(lhr.categories).flatMap((cat) =>
    cat.auditRefs
      .filter((ref) => ref.weight > 0 || cat.id === 'performance')
      .map((ref) => lhr.audits[ref.id])
      .filter(
        (a): a is NonNullable<typeof a> =>
          a !== undefined && a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative',
      )
      .map((a) => `${cat.id}/${a.id}${a.displayValue ? ` (${a.displayValue})` : ''}`),
  );
  // Where the accessibility findings are (the elements' selectors), to fix them.
  const a11yNodes = (lhr.categories.accessibility?.auditRefs ?? [])
    .map((ref) => lhr.audits[ref.id])
    .filter((a): a is NonNullable<typeof a> => a !== undefined && a.score !== null && a.score < 1)
    .flatMap((a) => {
      const details = a.details as { items?: unknown[] } | undefined;
      return (details?.items ?? []).map((item) => {
        const node = (item as { node?: { selector?: string; snippet?: string; explanation?: string } }).node;
        return `${a.id}: ${node?.selector ?? '?'} ${node?.snippet ?? ''} ${node?.explanation?.split('\n')[0] ?? ''}`.trim();
      });
    });
  return {
    a11yNodes,
    figures: {
      performance: score('performance'),
      accessibility: score('accessibility'),
      bestPractices: score('best-practices'),
      fcpMs: Math.round(num('first-contentful-paint')),
      lcpMs: Math.round(num('largest-contentful-paint')),
      tbtMs: Math.round(num('total-blocking-time')),
      cls: Math.round(num('cumulative-layout-shift') * 1000) / 1000,
      transferBytes: Math.round(num('total-byte-weight')),
      requests: requests?.items?.length ?? 0,
      benchmarkIndex: Math.round(lhr.environment.benchmarkIndex),
    },
    flagged: [...new Set(flagged)],
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function table(results: PageResult[]): string {
  const rows = [
    '| page | perf | a11y | best practices | FCP | LCP | TBT | CLS | transferred | requests | CPU index |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.page} (\`${r.path}\`) | ${r.performance} | ${r.accessibility} | ${r.bestPractices} | ${sec(r.fcpMs)} | ${sec(r.lcpMs)} | ${r.tbtMs} ms | ${r.cls} | ${kb(r.transferBytes)} | ${r.requests} | ${r.benchmarkIndex} |`,
    ),
  ];
  return rows.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench:web needs ${CHROMIUM} (apt-get install chromium)`);
  if (
    process.env.BENCH_BUILD === '1' ||
    !existsSync('dist/server/server.js') ||
    !existsSync('dist/web/index.html')
  ) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kameng-bench-web-'));
  const port = await freePort();
  const server = await startServer(dataDir, port);
  const base = `http://127.0.0.1:${port}`;
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const cookie = await login(base);
    const products = await json<{ items: { id: string; name: string }[] }>(`${base}/api/products`);
    const product = products.items[0];
    if (!product) throw new Error('the demo has no products');
    const orders = await json<{ items: { id: string }[] }>(`${base}/api/orders`, cookie);
    const order = orders.items[0];
    if (!order) throw new Error(`the demo buyer ${BUYER} has no orders`);
    const pages = [
      { page: 'home', path: '/', cookie: undefined },
      { page: 'product', path: `/products/${product.id}`, cookie: undefined },
      { page: 'order detail', path: `/me/orders/${order.id}`, cookie },
    ];
    const results: PageResult[] = [];
    for (const p of pages) {
      const runs: { figures: Figures; flagged: string[]; a11yNodes: string[] }[] = [];
      for (let i = 0; i < RUNS; i++) {
        const run = await measure(`${base}${p.path}`, chrome.port, p.cookie);
        process.stderr.write(
          `  ${p.page} run ${i + 1}/${RUNS}: perf ${run.figures.performance}, a11y ${run.figures.accessibility}, LCP ${sec(run.figures.lcpMs)}\n`,
        );
        runs.push(run);
      }
      const figures = runs.map((r) => r.figures);
      const perfMedian = median(figures.map((f) => f.performance));
      const medianRun = runs.find((r) => r.figures.performance === perfMedian) ?? runs[0];
      const pick = (k: keyof Figures): number => median(figures.map((f) => f[k]));
      results.push({
        page: p.page,
        path: p.path.replace(product.id, ':id').replace(order.id, ':id'),
        performance: pick('performance'),
        accessibility: pick('accessibility'),
        bestPractices: pick('bestPractices'),
        fcpMs: pick('fcpMs'),
        lcpMs: pick('lcpMs'),
        tbtMs: pick('tbtMs'),
        cls: pick('cls'),
        transferBytes: pick('transferBytes'),
        requests: pick('requests'),
        benchmarkIndex: pick('benchmarkIndex'),
        runs: figures,
        flagged: medianRun?.flagged ?? [],
        a11yIssues: medianRun?.a11yNodes ?? [],
      });
    }
    const date = new Date().toISOString().slice(0, 10);
    const file = path.join('bench', 'results', `web-${date}${LABEL === 'current' ? '' : `-${LABEL}`}`);
    mkdirSync(path.dirname(file), { recursive: true });
    const summary = {
      label: LABEL,
      date: new Date().toISOString(),
      lighthouse: '12.8.2',
      preset: 'mobile (default config: emulated Moto G Power, simulated slow 4G, 4x CPU slowdown)',
      chromium: CHROMIUM,
      runsPerPage: RUNS,
      node: process.version,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
      targets: TARGETS,
      pages: results,
    };
    writeFileSync(`${file}.json`, `${JSON.stringify(summary, null, 2)}\n`);
    const md = [
      `# bench:web (${LABEL}), ${summary.date}`,
      '',
      `Lighthouse 12.8.2, mobile preset, Debian chromium, median of ${RUNS} runs per page; ${summary.machine}.`,
      `Targets: performance ≥ ${TARGETS.performance}, accessibility ≥ ${TARGETS.accessibility}.`,
      '',
      table(results),
      '',
      ...results.flatMap((r) =>
        r.flagged.length ? [`Flagged on ${r.page}: ${r.flagged.join('; ')}`, ''] : [],
      ),
    ].join('\n');
    writeFileSync(`${file}.md`, md);
    process.stdout.write(`\n${table(results)}\n\nwritten: ${file}.json, ${file}.md\n`);
    const missed = results.filter(
      (r) => r.performance < TARGETS.performance || r.accessibility < TARGETS.accessibility,
    );
    if (missed.length) process.stdout.write(`below target: ${missed.map((r) => r.page).join(', ')}\n`);
  } finally {
    chrome.kill();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:web failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
