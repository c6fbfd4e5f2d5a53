import type { Workbench } from './lib/workbench.ts';

/** A browser journey: what a person does in the real editor, step by step, with screenshots. */
export interface Journey {
  name: string;
  /** Folder (relative to the repo) copied into a fresh temp workspace for this journey. */
  workspace: string;
  /** Prepare the copied workspace before the editor opens (git init, CLI steps…). */
  prepare?(workspaceDir: string): Promise<void> | void;
  run(wb: Workbench, ctx: { workspaceDir: string; repo: string }): Promise<void>;
}
