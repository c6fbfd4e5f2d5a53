/**
 * The runner's hook: a pipeline run that executes at least one stage becomes a tracked run.
 * It appears ("running") when the first stage starts, its live metrics.jsonl files are tailed
 * while stages run, and when the pipeline finishes it gets the params the stages used (from
 * dvc.lock), the stage metrics files, inputs and outputs with their hashes, and the final status.
 * Tracking must never break a pipeline run: every failure here becomes a warning on the run.
 */
import path from 'node:path';
import { loadConfig } from '../config/config.ts';
import { describeError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_PARAMS_FILE } from '../pipeline/params.ts';
import type { LockEntry, LockStage } from '../pipeline/lock.ts';
import type { Pipeline } from '../pipeline/types.ts';
import type { ArtifactRef, ParamValue, RunStatus } from './api.ts';
import { readMetricsFile } from './files.ts';
import { RUN_LOG_FILE, tailRunLog } from './jsonl.ts';
import { RunStore, runnerId } from './runStore.ts';
import { experimentSettings, defaultExperimentName } from './settings.ts';
import { flattenParams } from './values.ts';

/** How often the runner reads new lines of a running stage's metrics.jsonl. */
export const LIVE_TAIL_MS = 500;

export interface PipelineRunInfo {
  store: Store;
  pipeline: Pipeline;
  runId: string;
  workspaceRoot: string;
  startedAt: string;
  git: { commit: string | null; dirty: boolean | null };
}

interface LiveStage {
  file: string;
  timer: ReturnType<typeof setInterval>;
}

export class PipelineRunTracking {
  private readonly info: PipelineRunInfo;
  private readonly runs: RunStore;
  private rid: number | undefined;
  private readonly live = new Map<string, LiveStage>();
  private readonly executed: string[] = [];
  private readonly warnings: string[] = [];

  constructor(info: PipelineRunInfo) {
    this.info = info;
    this.runs = new RunStore(info.store);
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.warnings.push(`${what}: ${describeError(e)}`);
    }
  }

  private experiment(): string {
    try {
      return experimentSettings(this.info.workspaceRoot, loadConfig(this.info.workspaceRoot)).name;
    } catch {
      return defaultExperimentName(this.info.workspaceRoot);
    }
  }

  /** A stage is about to execute in `runDir` (its MLOPS_RUN_DIR). */
  stageStarted(stage: string, runDir: string): void {
    this.guard('recording the run', () => {
      if (this.rid === undefined) {
        const experiment = this.experiment();
        this.rid = this.runs.createRun({
          id: this.info.runId, origin: 'pipeline', experiment, name: this.runs.nextName(experiment), status: 'running',
          startedAt: this.info.startedAt, gitCommit: this.info.git.commit, gitDirty: this.info.git.dirty,
          pipelineRunId: this.info.runId,
          extra: { pipelineFile: path.relative(this.info.workspaceRoot, this.info.pipeline.file).split(path.sep).join('/'), runner: runnerId() },
        });
      }
      this.executed.push(stage);
      const file = path.join(runDir, RUN_LOG_FILE);
      const rid = this.rid;
      const timer = setInterval(() => {
        try {
          tailRunLog(this.runs, rid, file);
        } catch {
          // retried on the next tick and once more when the stage ends
        }
      }, LIVE_TAIL_MS);
      timer.unref?.();
      this.live.set(stage, { file, timer });
    });
  }

  /** The stage's process has exited: read its log to the end, including an unterminated last line. */
  stageFinished(stage: string): void {
    const live = this.live.get(stage);
    if (!live || this.rid === undefined) return;
    clearInterval(live.timer);
    this.live.delete(stage);
    const rid = this.rid;
    this.guard(`reading ${RUN_LOG_FILE} of stage '${stage}'`, () => tailRunLog(this.runs, rid, live.file, { final: true }));
  }

  /** The pipeline run ended: fill in what the run used and produced. No-op when no stage executed. */
  finish(status: 'succeeded' | 'failed' | 'stopped', stages: ReadonlyMap<string, LockStage>, selected: readonly string[]): void {
    for (const stage of [...this.live.keys()]) this.stageFinished(stage);
    if (this.rid === undefined) return;
    const rid = this.rid;
    const { pipeline, workspaceRoot } = this.info;
    const wsRel = (stageWdir: string, p: string): string =>
      path.relative(workspaceRoot, path.resolve(pipeline.dir, ...stageWdir.split('/'), p)).split(path.sep).join('/');

    this.guard('reading params from dvc.lock', () => {
      const params: Record<string, ParamValue> = {};
      for (const name of selected) {
        const lock = stages.get(name);
        if (!lock) continue;
        for (const [file, values] of Object.entries(lock.params)) {
          for (const [key, value] of Object.entries(values)) {
            // params.yaml keys stay bare (`train.lr`), as DVC shows them; other files are named.
            Object.assign(params, flattenParams(value, file === DEFAULT_PARAMS_FILE ? key : `${file}:${key}`));
          }
        }
      }
      if (Object.keys(params).length) this.runs.setParams(rid, params);
    });

    this.guard('reading metrics files', () => {
      const perFile: Array<[string, Record<string, number>]> = [];
      for (const name of selected) {
        const stage = pipeline.byName.get(name);
        for (const out of stage?.outs ?? []) {
          if (out.kind !== 'metrics') continue;
          const abs = path.resolve(pipeline.dir, ...out.rel.split('/'));
          const shown = path.relative(workspaceRoot, abs).split(path.sep).join('/');
          try {
            perFile.push([shown, readMetricsFile(abs)]);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            this.warnings.push(code === 'ENOENT' ? `metrics file ${shown} of stage '${name}' does not exist` : `metrics file ${shown}: ${(e as Error).message}`);
          }
        }
      }
      // Bare keys (`metrics.accuracy`) unless two files share a key; then `file:key` for those.
      const count = new Map<string, number>();
      for (const [, m] of perFile) for (const k of Object.keys(m)) count.set(k, (count.get(k) ?? 0) + 1);
      const metrics: Record<string, number> = {};
      for (const [file, m] of perFile) for (const [k, v] of Object.entries(m)) metrics[count.get(k)! > 1 ? `${file}:${k}` : k] = v;
      if (Object.keys(metrics).length) this.runs.setMetrics(rid, metrics, Date.now());
    });

    this.guard('recording inputs and outputs', () => {
      const outputs = new Map<string, ArtifactRef>();
      const deps = new Map<string, ArtifactRef>();
      const ref = (p: string, e: LockEntry): ArtifactRef => ({ path: p, hash: e.md5 ?? null, size: typeof e.size === 'number' ? e.size : null });
      for (const name of selected) {
        const lock = stages.get(name);
        const def = pipeline.byName.get(name);
        if (!lock || !def) continue;
        for (const o of lock.outs) outputs.set(wsRel(def.wdir, o.path), ref(wsRel(def.wdir, o.path), o));
        for (const d of lock.deps) deps.set(wsRel(def.wdir, d.path), ref(wsRel(def.wdir, d.path), d));
      }
      // Inputs are what came from outside this run: a dep another selected stage produced is intermediate.
      const inputs = [...deps.values()].filter((d) => !outputs.has(d.path));
      const runStatus: RunStatus = status === 'succeeded' ? 'finished' : status === 'failed' ? 'failed' : 'killed';
      this.runs.updateRun(rid, {
        status: runStatus,
        endedAt: new Date().toISOString(),
        inputs: inputs.sort((a, b) => (a.path < b.path ? -1 : 1)),
        outputs: [...outputs.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
        extra: {
          pipelineFile: path.relative(workspaceRoot, pipeline.file).split(path.sep).join('/'),
          stagesRun: this.executed.join(', '),
          pipelineStatus: status,
        },
      });
    });
    if (this.warnings.length) {
      try {
        this.runs.addWarnings(rid, this.warnings);
      } catch {
        // the store itself is failing; the pipeline result still stands
      }
    }
  }
}
