import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The whole integration suite runs on SQLite and, when TEST_DATABASE_URL is set, again on
// PostgreSQL. Browser tests drive Debian's chromium through playwright-core.
const pg = process.env.TEST_DATABASE_URL;

// Integration and browser tests hash passwords with argon2id at a test cost; the unit project
// keeps the real package and asserts production's parameters (test/unit/password-hash.test.ts).
const testCostArgon2 = {
  alias: [
    {
      find: /^@node-rs\/argon2$/,
      replacement: fileURLToPath(new URL('./test/helpers/argon2-test-cost.ts', import.meta.url)),
    },
  ],
};

export default defineConfig({
  test: {
    // Vitest's default is one worker per core less one: a single worker on a 2-core CI machine, so
    // every file ran after the other. Unit and integration files mostly wait (on PostgreSQL, on a
    // server process), so two run at once; the browser files run afterwards, one at a time and
    // alone (e2e: groupOrder 1), so chromium's timing never competes with the integration suite.
    maxWorkers: 2,
    testTimeout: 30_000,
    // The secret scan's recordings (test/helpers/secret-record.ts) start empty on each run.
    globalSetup: ['test/helpers/secret-scan-setup.ts'],
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        resolve: testCostArgon2,
        test: {
          name: 'sqlite',
          include: ['test/integration/**/*.test.ts'],
          env: { KAMENG_TEST_ENGINE: 'sqlite' },
        },
      },
      ...(pg
        ? [
            {
              extends: true as const,
              resolve: testCostArgon2,
              test: {
                name: 'postgres',
                include: ['test/integration/**/*.test.ts'],
                env: { KAMENG_TEST_ENGINE: 'postgres' },
              },
            },
          ]
        : []),
      {
        extends: true,
        resolve: testCostArgon2,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          // A page answers after a request, a re-fetch and a render: on a busy 2-core machine that
          // can take more than expect.poll's default second.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
