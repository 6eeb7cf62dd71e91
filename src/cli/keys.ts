/** `kameng keys …`: the CLI path of key import (with a progress bar) and master-key rotation. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Booted } from '../boot.js';
import type { Actor } from '../platform/actor.js';
import { MasterKey } from '../platform/crypto.js';
import { fail } from '../platform/errors.js';
import { closeImportPool, runImport, startBatch } from '../modules/inventory/index.js';
import { rewrapAll } from '../modules/inventory/index.js';
import { batchView } from '../modules/inventory/index.js';
import type { CliStream } from './io.js';

export async function importKeyFile(
  b: Booted,
  opts: {
    file: string;
    productId: string;
    format: 'auto' | 'text' | 'csv';
    merchant?: string | undefined;
    maxBytes: number;
    /** Where the progress bar is drawn, if it is a terminal (the report is returned either way). */
    progress: CliStream;
  },
): Promise<string> {
  const size = (await stat(opts.file)).size;
  if (size > opts.maxBytes) {
    fail('inventory.file_too_large', { params: { limit: `${opts.maxBytes} bytes (--max-bytes)` } });
  }
  const product = await b.db
    .selectFrom('products')
    .innerJoin('merchants', 'merchants.id', 'products.merchant_id')
    .innerJoin('users', 'users.id', 'merchants.owner_user_id')
    .select(['products.merchant_id', 'users.id as owner_id', 'users.username', 'users.member_level'])
    .where('products.id', '=', opts.productId)
    .executeTakeFirst();
  if (!product) fail('catalog.product_not_found');
  if (opts.merchant && opts.merchant !== product.username) fail('catalog.product_not_found');
  // The operator acts for the shop that owns the product; the audit trail says it came from the CLI.
  const actor: Actor = {
    kind: 'user',
    id: product.owner_id,
    role: 'merchant',
    memberLevel: product.member_level,
    merchantId: product.merchant_id,
  };
  const batch = await startBatch(b, actor, {
    productId: opts.productId,
    source: 'CLI',
    fileName: opts.file.split(/[\\/]/).pop() ?? null,
    format: opts.format,
    bytesTotal: size,
  });
  // Drawn only on a terminal: piped into a file or a log, escape codes would be noise.
  const tty = opts.progress.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      format:
        '{bar} {percentage}% | {value}/{total} bytes | imported {imported} dup {duplicates} rejected {rejected}',
      hideCursor: true,
      stream: opts.progress,
    },
    cliProgress.Presets.shades_classic,
  );
  if (tty) bar.start(Math.max(size, 1), 0, { imported: 0, duplicates: 0, rejected: 0 });
  const done = await runImport(b, actor, batch, { file: opts.file }, (p) => {
    if (tty)
      bar.update(p.bytesRead, { imported: p.imported, duplicates: p.duplicates, rejected: p.rejected });
  }).finally(async () => {
    // also on failure: the bar's timer would outlive the run and the terminal's cursor stay hidden
    if (tty) bar.stop();
    await closeImportPool();
  });
  const view = await batchView(b, done);
  const lines = [
    `${view.status} batch ${view.id}: ${view.imported} imported, ${view.duplicates} duplicate, ${view.rejected} rejected, ${view.linesRead} lines`,
    ...(view.error ? [`error: ${view.error.messages['zh-CN']} / ${view.error.messages.en}`] : []),
    ...view.rejects.slice(0, 20).map((r) => `  line ${r.lineNo}: ${r.reason} (${r.messages['zh-CN']})`),
    ...(view.rejectsTruncated || view.rejects.length > 20
      ? ['  … (GET /api/merchant/imports/<id> for the full report)']
      : []),
  ];
  return lines.join('\n');
}

export async function rotateMasterKey(b: Booted, newKeyFile: string): Promise<string> {
  let next: MasterKey;
  if (existsSync(newKeyFile)) {
    next = MasterKey.parse(readFileSync(newKeyFile, 'utf8'));
  } else {
    next = MasterKey.generate();
    writeFileSync(newKeyFile, `${next.toBase64()}\n`, { mode: 0o600, flag: 'wx' });
  }
  if (next.fingerprint === b.masterKey.fingerprint) fail('validation.invalid', { field: 'new-key-file' });
  const count = await rewrapAll(b.db, { kind: 'system', name: 'cli' }, b.masterKey, next, b.clock.now());
  // A demo key file is replaced by the new key so the next start keeps working.
  if (b.masterKeyFile) writeFileSync(b.masterKeyFile, `${next.toBase64()}\n`, { mode: 0o600 });
  return [
    `re-wrapped ${count} stored key(s): master ${b.masterKey.fingerprint} → ${next.fingerprint}`,
    b.masterKeyFile
      ? `the demo key file ${b.masterKeyFile} now holds the new key`
      : `now set KAMENG_MASTER_KEY to the contents of ${newKeyFile} and restart every instance`,
  ].join('\n');
}
