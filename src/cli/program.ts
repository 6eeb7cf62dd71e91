/**
 * The `kameng` operator commands, runnable in-process: `runCli(args, io)` reads the configuration
 * from `io.env`, writes to `io.stdout`/`io.stderr` and returns the exit code. Importing this file
 * runs nothing; `main.ts` is the binary that hands it the process's arguments, environment and streams.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { buildApp } from '../app.js';
import { boot, type Booted } from '../boot.js';
import { ConfigError, loadConfig, type Config } from '../platform/config.js';
import { systemActor } from '../platform/actor.js';
import { importCalendarYear, loadCalendar } from '../platform/calendar-store.js';
import { DomainError, fail } from '../platform/errors.js';
import { appendAudit, verifyAuditChain } from '../platform/audit.js';
import { unitOfWork } from '../platform/unit-of-work.js';
import { findUserByUsername } from '../modules/accounts/index.js';
import { formatReport, verifyDatabase } from '../modules/admin/index.js';
import { createAccount } from '../modules/catalog/index.js';
import { seedDemo, seedDemoKeys } from '../modules/demo/index.js';
import { seedDemoChannels, seedDemoOrders, seedDemoRefunds } from '../modules/demo/index.js';
import type { FastifyInstance } from 'fastify';
import { interruptStaleBatches } from '../modules/inventory/index.js';
import { exportRecords, type Dataset } from '../modules/orders/index.js';
import type { CliIo } from './io.js';
import { importKeyFile, rotateMasterKey } from './keys.js';
import { backup } from './backup.js';

export type { CliIo, CliStream } from './io.js';

/** Commander has already printed its usage error or help; the run ends with this code. */
class CommanderExit extends Error {
  constructor(readonly exitCode: number) {
    super(`commander exit ${exitCode}`);
  }
}

/** The app (its sweeper, payments ports and gateways) for commands that use them; no socket. */
async function withApp<T>(b: Booted, config: Config, fn: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const app = await buildApp({
    config,
    handle: b.handle,
    clock: b.clock,
    testClock: b.testClock,
    vault: b.vault,
    logger: false,
    webDir: '/nonexistent',
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

const wholeNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a whole number ≥ 0 / 必须是非负整数');
  return n;
};

/**
 * The command tree of one run, writing to `io` and reading its configuration from `io.env`. A
 * command that completes with a failure report sets `status.exitCode` instead of throwing.
 */
function buildCli(io: CliIo, status: { exitCode: number }): Command {
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  const withPlatform = async <T>(fn: (b: Booted, config: Config) => Promise<T>): Promise<T> => {
    const config = loadConfig(io.env);
    const booted = await boot(config);
    try {
      return await fn(booted, config);
    } finally {
      await booted.handle.close();
    }
  };
  // Output and exit are configured before any subcommand is added: subcommands copy them.
  const program = new Command('kameng')
    .description('Kameng 卡盟 platform operator commands')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      // a terminal's width, else commander's default of 80
      getOutHelpWidth: () => (io.stdout.isTTY ? (io.stdout.columns ?? 80) : 80),
      getErrHelpWidth: () => (io.stderr.isTTY ? (io.stderr.columns ?? 80) : 80),
    })
    .exitOverride((e) => {
      throw new CommanderExit(e.exitCode);
    })
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply database migrations (also done at every start)')
    .action(() => withPlatform(async (b) => out(`migrated (${b.engine})`)));

  program
    .command('seed-demo')
    .description('insert the demo accounts and products once')
    .action(() =>
      withPlatform(async (b, config) => {
        // The demo accounts' password is published: never on a production database.
        if (config.env === 'production')
          throw new InvalidArgumentError(
            'seed-demo is refused in production (the demo passwords are published)',
          );
        out((await seedDemo(b)) ? 'demo data seeded' : 'demo data already present');
        if (await seedDemoKeys(b)) out('demo keys imported');
        // what npm start seeds besides: an order and the after-sales requests
        await withApp(b, config, async (app) => {
          await seedDemoOrders(app.kameng.ctx);
          if (await seedDemoRefunds(app.kameng.ctx)) out('demo orders and refund requests seeded');
          if (await seedDemoChannels(app.kameng.channels, app.kameng.sandboxChannels))
            out('demo channel shops (淘宝, 拼多多, 闲鱼 sandbox) connected');
        });
      }),
    );

  program
    .command('create-admin')
    .description('create an admin account; the password comes from KAMENG_ADMIN_PASSWORD or --password')
    .requiredOption('-u, --username <name>', 'login name')
    .option(
      '-p, --password <password>',
      'password (prefer the KAMENG_ADMIN_PASSWORD variable: flags show in ps)',
    )
    .action((opts: { username: string; password?: string }) =>
      withPlatform(async (b) => {
        const password = opts.password ?? io.env.KAMENG_ADMIN_PASSWORD;
        if (!password) throw new InvalidArgumentError('set KAMENG_ADMIN_PASSWORD or pass --password');
        const { user } = await createAccount(b, systemActor('cli'), {
          username: opts.username,
          password,
          role: 'admin',
        });
        out(`admin ${user.username} created (${user.id})`);
      }),
    );

  const clock = program.command('clock').description('the test clock (not in production)');
  clock
    .command('show')
    .description('print the platform time')
    .action(() =>
      withPlatform(async (b) => {
        out(`now: ${b.clock.now().toISOString()}`);
        out(`test clock: ${b.testClock ? `on, offset ${b.testClock.offset} ms` : 'off'}`);
      }),
    );
  clock
    .command('advance')
    .description('move the test clock forward')
    .option('--days <n>', 'days', wholeNumber, 0)
    .option('--hours <n>', 'hours', wholeNumber, 0)
    .option('--minutes <n>', 'minutes', wholeNumber, 0)
    .action((opts: { days: number; hours: number; minutes: number }) =>
      withPlatform(async (b) => {
        if (!b.testClock) throw new InvalidArgumentError('the test clock is disabled in production');
        const ms = ((opts.days * 24 + opts.hours) * 60 + opts.minutes) * 60_000;
        if (ms <= 0) throw new InvalidArgumentError('give --days, --hours or --minutes');
        out(`now: ${(await b.testClock.advance(ms, systemActor('cli'))).toISOString()}`);
      }),
    );

  const calendar = program.command('calendar').description('China working-day calendar');
  calendar
    .command('import <file>')
    .description("load one year's official holiday arrangement from a JSON file")
    .action((file: string) =>
      withPlatform(async (b) => {
        const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
        const r = await importCalendarYear(b, systemActor('cli'), json);
        out(`imported ${r.year}: ${r.holidays} holidays, ${r.workdays} make-up workdays`);
      }),
    );
  calendar
    .command('deadline <days>')
    .description('add N working days to now (Asia/Shanghai)')
    .action((days: string) =>
      withPlatform(async (b) => {
        const r = (await loadCalendar(b.db)).addWorkingDays(b.clock.now(), wholeNumber(days));
        out(`due: ${r.dueAt.toISOString()}`);
        for (const w of r.warnings) out(`warning: ${w.messages['zh-CN']} / ${w.messages.en}`);
      }),
    );

  const keys = program.command('keys').description('card-key inventory');
  keys
    .command('import <file>')
    .description(
      'import a key file (text: one key per line, card number and password separated by space/tab/comma; or CSV with a header)',
    )
    .requiredOption('--product <id>', 'product id')
    .option('--format <format>', 'auto | text | csv', 'auto')
    .option('--merchant <username>', 'import as this merchant user (default: the product owner)')
    .option('--max-bytes <n>', 'refuse files larger than this', wholeNumber, 4 * 2 ** 30)
    .action((file: string, opts: { product: string; format: string; merchant?: string; maxBytes: number }) =>
      withPlatform(async (b) => {
        const format = opts.format === 'text' || opts.format === 'csv' ? opts.format : 'auto';
        const report = await importKeyFile(b, {
          file,
          productId: opts.product,
          format,
          merchant: opts.merchant,
          maxBytes: opts.maxBytes,
          progress: io.stderr,
        });
        out(report);
        if (!report.startsWith('COMPLETED')) status.exitCode = 1;
      }),
    );
  keys
    .command('rotate-master')
    .description('re-wrap every stored key under a new master key (secrets are not touched)')
    .requiredOption(
      '--new-key-file <path>',
      'file holding the new key (base64); created with a fresh key (mode 0600) if absent',
    )
    .action((newKeyFile: { newKeyFile: string }) =>
      withPlatform(async (b) => {
        out(await rotateMasterKey(b, newKeyFile.newKeyFile));
      }),
    );
  keys
    .command('rotate-audit')
    .description(
      'start a new audit-chain key (HMAC, wrapped by the master key); earlier events keep theirs and stay verifiable',
    )
    .action(() =>
      withPlatform(async (b) => {
        const r = await unitOfWork(b, async (trx) => {
          const moved = await b.vault.rotateAuditKey(trx, b.clock.now());
          await appendAudit(trx, {
            actor: systemActor('cli'),
            action: 'audit.key_rotated',
            objectType: 'audit_key',
            objectId: moved.to,
            data: { from: moved.from, to: moved.to },
            at: b.clock.now(),
          });
          return moved;
        });
        out(`audit key rotated: ${r.from ?? '(unkeyed)'} → ${r.to}`);
      }),
    );
  keys
    .command('recover')
    .description('mark imports whose process died (RUNNING, silent for 2 minutes) as INTERRUPTED')
    .action(() =>
      withPlatform(async (b) => out(`${await interruptStaleBatches(b, 2 * 60_000)} batch(es) interrupted`)),
    );

  program
    .command('audit-verify')
    .description('verify the audit log hash chain')
    .action(() =>
      withPlatform(async (b) => {
        const r = await verifyAuditChain(b.db);
        out(
          r.ok
            ? `audit chain OK (${r.count} events${r.unkeyedUpTo ? `; 1–${r.unkeyedUpTo} from before the keyed chain, unkeyed` : ''})`
            : `audit chain BROKEN at seq ${r.brokenAtSeq}: ${r.reason ?? ''}`,
        );
        if (!r.ok) status.exitCode = 1;
      }),
    );
  program
    .command('verify')
    .description(
      'check the whole database against the invariants (spec §12): ledger, escrow, keys, refunds, audit chain and exported head, states; exit 0 clean, 1 problems found, 2 could not run',
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      try {
        await withPlatform(async (b, config) => {
          const report = await verifyDatabase({ ...b, dataDir: config.dataDir });
          out(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
          status.exitCode = report.ok ? 0 : 1;
        });
      } catch (error) {
        // "could not run" is not "problems found": the crash test tells the two apart
        io.stderr.write(`kameng: verify could not run: ${describeError(error)}\n`);
        status.exitCode = 2;
      }
    });
  program
    .command('backup <file>')
    .description(
      'copy the SQLite database to <file> while the server runs (online backup API), then check the copy; on PostgreSQL print the pg_dump / pg_restore commands',
    )
    .option('--force', 'replace <file> if it exists')
    .option('--verify', "also run `kameng verify`'s invariant checks on the copy")
    .action(async (file: string, opts: { force?: boolean; verify?: boolean }) => {
      // No boot: nothing is migrated or written; the server may be running on this database.
      status.exitCode = await backup(loadConfig(io.env), {
        file,
        force: opts.force === true,
        verify: opts.verify === true,
        out,
        progress: io.stderr,
      });
    });
  program
    .command('sweep')
    .description(
      'fire due deadlines (order expiry, settlement, membership expiry) and send waiting payouts once',
    )
    .action(() =>
      withPlatform(async (b, config) => {
        await withApp(b, config, async (app) => {
          const r = await app.kameng.sweep();
          out(
            `fired ${r.fired} deadline(s), postponed ${r.postponed}, sent ${r.tasks['payouts.submit'] ?? 0} payout(s)`,
          );
        });
      }),
    );

  const records = program.command('records').description('buyers’ transaction records (电子商务法 §31)');
  records
    .command('export')
    .description('write a buyer’s records (orders, payments, key timelines; never secrets) to a file')
    .requiredOption('-u, --user <username>', 'the buyer')
    .requiredOption('-o, --out <file>', 'output file')
    .option('-f, --format <format>', 'xlsx or csv', 'xlsx')
    .option('-d, --dataset <dataset>', 'for csv: orders, payments, keys or refunds', 'orders')
    .action((opts: { user: string; out: string; format: string; dataset: string }) =>
      withPlatform(async (b) => {
        if (opts.format !== 'xlsx' && opts.format !== 'csv') fail('order.export_format');
        if (!['orders', 'payments', 'keys', 'refunds'].includes(opts.dataset)) fail('order.export_format');
        const user = await findUserByUsername(b.db, opts.user);
        if (!user) fail('catalog.user_not_found');
        const body = await exportRecords(b.db, user.id, opts.format, opts.dataset as Dataset);
        await writeFile(opts.out, body);
        out(`wrote ${body.length} bytes to ${opts.out}`);
      }),
    );
  return program;
}

/** What an operator reads for a failure: the domain message in both languages, or the error's own. */
function describeError(error: unknown): string {
  return error instanceof DomainError
    ? `${error.messages['zh-CN']} / ${error.messages.en}`
    : error instanceof ConfigError || error instanceof InvalidArgumentError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
}

/**
 * Runs one command line (`args` without node and the script: `['keys', 'import', …]`) and
 * returns the exit code: 0 done; 1 a failure, printed to `io.stderr` as `kameng: <message>`
 * (a bad configuration names the variable), or a report that says the work did not complete;
 * commander's own codes for usage errors (1) and help (0). Never throws and never exits the process.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const status = { exitCode: 0 };
  try {
    await buildCli(io, status).parseAsync(args, { from: 'user' });
    return status.exitCode;
  } catch (error) {
    if (error instanceof CommanderExit) return error.exitCode;
    io.stderr.write(`kameng: ${describeError(error)}\n`);
    return 1;
  }
}
