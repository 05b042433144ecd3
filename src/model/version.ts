import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package version, from the nearest package.json named dpskew above this module: dist/ in the
 * build (its bundle sits one level down), src/model/ when run from source (two levels down).
 */
export const VERSION: string = findVersion(dirname(fileURLToPath(import.meta.url)));

function findVersion(dir: string): string {
  for (let at = dir, up = 0; up < 4; at = dirname(at), up++) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(join(at, 'package.json'), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'dpskew' && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: one level up
    }
  }
  return '0.0.0';
}
