/**
 * Ends a run with one plain line, `tests: N passed, N failed, N skipped`, that tools
 * reading CI logs understand without knowing vitest's own summary.
 *
 * "failed" counts every failure of the run, not only failed tests: a failing beforeAll or
 * afterAll (its tests are skipped or passed, but the suite failed), a test file that could
 * not load, and errors vitest caught outside any test. Otherwise a run whose hooks all
 * fail prints "0 failed". When such failures are in the count, the line says where.
 */
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export interface RunCounts {
  passed: number;
  skipped: number;
  failedTests: number;
  /** Errors of suites and modules themselves: hooks (beforeAll/afterAll) and collection. */
  failedSuites: number;
  /** Test files that failed without any test or suite in them: the file did not load. */
  failedModules: number;
  /** Errors outside any test (unhandled rejections, worker crashes), plus an interrupted run. */
  runErrors: number;
}

export function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
  reason: TestRunEndReason = 'passed',
): RunCounts {
  const counts: RunCounts = { passed: 0, skipped: 0, failedTests: 0, failedSuites: 0, failedModules: 0, runErrors: 0 };
  for (const module of testModules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failedTests++;
      else counts.skipped++;
    }
    for (const suite of module.children.allSuites()) {
      if (suite.errors().length > 0) counts.failedSuites++;
    }
    const moduleFailed = module.state() === 'failed';
    if (moduleFailed && module.children.size === 0) counts.failedModules++;
    else if (module.errors().length > 0) counts.failedSuites++;
  }
  counts.runErrors = unhandledErrors.length + (reason === 'interrupted' ? 1 : 0);
  return counts;
}

export function summaryLine(counts: RunCounts): string {
  const failed = counts.failedTests + counts.failedSuites + counts.failedModules + counts.runErrors;
  const where = [
    counts.failedSuites ? `${counts.failedSuites} suite${counts.failedSuites === 1 ? '' : 's'} (hooks)` : '',
    counts.failedModules ? `${counts.failedModules} file${counts.failedModules === 1 ? '' : 's'} that did not load` : '',
    counts.runErrors ? `${counts.runErrors} run error${counts.runErrors === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const detail = where.length ? ` (${counts.failedTests} test${counts.failedTests === 1 ? '' : 's'}, ${where.join(', ')})` : '';
  return `tests: ${counts.passed} passed, ${failed} failed${detail}, ${counts.skipped} skipped`;
}

export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    process.stdout.write(`\n${summaryLine(countRun(testModules, unhandledErrors, reason))}\n`);
  }
}
