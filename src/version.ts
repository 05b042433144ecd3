import { createRequire } from 'node:module';

/** The package version, read once from package.json (one level above src/ and dist/). */
const pkg: unknown = createRequire(import.meta.url)('../package.json');
export const VERSION: string =
  typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
