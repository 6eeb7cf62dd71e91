/** `npm start`: migrate, seed the demo once, serve API, docs and web app on one port. */
import { buildApp } from './app.js';
import { boot } from './boot.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { followTestClock } from './platform/clock-sync.js';
import { recoverOrphanedBatches, sweepUploads } from './modules/inventory/index.js';
import { DEMO_LOGINS, DEMO_PASSWORD, seedDemo, seedDemoKeys } from './modules/demo/index.js';
import { seedDemoChannels, seedDemoOrders, seedDemoRefunds } from './modules/demo/index.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function main(): Promise<void> {
  const loaded = loadConfig();
  // The sandbox channels' lookup links and push addresses need an absolute base: without
  // KAMENG_PUBLIC_URL the demo uses the address it listens on (real channels still need the setting).
  const config =
    loaded.publicUrl === undefined && loaded.sandboxGateways
      ? {
          ...loaded,
          publicUrl: `http://${['0.0.0.0', '::', ''].includes(loaded.host) ? '127.0.0.1' : loaded.host.includes(':') ? `[${loaded.host}]` : loaded.host}:${loaded.port}`,
        }
      : loaded;
  const booted = await boot(config);
  const seeded = config.seedDemo ? await seedDemo(booted) : false;
  if (config.seedDemo) await seedDemoKeys(booted);
  const app = await buildApp({
    config,
    handle: booted.handle,
    clock: booted.clock,
    testClock: booted.testClock,
    vault: booted.vault,
  });
  if (config.seedDemo) {
    await seedDemoOrders(app.kameng.ctx);
    await seedDemoRefunds(app.kameng.ctx);
    await seedDemoChannels(app.kameng.channels, app.kameng.sandboxChannels);
  }
  // Imports left RUNNING by a process that died are marked INTERRUPTED (their chunks stay): at once
  // at start (SQLite: every one; PostgreSQL: those whose instance's lock is gone), then every minute
  // (another instance may die while this one runs); their uploads are removed.
  await sweepUploads(booted, config.dataDir);
  await recoverOrphanedBatches(booted, 2 * 60_000, { atStart: true });
  const recovery = setInterval(
    () =>
      void recoverOrphanedBatches(booted, 2 * 60_000, { atStart: false }).catch((err: unknown) =>
        app.log.error({ err }, 'import recovery failed'),
      ),
    60_000,
  ).unref();

  // Deadlines (order expiry, settlement, membership expiry), waiting payouts and the sandbox
  // gateways' timed work. Overlapping runs are skipped; several instances may sweep at once.
  let sweeping: Promise<void> | null = null;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = app.kameng
      .sweep()
      .then(() => undefined)
      .catch((err: unknown) => app.log.error({ err }, 'sweep failed'))
      .finally(() => (sweeping = null));
  }, config.sweepIntervalMs).unref();

  // Every instance follows the shared test-clock offset: told at once on PostgreSQL (LISTEN/NOTIFY),
  // re-read every KAMENG_CLOCK_REFRESH_MS as the fallback (platform/clock-sync.ts).
  const clockFollower = booted.testClock
    ? followTestClock({
        testClock: booted.testClock,
        databaseUrl: config.databaseUrl,
        pollMs: config.clockRefreshMs,
        log: app.log,
      })
    : null;
  await clockFollower?.ready;

  /**
   * Graceful shutdown (SIGTERM, SIGINT): stop accepting connections and close idle ones, let the
   * requests in flight finish — for at most KAMENG_SHUTDOWN_GRACE_MS, then they are cut — stop the
   * timers and wait for a sweep under way, then close the database. Exit 0 when everything
   * finished in time, 1 when requests had to be cut (their transactions roll back, as after a
   * crash). A second signal during the grace period stops at once.
   */
  let stopping = false;
  const shutdown = async (signal: string): Promise<number> => {
    app.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing requests in flight');
    await clockFollower?.close();
    clearInterval(recovery);
    clearInterval(sweeper);
    let cut = false;
    const grace = new Promise<void>((resolve) =>
      setTimeout(() => {
        cut = true;
        resolve();
      }, config.shutdownGraceMs).unref(),
    );
    // Fastify's close stops the listener, answers 503 to new requests on kept-alive connections,
    // and resolves once the requests in flight have been answered.
    await Promise.race([app.close(), grace]);
    if (cut) {
      app.log.warn(
        { graceMs: config.shutdownGraceMs },
        'grace period over: cutting requests still in flight',
      );
      app.server.closeAllConnections();
    }
    await Promise.race([sweeping ?? Promise.resolve(), grace]);
    // the head as it is at shutdown, outside the database (audit-head.ts)
    const exported = app.kameng.auditHead
      .export(booted.clock.now(), { force: true })
      .catch((err: unknown) => app.log.error({ err }, 'audit head export failed'));
    await (cut ? Promise.race([exported, delay(2000)]) : exported);
    // After a cut, a connection the database still holds for a cut request must not keep us up.
    await (cut ? Promise.race([booted.handle.close(), delay(2000)]) : booted.handle.close());
    return cut ? 1 : 0;
  };
  const onSignal = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: stopping now\n`);
      process.exit(1);
    }
    stopping = true;
    void shutdown(signal).then(
      (code) => process.exit(code),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const address = await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl ?? address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  const mode =
    config.env === 'production'
      ? 'production'
      : config.demo === 'off'
        ? `${config.env}, demo off${config.demoOffReason ? ` (${config.demoOffReason})` : ''}`
        : config.demo === 'public'
          ? `DEMO on every interface (KAMENG_DEMO=public): published passwords and the sandbox cashier are reachable from ${config.host}`
          : 'demo (this machine only)';
  const lines = [
    '',
    `  Kameng 卡盟 is running: ${url}/`,
    `  Listening on ${address}    mode: ${mode}`,
    `  API docs: ${url}/api/docs    health: ${url}/api/health`,
    `  Database: ${booted.engine === 'sqlite' ? config.sqlitePath : 'PostgreSQL (DATABASE_URL)'}`,
  ];
  if (config.seedDemo) {
    lines.push(
      `  Demo data ${seeded ? 'seeded now' : 'already present'}; logins (password "${DEMO_PASSWORD}"):`,
    );
    for (const l of DEMO_LOGINS) lines.push(`    ${l.username.padEnd(12)} ${l.note}`);
  }
  if (booted.testClock)
    lines.push(
      '  Test clock: ON (admins can advance time; KAMENG_DEMO=off or NODE_ENV=production to disable)',
    );
  if (config.sandboxGateways)
    lines.push('  Sandbox WeChat Pay / Alipay: ON (anyone reaching the cashier page can "pay")');
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(
    `Kameng failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
