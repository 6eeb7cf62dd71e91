import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Clock, TestClock } from './clock.js';
import type { Db, Engine } from './db/dialect.js';
import type { KeyVault } from './vault.js';
import type { FileStore } from './files.js';

/**
 * What services need from the platform; built once in app.ts and passed down explicitly. Modules
 * add what they need on top (payments: its gateways), each in its own context type.
 */
export interface AppContext {
  db: Db;
  engine: Engine;
  clock: Clock;
  /** Present outside production: the clock admins can move forward. */
  testClock: TestClock | null;
  config: Config;
  log: FastifyBaseLogger;
  vault: KeyVault;
  /** Evidence and message attachments, content-addressed. */
  files: FileStore;
}

/** Service-level context: no logger or config needed for pure data work. */
export type DataContext = Pick<AppContext, 'db' | 'engine' | 'clock'>;
