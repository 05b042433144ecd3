// Prints vitest's JSON report as the plain "N passed, N failed" line CI reads.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`0 passed, 1 failed (no vitest report at ${file}: ${error.message})`);
  process.exit(0);
}
const skipped = results.numPendingTests + results.numTodoTests;
// A suite that fails to load has no failed tests of its own: count it so the line is never "0 failed".
const failed = results.numFailedTests > 0 ? results.numFailedTests : (results.numFailedTestSuites ?? 0);
console.log(`${results.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
