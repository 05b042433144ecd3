// Runs vitest, then prints its result as the plain "N passed, N failed" line that CI reads,
// and exits with vitest's own status. Extra arguments go to vitest (e.g. a test path filter).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const REPORT = '.vitest-results.json';
rmSync(REPORT, { force: true });
const vitest = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
let summary;
try {
  const r = JSON.parse(readFileSync(REPORT, 'utf8'));
  // A suite that fails to load has no failed tests of its own: count it so the line never says 0 failed.
  const failed = r.numFailedTests > 0 ? r.numFailedTests : r.numFailedTestSuites;
  const skipped = r.numPendingTests + r.numTodoTests;
  summary = `${r.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
} catch {
  summary = '0 passed, 1 failed';
}
console.log(`\n${summary}`);
process.exit(vitest.status ?? 1);
