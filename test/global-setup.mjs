// Once per vitest run, before any test file: the CLI tests run dist/cli.cjs, so dist/ is rebuilt
// first when a file it is built from changed after it (scripts/build-if-stale.mjs); without this,
// `vitest run` after an edit tested the last build.
import { buildIfStale } from '../scripts/build-if-stale.mjs';

export default function setup() {
  buildIfStale('dist');
}
