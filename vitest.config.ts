import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; engine tests drive the real Docker engine and the real sandbox image.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['sandbox-server/src/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['**/*.engine.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['sandbox-server/src/**/*.engine.test.ts', 'tests/**/*.engine.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
