/** The parser registry; its keys are the values of `--engine` (more families arrive with issue #3). */
import { createSglangParser } from './sglang.ts';
import type { LineParser } from './types.ts';

export const PARSERS = {
  sglang: createSglangParser,
} as const satisfies Record<string, () => LineParser>;

export type EngineName = keyof typeof PARSERS;
