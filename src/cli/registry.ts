import type { CliCommand } from './command.ts';
import { initCommand } from './commands/init.ts';
import { workspaceCommand } from './commands/status.ts';
import { doctorCommand } from './commands/doctor.ts';
import { reproCommand, stageStatusCommand, dagCommand } from './commands/pipeline.ts';
import { VERSIONING_COMMANDS } from './commands/versioning.ts';
import { DRIFT_COMMANDS } from './commands/drift.ts';

/** Every `mlops` command. Capabilities add theirs here. */
export const COMMANDS: readonly CliCommand[] = [initCommand, workspaceCommand, doctorCommand, reproCommand, stageStatusCommand, dagCommand, ...VERSIONING_COMMANDS, ...DRIFT_COMMANDS];
