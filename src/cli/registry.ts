import type { CliCommand } from './command.ts';
import { initCommand } from './commands/init.ts';
import { workspaceCommand } from './commands/status.ts';
import { doctorCommand } from './commands/doctor.ts';
import { reproCommand, stageStatusCommand, dagCommand } from './commands/pipeline.ts';
import { VERSIONING_COMMANDS } from './commands/versioning.ts';
import { DRIFT_COMMANDS } from './commands/drift.ts';
import { RUNS_COMMANDS } from './commands/runs.ts';
import { CHECK_COMMANDS } from './commands/check.ts';
import { MODELS_COMMANDS } from './commands/models.ts';
import { AUDIT_COMMANDS } from './commands/audit.ts';

/** Every `mlops` command. Capabilities add theirs here. */
export const COMMANDS: readonly CliCommand[] = [initCommand, workspaceCommand, doctorCommand, reproCommand, stageStatusCommand, dagCommand, ...VERSIONING_COMMANDS, ...DRIFT_COMMANDS, ...RUNS_COMMANDS, ...CHECK_COMMANDS, ...MODELS_COMMANDS, ...AUDIT_COMMANDS];
