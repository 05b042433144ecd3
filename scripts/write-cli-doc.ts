// Writes docs/cli.md from the flag table (npm run docs); test/docs/cli-doc.test.ts checks it is current.
import { writeFileSync } from 'node:fs';
import { cliReference } from '../src/cli/reference.ts';

writeFileSync(new URL('../docs/cli.md', import.meta.url), cliReference());
