import type { ParseArgsConfig } from 'node:util';
import type { CliIO } from './io.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  io: CliIO;
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
  json: boolean;
}

export interface CliCommand {
  /** Words that select the command, e.g. ['init'] or ['runs', 'list']. */
  name: string[];
  summary: string;
  /** Usage line after `mlops <name>`. */
  usage: string;
  /** Extra help text shown by `mlops <name> --help`. */
  details?: string;
  options?: OptionSpec;
  /** Positional arguments accepted: [min, max]. */
  positionals?: [number, number];
  run(ctx: CommandContext): Promise<number> | number;
}
