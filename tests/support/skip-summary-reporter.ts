// A reporter that ends the run with what was skipped and why: every test skipped with a note
// (`context.skip(condition, note)`), or whose suite names the reason as `(SKIPPED: …)`, is
// counted under that reason, so a developer whose machine lacks a browser or a server learns
// which suites did not run and what runs them.
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byNote = new Map<string, number>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const reason = result.note ?? /\(SKIPPED: ([^)]*)\)/.exec(test.fullName)?.[1];
        if (reason === undefined) continue;
        byNote.set(reason, (byNote.get(reason) ?? 0) + 1);
      }
    }
    if (byNote.size === 0) return;
    const lines = [...byNote].map(([note, count]) => `  - ${count} skipped: ${note}`);
    process.stdout.write(`\nSkipped suites (the run passes without them):\n${lines.join('\n')}\n`);
  }
}
