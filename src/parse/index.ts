/** The parser registry; its keys are the values of `--engine`. Every line is offered to each in turn. */
import { createDynamoParser } from './dynamo.ts';
import { createSglangParser } from './sglang.ts';
import { createTrtllmParser } from './trtllm.ts';
import type { Zone } from './timestamps.ts';
import type { LineParser } from '../model/records.ts';
import { createVllmParser } from './vllm.ts';

export const PARSERS = {
  sglang: createSglangParser,
  dynamo: createDynamoParser,
  vllm: createVllmParser,
  trtllm: createTrtllmParser,
} as const satisfies Record<string, (zone?: Zone) => LineParser>;

export type EngineName = keyof typeof PARSERS;

/** The engine names, in the order parsers are tried. */
export const ENGINE_NAMES = ['sglang', 'dynamo', 'vllm', 'trtllm'] as const satisfies readonly EngineName[];
