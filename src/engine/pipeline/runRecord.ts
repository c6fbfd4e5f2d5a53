/**
 * Run history in the store (`pipeline_runs`, `stage_runs`, migration 3): one row per pipeline
 * run and one per stage, with status transitions as they happen, so a crash leaves a row that
 * says "running" rather than nothing.
 */
import { simpleGit } from 'simple-git';
import type { Store } from '../store/store.ts';
import { toPlain } from './values.ts';

export type PipelineRunStatus = 'running' | 'succeeded' | 'failed' | 'stopped';
export type StageRunStatus = 'skipped' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'not-run';

export interface GitState {
  commit: string | null;
  /** Tracked files modified (untracked files do not count). */
  dirty: boolean | null;
}

/** HEAD and whether tracked files differ from it; nulls outside a git repository. */
export async function gitState(dir: string): Promise<GitState> {
  try {
    const git = simpleGit({ baseDir: dir, timeout: { block: 10_000 } });
    if (!(await git.checkIsRepo())) return { commit: null, dirty: null };
    const commit = await git.revparse(['HEAD']).then((s) => s.trim(), () => null);
    const st = await git.status(['--untracked-files=no']);
    return { commit, dirty: !st.isClean() };
  } catch {
    return { commit: null, dirty: null };
  }
}

export interface StageRowUpdate {
  status: StageRunStatus;
  endedAt?: string;
  exitCode?: number | null;
  durationMs?: number;
  reason?: string;
  deps?: unknown;
  outs?: unknown;
  params?: unknown;
}

/** Thin writer over the two tables; every call is its own short transaction. */
export class RunRecorder {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  startRun(id: string, startedAt: string, targets: unknown, git: GitState, origin: string, actor: string | null): void {
    this.store.write((db) =>
      db.prepare(`INSERT INTO pipeline_runs(id, started_at, status, targets, git_commit, git_dirty, origin, actor)
                  VALUES (?, ?, 'running', ?, ?, ?, ?, ?)`)
        .run(id, startedAt, JSON.stringify(targets), git.commit, git.dirty === null ? null : git.dirty ? 1 : 0, origin, actor),
    );
  }

  finishRun(id: string, status: Exclude<PipelineRunStatus, 'running'>, endedAt: string): void {
    this.store.write((db) => db.prepare('UPDATE pipeline_runs SET status = ?, ended_at = ? WHERE id = ?').run(status, endedAt, id));
  }

  /** A stage row; returns its id for later updates. */
  addStage(runId: string, stage: string, status: StageRunStatus, fields: { reason?: string; cmd?: string; startedAt?: string; logPath?: string } = {}): number {
    const info = this.store.write((db) =>
      db.prepare('INSERT INTO stage_runs(run_id, stage, status, reason, cmd, started_at, log_path) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(runId, stage, status, fields.reason ?? null, fields.cmd ?? null, fields.startedAt ?? null, fields.logPath ?? null),
    );
    return Number(info.lastInsertRowid);
  }

  updateStage(rowId: number, u: StageRowUpdate): void {
    const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(toPlain(v)));
    this.store.write((db) =>
      db.prepare(`UPDATE stage_runs SET status = ?, ended_at = COALESCE(?, ended_at), exit_code = COALESCE(?, exit_code),
                    duration_ms = COALESCE(?, duration_ms), reason = COALESCE(?, reason),
                    deps = COALESCE(?, deps), outs = COALESCE(?, outs), params = COALESCE(?, params) WHERE id = ?`)
        .run(u.status, u.endedAt ?? null, u.exitCode ?? null, u.durationMs ?? null, u.reason ?? null, json(u.deps), json(u.outs), json(u.params), rowId),
    );
  }
}
