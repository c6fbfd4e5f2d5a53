import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Workbench } from './lib/workbench.ts';

/** A browser journey: what a person does in the real editor, step by step, with screenshots. */
export interface Journey {
  name: string;
  /** Folder (relative to the repo) copied into a fresh temp workspace for this journey. */
  workspace: string;
  /** Prepare the copied workspace before the editor opens (git init, CLI steps…). */
  prepare?(workspaceDir: string): Promise<void> | void;
  run(wb: Workbench, ctx: { workspaceDir: string; repo: string }): Promise<void>;
  /** Error notifications the journey provokes on purpose (the workbench logs them to the console). */
  expectedErrors?: RegExp[];
  /** `untrusted`: Workspace Trust on, the folder opens in Restricted Mode. Default: trusted. */
  trust?: 'trusted' | 'untrusted';
}

/** A git repository with the project committed and `mlops init` run, as a user would have it. */
export function prepareGitWorkspace(dir: string): void {
  const repo = path.resolve(import.meta.dirname, '../..');
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', ...a], { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  execFileSync(process.execPath, [path.join(repo, 'dist/cli.js'), 'init'], { cwd: dir, stdio: 'ignore' });
  git('add', '-A');
  git('commit', '-qm', 'example project');
}
