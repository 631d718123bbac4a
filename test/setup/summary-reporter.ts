// Ends a run with the plain "N passed, N failed, N skipped" line that CI systems read, whatever the runner.
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed' || state === 'failed') counts[state]++
        else counts.skipped++
      }
      // A file that failed to load has no tests to count, but the run failed all the same.
      if (module.state() === 'failed' && module.children.size === 0) counts.failed++
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  }
}
