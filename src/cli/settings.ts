/** A command's options: its flags over the config file (cli/config.ts), validated (options/options.ts). */
import type { Command } from 'commander';
import { parseOptions, type Options } from '../options/options.ts';
import type { FlagKey, RawFlags } from '../options/flags.ts';
import { loadConfig, mergeConfig } from './config.ts';
import { readPatternFile } from './terminal.ts';

/** The flags given, with the config file's values where a flag was not typed. */
export function flagsWithConfig(flags: RawFlags, command: Command): RawFlags {
  const { values: config } = loadConfig(flags.config, process.cwd());
  return mergeConfig(config, flags, (key: FlagKey) => command.getOptionValueSource(key) === 'cli');
}

export function optionsOf(flags: RawFlags): Options {
  return parseOptions({ ...flags, patternFileLines: flags.patternFile === undefined ? [] : readPatternFile(flags.patternFile) });
}
