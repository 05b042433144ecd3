/** The parser registry; its keys are the values of `--engine`. Every line is offered to each in turn. */
import { createDynamoParser } from './dynamo.ts';
import { createDynamoTraceParser } from './dynamo-trace.ts';
import { createPrometheusParser, type ParserHints } from './prometheus.ts';
import { createSglangParser } from './sglang.ts';
import { createTrtllmParser } from './trtllm.ts';
import type { Zone } from './timestamps.ts';
import type { LineParser } from '../model/records.ts';
import { createVllmParser } from './vllm.ts';

export type { ParserHints } from './prometheus.ts';

export const PARSERS = {
  sglang: createSglangParser,
  dynamo: createDynamoParser,
  vllm: createVllmParser,
  trtllm: createTrtllmParser,
  prometheus: createPrometheusParser,
  'dynamo-trace': createDynamoTraceParser,
} as const satisfies Record<string, (zone?: Zone, hints?: ParserHints) => LineParser>;

export type EngineName = keyof typeof PARSERS;

/** The engine names, in the order parsers are tried. */
export const ENGINE_NAMES = ['sglang', 'dynamo', 'vllm', 'trtllm', 'prometheus', 'dynamo-trace'] as const satisfies readonly EngineName[];
