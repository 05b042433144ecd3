/**
 * The plain way to read logs, kept as the reference the fast paths are tested against: one
 * thread, split2 for lines, every line offered to the parsers as text (after the same needle
 * filter, which decides which lines count as decoded), no byte-level fast path, no ranges, no
 * blocks. It fulfils the same contract as readSources.
 */
import split2 from 'split2';
import { createTextLineHandler } from '../../src/input/ingest.ts';
import { readInput } from '../../src/input/read-input.ts';
import type { readSources } from '../../src/input/read-sources.ts';
import { createParsers, needlesOf } from '../../src/input/settings.ts';
import { looksLikeTimedScrapes } from '../../src/parse/prometheus.ts';
import { emptyOutput, noteExtent, type TaskOutput } from '../../src/input/task.ts';

export const referenceReadSources: typeof readSources = async (sources, settings, mode, options, stdin) => {
  const outputs: TaskOutput[] = [];
  for (const source of sources) {
    // Read whole first: a metrics dump with bare time lines between scrapes is read with every
    // line offered to the parsers, decided by the input's start (as the fast path sniffs it).
    const chunks: Buffer[] = [];
    const read = await readInput(source, stdin, (chunk) => void chunks.push(Buffer.from(chunk)), options.signal);
    const head = Buffer.concat(chunks).subarray(0, 64 << 10).toString('utf8');
    const sniffed = (settings.engine === 'auto' || settings.engine === 'prometheus') && looksLikeTimedScrapes(head);
    const parsers = createParsers(sniffed ? { ...settings, timeLines: true } : settings);
    const { needles } = needlesOf(parsers);
    const output = emptyOutput();
    const handle = createTextLineHandler(parsers, output.state, output.tally, settings.range);
    const onLine = (line: string): void => {
      output.lines++;
      if (Buffer.byteLength(line) > settings.maxLineBytes) output.oversized++;
      else if (needles.some((n) => line.includes(n))) {
        if (mode === 'analyse') handle(line);
        else noteExtent(line, parsers, output);
      }
    };
    const splitter = split2();
    splitter.on('data', onLine);
    const ended = new Promise<void>((resolve) => splitter.on('end', () => resolve()));
    for (const chunk of chunks) splitter.write(chunk);
    splitter.end();
    await ended;
    output.bytes = read.bytes;
    output.gzip = read.gzip;
    output.error = read.error === null ? null : read.error.message;
    outputs.push(output);
  }
  return outputs;
};
