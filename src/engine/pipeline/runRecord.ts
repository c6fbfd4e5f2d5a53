/**
 * Run history in the store (`pipeline_runs`, `stage_runs`, migration 3): one row per pipeline
 * run and one per stage, with status transitions as they happen, so a crash leaves a row that
 * says "running" rather than nothing.
 */
import { execFile } from 'node:child_process';
import type { Store } from '../store/store.ts';
import { toPlain } from './values.ts';

export type PipelineRunStatus = 'running' | 'succeeded' | 'failed' | 'stopped';
export type StageRunStatus = 'skipped' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'not-run';

export interface GitState {
  commit: string | null;
  /** Tracked files modified (untracked files do not count). */
  dirty: boolean | null;
}

/**
 * HEAD and whether tracked files differ from it; nulls outside a git repository (or without
 * git). One `git status` answers both (`# branch.oid` and one line per changed tracked file);
 * --no-optional-locks keeps it from taking the index lock a concurrent git command needs.
 */
export function gitState(dir: string): Promise<GitState> {
  return new Promise((resolve) => {
    execFile('git', ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '--untracked-files=no'], { cwd: dir, timeout: 10_000, maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) return resolve({ commit: null, dirty: null });
      const lines = stdout.split('\n').filter(Boolean);
      const oid = lines.find((l) => l.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
      resolve({ commit: oid && /^[0-9a-f]{40,64}$/.test(oid) ? oid : null, dirty: lines.some((l) => !l.startsWith('#')) });
    });
  });
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

  /** Git state known only once the first stage is about to run (a no-op run asks git nothing). */
  setRunGit(id: string, git: GitState): void {
    this.store.write((db) => db.prepare('UPDATE pipeline_runs SET git_commit = ?, git_dirty = ? WHERE id = ?').run(git.commit, git.dirty === null ? null : git.dirty ? 1 : 0, id));
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
