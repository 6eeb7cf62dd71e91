import { defineConfig } from 'vitest/config';

// The whole integration suite runs on SQLite and, when TEST_DATABASE_URL is set, again on
// PostgreSQL. Browser tests drive Debian's chromium through playwright-core.
const pg = process.env.TEST_DATABASE_URL;

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/integration/**/*.test.ts'], env: { KAMENG_TEST_ENGINE: 'sqlite' } },
      },
      ...(pg
        ? [
            {
              extends: true as const,
              test: { name: 'postgres', include: ['test/integration/**/*.test.ts'], env: { KAMENG_TEST_ENGINE: 'postgres' } },
            },
          ]
        : []),
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          // A page answers after a request, a re-fetch and a render: on a busy 2-core machine that
          // can take more than expect.poll's default second.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
