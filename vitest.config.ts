import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    pool: 'forks',
    // vitest's default on 2 cores is one worker; the suite waits on stores, queues and sockets as much as it
    // computes, so a third file's waiting overlaps two files' work. Each worker gets its own queues and Redis
    // stage (test/setup/global.ts).
    maxWorkers: 3,
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      {
        // Unit, integration and end-to-end tests: the global setup brings the stores up once per run.
        test: {
          name: 'service',
          // Files share worker processes, so node_modules (the AWS SDK above all) load once per worker, not once
          // per file; test/setup/env.ts gives each file fresh project modules and a clean process.env. (Set per
          // project: a project does not inherit the root's test options.)
          isolate: false,
          include: ['test/**/*.test.ts', 'lib/**/*.test.ts'],
          // The browser test has its own run: npm run test:browser (vitest.browser.config.ts).
          exclude: ['test/infra/**', 'test/browser/**'],
          globalSetup: ['test/setup/global.ts'],
          setupFiles: ['test/setup/env.ts'],
          // Bounds for a hung test, not measures: a test that spawns npm or tsx, or runs a race 50 times over,
          // takes tens of seconds on a busy 2-core machine.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Assertions on the synthesized CDK template: no stores, but bundling takes its time.
        test: {
          name: 'infra',
          // The files share aws-cdk-lib and its template validation engine, seconds to start in each process.
          isolate: false,
          include: ['test/infra/**/*.test.ts'],
          // A bound for a hung synth, not a measure: the first synth of a worker loads aws-cdk-lib and starts the
          // validation engine, which takes a minute when the bundling test runs beside it on a busy machine.
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
