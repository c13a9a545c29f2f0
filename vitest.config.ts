import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; engine tests drive the real Docker engine and the real sandbox image;
// browser tests drive Debian's Chromium against the production build served by the real server.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'sandbox-server/src/**/*.test.ts',
            'src/**/*.test.ts',
            'bench/**/*.test.ts',
            'tests/setup/*.test.ts',
          ],
          exclude: ['**/*.engine.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['sandbox-server/src/**/*.engine.test.ts', 'tests/**/*.engine.test.ts'],
          // One file at a time: they share one Docker engine, and under two files' load at once a
          // registry push on the host once hung for two minutes (Docker 20.10, two cores).
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          // A visitor attacking the host, the server and other visitors; see SECURITY.md.
          name: 'hostile',
          include: ['tests/hostile/**/*.hostile.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/**/*.e2e.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
