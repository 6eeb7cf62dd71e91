/** Generates the OpenAPI document from the route schemas: `npm run openapi` writes docs/openapi.json. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { FixedClock } from '../src/platform/clock.js';
import { openSqlite } from '../src/platform/db/dialect.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { MasterKey } from '../src/platform/crypto.js';
import { KeyVault } from '../src/modules/inventory/vault.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

export async function generateOpenApi(): Promise<string> {
  const handle = openSqlite(':memory:');
  await migrateToLatest(handle.db);
  const app = await buildApp({
    config: loadConfig({ NODE_ENV: 'test' }),
    handle,
    clock: new FixedClock(new Date(0)),
    vault: new KeyVault(MasterKey.generate()),
    testClock: null,
    logger: false,
    webDir: '/nonexistent',
  });
  await app.ready();
  const doc = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  await handle.close();
  return doc;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, await generateOpenApi());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
