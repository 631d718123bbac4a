import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      {
        // Unit, integration and end-to-end tests: the global setup brings the stores up once per run.
        test: {
          name: 'service',
          include: ['test/**/*.test.ts', 'lib/**/*.test.ts'],
          // The browser test has its own run: npm run test:browser (vitest.browser.config.ts).
          exclude: ['test/infra/**', 'test/browser/**'],
          globalSetup: ['test/setup/global.ts'],
          setupFiles: ['test/setup/env.ts'],
          testTimeout: 20_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Assertions on the synthesized CDK template: no stores, but bundling takes its time.
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
