/**
 * vitest globalSetup: with KAMENG_SECRET_SCAN_DIR set (`npm test` sets it), empties that directory
 * before the run, so scripts/secret-scan.ts reads this run's recordings only. Every project runs
 * its global setup in the one main process: the first one empties it, the others leave it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const cleared = Symbol.for('kameng.secret-scan.cleared');

export default function setup(): void {
  const dir = process.env.KAMENG_SECRET_SCAN_DIR;
  const g = globalThis as { [cleared]?: boolean };
  if (!dir || g[cleared]) return;
  g[cleared] = true;
  rmSync(path.resolve(dir), { recursive: true, force: true });
  mkdirSync(path.resolve(dir), { recursive: true });
}
