import { parseArgs } from 'node:util';
import type { CliCommand, OptionSpec } from './command.ts';
import { COMMANDS } from './registry.ts';
import { EXIT, UsageError, printError, type CliIO } from './io.ts';
import { VERSION } from '../engine/version.ts';

const COMMON: OptionSpec = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export function helpText(commands: readonly CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length));
  const lines = commands.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
  return `mlops ${VERSION} — MLOps Workbench on the command line

Usage: mlops <command> [options]

Commands:
${lines.join('\n')}

Options:
  --json        print machine-readable JSON (every command that prints data)
  -h, --help    help for mlops or a command
  --version     print the version

Exit codes: 0 ok, 1 failure (or a failed check), 2 usage error.
`;
}

function commandHelp(c: CliCommand): string {
  return `Usage: mlops ${c.name.join(' ')} ${c.usage}\n\n${c.summary}.\n${c.details ? `\n${c.details}\n` : ''}`;
}

/** Longest command name that prefixes argv, so `runs list` wins over `runs`. */
function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  let best: CliCommand | undefined;
  for (const c of COMMANDS) {
    if (c.name.every((w, i) => argv[i] === w) && (!best || c.name.length > best.name.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.name.length) } : undefined;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out(helpText());
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.out(wantsJson ? JSON.stringify({ version: VERSION }) + '\n' : `${VERSION}\n`);
      return EXIT.ok;
    }
    const found = findCommand(argv);
    if (!found) throw new UsageError(`unknown command '${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}'. Run 'mlops --help' for the list.`);
    const { command, rest } = found;
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${(e as Error).message.replace(/^.*?: /, '')}\n${commandHelp(command)}`);
    }
    if (parsed.values.help) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    const [min, max] = command.positionals ?? [0, 0];
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(`'${command.name.join(' ')}' takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}.\n${commandHelp(command)}`);
    }
    return await command.run({ io, values: parsed.values, positionals: parsed.positionals, json: Boolean(parsed.values.json) });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`mlops: ${e.message}\n`);
      return EXIT.usage;
    }
    printError(io, e, wantsJson);
    return EXIT.failure;
  }
}
