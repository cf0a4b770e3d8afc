// A reporter that ends the run with what was skipped and why: every test skipped with a note
// (`context.skip(condition, note)`) is counted under its note, so a developer whose machine
// lacks a browser or a server learns which suites did not run and the one command that runs them.
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byNote = new Map<string, number>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped' || result.note === undefined) continue;
        byNote.set(result.note, (byNote.get(result.note) ?? 0) + 1);
      }
    }
    if (byNote.size === 0) return;
    const lines = [...byNote].map(([note, count]) => `  - ${count} skipped: ${note}`);
    process.stdout.write(`\nSkipped suites (the run passes without them):\n${lines.join('\n')}\n`);
  }
}
