/**
 * The commander program, made from the flag table (options/flags.ts): each command takes the flags
 * the table gives it, its own first in the help, the shared ones grouped after. No flag has a
 * commander default: a flag not given is `undefined`, so a config file can set it, and
 * options/options.ts applies the defaults, once.
 */
import { Command, Option } from 'commander';
import { VERSION } from '../model/version.ts';
import { FLAG_GROUPS, flagsOf, ONE_OFF_OUTPUTS, type CommandName, type FlagDef, type RawFlags } from '../options/flags.ts';

/** What a command's action receives: its arguments, the flags given, and the commander command (for help and value sources). */
export type Action = (args: readonly string[], flags: RawFlags, command: Command) => Promise<void>;

export const EXIT_CODES_HELP = `
Exit codes:
  0  report printed (dpskew); check passed (dpskew check)
  1  check: a fail-level finding (warn-level too with --strict)
  2  usage error; nothing could be read (missing paths, no log files, empty stdin:
     no report, one line on stderr each); an unreadable input, corrupt gzip or
     summary next to inputs that were read (the report, then the error); a summary
     of a run that had one or was interrupted; unwritable output
  3  check: nothing to judge (no batch lines, or too few to support a verdict)
  130  interrupted (Ctrl-C): the partial report was printed`;

const EXAMPLES_HELP = `
Examples:
  dpskew logs/                          per-rank report of a directory of worker logs
  kubectl logs pod/sglang-0 | dpskew    read stdin
  dpskew check logs/ --strict           fail a CI job on fail- or warn-level findings
  dpskew logs/ --format json > r.json   machine-readable report`;

const CHECK_EXAMPLES = `
Examples:
  dpskew check logs/                                   judge with the default thresholds
  dpskew check logs/ --strict                          warn-level findings fail too
  dpskew check logs/ --assert 'prefill.peerBalance>=0.8' --junit junit.xml
  dpskew check --list-metrics                          the names --assert accepts`;

const COMPARE_HELP = `
Examples:
  dpskew compare before/ after/                        side by side, with deltas
  dpskew compare main.json pr.json --fail-on-regression   saved reports; exit 1 if worse
  dpskew compare before/ after/ --format markdown      for a pull request`;

const MERGE_HELP = `
Examples:
  dpskew logs/node1 --save node1.json -f json > /dev/null   on each node
  dpskew merge node*.json                                  one report of all of them
  dpskew check node*.json                                  the same, as a CI gate`;

export const WATCH_HELP = `
Watch exit codes:
  0  stdin ended (only stdin, pipes or FIFOs were watched, and all ended): the final report was printed
  1  --alert: a fail-level finding held for --for
  2  usage error, a path that does not exist, or output that cannot be written
  130  Ctrl-C: the final whole-run report was printed
  143, 129  SIGTERM, SIGHUP: the terminal was restored

Examples:
  kubectl logs -f sglang-0 | dpskew watch --alert --for 2m
  dpskew watch logs/ --last 5m                live screen of a run's directory
  dpskew watch logs/ --alert-exec 'notify-send "$DPSKEW_MESSAGE"'`;

/** The commander option of a flag (its value choices and repeatability; no default: see above). */
export function optionOf(flag: FlagDef, command?: CommandName): Option {
  const short = flag.short === undefined ? '' : `-${flag.short}, `;
  const shown = flag.default === undefined ? flag.help : `${flag.help} (default: ${flag.default})`;
  if (flag.kind === 'negatable') return new Option(`--no-${flag.name}`, flag.help).helpGroup(`${FLAG_GROUPS[flag.group]}:`);
  const option = new Option(`${short}--${flag.name}${flag.kind === 'boolean' ? '' : ` <${flag.placeholder ?? 'value'}>`}`, shown).helpGroup(`${FLAG_GROUPS[flag.group]}:`);
  const choices = (command === undefined ? undefined : flag.choicesBy?.[command]) ?? flag.choices;
  if (choices !== undefined) option.choices(choices);
  if (flag.kind === 'list') option.argParser((value: string, previous: readonly string[] | undefined) => [...(previous ?? []), value]);
  return option;
}

/** Adds a command's flags, its own group first (table order within a group). */
function addFlags(command: Command, name: CommandName): Command {
  const flags = flagsOf(name);
  const own = flags.filter((f) => f.group === name);
  const order = Object.keys(FLAG_GROUPS);
  const shared = flags.filter((f) => f.group !== name).sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
  for (const flag of [...own, ...shared]) command.addOption(optionOf(flag, name));
  // --color and --no-color both set `color` (undefined when neither is given: decided at the edge).
  if (flags.some((f) => f.key === 'color')) command.addOption(new Option('--no-color', 'no colour').helpGroup(`${FLAG_GROUPS.output}:`));
  // watch knows the one-off outputs, hidden, to refuse them with a reason rather than "unknown option".
  if (name === 'watch') for (const flag of ONE_OFF_OUTPUTS) command.addOption(optionOf(flag).hideHelp());
  return command;
}

export function buildProgram(actions: Readonly<Record<CommandName, Action>>): Command {
  const program = new Command('dpskew')
    .description('Per-DP-rank prefill/decode balance, queue depth and skew findings from LLM serving logs (SGLang, Dynamo, vLLM, TensorRT-LLM).')
    .version(VERSION)
    // Options after `check` belong to `check`, not to the top-level command that shares their names.
    .enablePositionalOptions()
    .exitOverride()
    // Errors in one line, like rg, jq and eslint: commander's own ("unknown option" and its
    // suggestion on a second line) are joined; subcommands inherit this.
    .configureOutput({ outputError: (text, write) => write(oneLineError(text)) })
    // `dpskew help [command]`; commander adds it only to programs without their own action.
    .helpCommand('help [command]', 'show the help of a command');
  const paths = (command: Command): Command => command.argument('[paths...]', 'log files, directories (read recursively) or - for stdin; stdin when omitted');
  addFlags(paths(program), 'report')
    .addHelpText('after', `${EXIT_CODES_HELP}\n${EXAMPLES_HELP}`)
    .action((args: string[], flags: RawFlags, command: Command) => actions.report(args, flags, command));
  const sub = (name: CommandName, description: string): Command => program.command(name).description(description).exitOverride();
  addFlags(paths(sub('check', 'Judge the logs for CI: exit 1 on fail-level findings, 3 when there is nothing to judge.')), 'check')
    .addHelpText('after', `${EXIT_CODES_HELP}\n${CHECK_EXAMPLES}`)
    .action((args: string[], flags: RawFlags, command: Command) => actions.check(args, flags, command));
  addFlags(
    sub('compare', 'Compare two runs side by side (each a log directory, a file, a --save summary or a saved --format json report).').argument('<before>', 'the run before').argument('<after>', 'the run after'),
    'compare',
  )
    .addHelpText('after', COMPARE_HELP)
    .action((before: string, after: string, flags: RawFlags, command: Command) => actions.compare([before, after], flags, command));
  addFlags(paths(sub('watch', 'Follow growing logs (files, directories, stdin) and judge them again every interval: a live screen on a terminal, one JSON object per interval in a pipe.')), 'watch')
    .addHelpText('after', WATCH_HELP)
    .action((args: string[], flags: RawFlags, command: Command) => actions.watch(args, flags, command));
  addFlags(paths(sub('merge', 'Merge summaries written with --save (one per node or file) into one report, as if all logs were analysed at once.')), 'merge')
    .addHelpText('after', MERGE_HELP)
    .action(
    (args: string[], flags: RawFlags, command: Command) => actions.merge(args, flags, command),
  );
  return program;
}

/** commander's `error: …\n(Did you mean --x?)\n` as `error: … (did you mean --x?)\n`. */
export function oneLineError(text: string): string {
  return `${text
    .trim()
    .replace(/\n\(Did you mean /g, ' (did you mean ')
    .replace(/\s*\n\s*/g, ' ')}\n`;
}
