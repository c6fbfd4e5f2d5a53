/**
 * `repro`: pick the stages a request covers, then run them in dependency order with at most
 * `jobs` at a time, skipping stages that are up to date (unless forced). A failed or stopped
 * stage leaves its downstream not run; no new stage starts after a failure (DVC's default).
 * Every transition is an event for the UI and a row in the store.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError, describeError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { ObjectCache } from '../versioning/cache.ts';
import { buildDag } from './dag.ts';
import { selectStages } from './select.ts';
import type { Dag } from './dag.ts';
import { loadPipeline } from './dvcyaml.ts';
import type { LoadOptions } from './dvcyaml.ts';
import { DefaultHasher, MemoHasher } from './hasher.ts';
import type { Hasher } from './hasher.ts';
import { readLock } from './lock.ts';
import type { LockStage } from './lock.ts';
import type { ParamsData } from './params.ts';
import { defaultCacheDir, findDvcRoot, findWorkspaceRoot } from './repo.ts';
import { RunRecorder, gitState } from './runRecord.ts';
import type { GitState } from './runRecord.ts';
import { PipelineRunTracking } from '../tracking/pipelineRuns.ts';
import { commandLines, executeStage } from './stageExec.ts';
import { checkStages, stageStatus } from './status.ts';
import type { StatusReason } from './status.ts';
import type { Pipeline } from './types.ts';

export type StageOutcome = 'skipped' | 'succeeded' | 'failed' | 'stopped' | 'not-run';

export interface StageResult {
  stage: string;
  status: StageOutcome;
  /** Why it ran, was skipped or did not run. */
  reasons: StatusReason[];
  exitCode?: number | null;
  durationMs?: number;
  error?: MlopsError;
  /** Captured output, absolute path. */
  logPath?: string;
  /** Dry runs: whether the stage would run. */
  willRun?: boolean;
}

export interface RunResult {
  /** null for a dry run. */
  runId: string | null;
  status: 'succeeded' | 'failed' | 'stopped';
  dryRun: boolean;
  /** Selected stages, in run order. */
  stages: StageResult[];
  durationMs: number;
}

export type RunEvent =
  | { type: 'run-started'; runId: string; stages: string[] }
  | { type: 'stage-queued'; stage: string }
  | { type: 'stage-started'; stage: string; reasons: StatusReason[]; runDir: string }
  | { type: 'command'; stage: string; cmd: string }
  | { type: 'stage-finished'; stage: string; result: StageResult }
  | { type: 'run-finished'; runId: string; status: RunResult['status'] };

export interface RunOptions extends LoadOptions {
  /** Workspace Trust, decided by the caller. Stages run commands from workspace files: false refuses. */
  trusted: boolean;
  /** Stage names or foreach/matrix group names; none = whole pipeline. */
  targets?: string[];
  /** The targets and everything downstream of them (instead of upstream). */
  downstream?: boolean;
  /** Only the targets themselves. */
  single?: boolean;
  force?: boolean;
  dryRun?: boolean;
  /** Stages running at once (default 1). */
  jobs?: number;
  /** Keep starting independent stages after a failure. */
  keepGoing?: boolean;
  signal?: AbortSignal;
  hasher?: Hasher;
  cacheDir?: string;
  /** Folder holding `.mlops/` (run logs); found from the pipeline folder by default. */
  workspaceRoot?: string;
  store?: Store;
  origin?: string;
  actor?: string;
  env?: NodeJS.ProcessEnv;
  killGraceMs?: number;
  onEvent?: (e: RunEvent) => void;
  onOutput?: (stage: string, text: string, stream: 'stdout' | 'stderr') => void;
}

export { selectStages };

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function safeName(stage: string): string {
  return stage.replace(/[^A-Za-z0-9._@-]/g, '_');
}

async function ensureRunsDir(root: string): Promise<string> {
  const dir = path.join(root, '.mlops', 'runs');
  await fs.mkdir(dir, { recursive: true });
  // Run logs are per machine: keep them out of git even before `mlops init` wrote .mlops/.gitignore.
  await fs.writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
  return dir;
}

export async function runPipeline(target: string | Pipeline, o: RunOptions): Promise<RunResult> {
  if (!o.trusted) {
    throw new MlopsError('refused', 'running pipeline stages needs a trusted workspace', {
      hint: 'stage commands come from dvc.yaml and run on this machine; trust the folder first (Workspace Trust)',
    });
  }
  const t0 = performance.now();
  const pipeline = typeof target === 'string' ? await loadPipeline(target, o) : target;
  const dag = buildDag(pipeline);
  const selected = selectStages(pipeline, dag, o);
  const problems = checkStages(pipeline, dag, selected);
  if (problems.length) {
    const first = problems[0]!;
    if (problems.length > 1) first.message += ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`;
    throw first;
  }
  const workspaceRoot = o.workspaceRoot ?? findWorkspaceRoot(pipeline.dir);
  const cache = new ObjectCache(o.cacheDir ?? (await defaultCacheDir(pipeline.dir, workspaceRoot)));
  const baseHasher = o.hasher ?? new DefaultHasher();
  // This run is the lock's only writer here: read it once, then apply our own updates. Hashes
  // are remembered across evaluations until a stage runs and may have changed files.
  const lock = await readLock(pipeline.lockFile);
  let memo = new MemoHasher(baseHasher);
  const paramsCache = new Map<string, ParamsData>();
  const evaluate = async (name: string) => stageStatus({ pipeline, lock, hasher: memo, cache, paramsCache }, pipeline.byName.get(name)!);
  const afterRun = (name: string, written: LockStage | undefined): void => {
    memo = new MemoHasher(baseHasher);
    paramsCache.clear();
    if (written) lock.stages.set(name, written);
  };

  if (o.dryRun) return dryRun(selected, dag, evaluate, o, t0);

  const runId = newRunId();
  const recorder = o.store ? new RunRecorder(o.store) : undefined;
  let tracking: PipelineRunTracking | undefined;
  // Asking git costs a `git status` process: a no-op run records none; a run that executes
  // stages fills this in (run row, tracking) once, before its first stage starts.
  const git: GitState = { commit: null, dirty: null };
  let gitAsked: Promise<void> | undefined;
  const askGit = (): Promise<void> => (gitAsked ??= gitState(pipeline.dir).then((g) => {
    Object.assign(git, g);
    recorder?.setRunGit(runId, g);
  }));
  if (recorder) {
    const startedAt = new Date().toISOString();
    recorder.startRun(runId, startedAt, { targets: o.targets ?? [], downstream: !!o.downstream, single: !!o.single, force: !!o.force, jobs: o.jobs ?? 1 }, git, o.origin ?? 'cli', o.actor ?? null);
    // Experiment tracking: a run that executes stages becomes a tracked run (params, metrics, live series).
    tracking = new PipelineRunTracking({ store: o.store!, pipeline, runId, workspaceRoot, startedAt, git });
  }
  const runsDir = await ensureRunsDir(workspaceRoot);
  const emit = (e: RunEvent): void => {
    try {
      o.onEvent?.(e);
    } catch {
      // a listener's bug must not break the run
    }
  };
  emit({ type: 'run-started', runId, stages: selected });
  for (const s of selected) emit({ type: 'stage-queued', stage: s });

  const results = new Map<string, StageResult>();
  const selectedSet = new Set(selected);
  const index = new Map(selected.map((n, i) => [n, i]));
  const waiting = new Map(selected.map((n) => [n, [...dag.upstream.get(n)!].filter((u) => selectedSet.has(u)).length]));
  const record = (r: StageResult): void => {
    results.set(r.stage, r);
    const why = r.error ? describeError(r.error) : r.reasons.map((x) => x.message).join('; ');
    recorder?.addStage(runId, r.stage, r.status, { reason: why });
    emit({ type: 'stage-finished', stage: r.stage, result: r });
  };
  const notRun = (name: string, message: string): void => {
    if (results.has(name)) return;
    record({ stage: name, status: 'not-run', reasons: [{ kind: 'blocked', message }] });
    for (const d of dag.downstream.get(name)!) if (selectedSet.has(d)) notRun(d, `upstream stage '${name}' did not run`);
  };

  const runOne = async (name: string): Promise<void> => {
    const stage = pipeline.byName.get(name)!;
    const st = await evaluate(name);
    if (st.state === 'error') {
      record({ stage: name, status: 'failed', reasons: [], error: st.error! });
      return;
    }
    if (st.state === 'frozen') return record({ stage: name, status: 'skipped', reasons: [{ kind: 'frozen', message: 'frozen: never run' }] });
    if (st.state === 'up-to-date' && !o.force) return record({ stage: name, status: 'skipped', reasons: [] });
    const reasons = st.reasons.length ? st.reasons : [{ kind: 'forced' as const, message: 'forced' }];
    if (recorder) await askGit();
    const runDir = path.join(runsDir, runId, safeName(name));
    await fs.mkdir(runDir, { recursive: true });
    const logPath = path.join(runDir, 'output.log');
    const startedAt = new Date().toISOString();
    const cmdText = commandLines(stage.cmd).join('\n');
    const rowId = recorder?.addStage(runId, name, 'running', {
      reason: reasons.map((r) => r.message).join('; '),
      cmd: cmdText,
      startedAt,
      logPath: path.relative(workspaceRoot, logPath).split(path.sep).join('/'),
    });
    tracking?.stageStarted(name, runDir);
    emit({ type: 'stage-started', stage: name, reasons, runDir });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...o.env,
      DVC_ROOT: findDvcRoot(pipeline.dir) ?? pipeline.dir,
      DVC_STAGE: name,
      MLOPS_RUN_ID: runId,
      MLOPS_STAGE: name,
      MLOPS_RUN_DIR: runDir,
    };
    let r;
    try {
      r = await executeStage({
        pipeline, stage, hasher: baseHasher, cache, runDir, env,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
        onOutput: (text, stream) => o.onOutput?.(name, text, stream),
        onCommand: (cmd) => emit({ type: 'command', stage: name, cmd }),
      });
    } catch (e) {
      r = { status: 'failed' as const, durationMs: 0, error: new MlopsError('io', describeError(e), { cause: e }) };
    }
    tracking?.stageFinished(name);
    afterRun(name, 'lock' in r ? r.lock : undefined);
    const result: StageResult = {
      stage: name,
      status: r.status,
      reasons,
      durationMs: r.durationMs,
      logPath,
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      ...(r.error ? { error: r.error } : {}),
    };
    results.set(name, result);
    if (recorder && rowId !== undefined) {
      recorder.updateStage(rowId, {
        status: r.status,
        endedAt: new Date().toISOString(),
        exitCode: r.exitCode ?? null,
        durationMs: r.durationMs,
        ...(r.error ? { reason: describeError(r.error) } : {}),
        ...(r.lock ? { deps: r.lock.deps, outs: r.lock.outs, params: r.lock.params } : {}),
      });
    }
    emit({ type: 'stage-finished', stage: name, result });
  };

  const jobs = Math.max(1, o.jobs ?? 1);
  const ready = selected.filter((n) => waiting.get(n) === 0);
  const running = new Map<string, Promise<string>>();
  let halted: string | undefined;
  while (ready.length || running.size) {
    while (!halted && !o.signal?.aborted && running.size < jobs && ready.length) {
      const name = ready.shift()!;
      running.set(name, runOne(name).catch((e) => {
        if (!results.has(name)) record({ stage: name, status: 'failed', reasons: [], error: new MlopsError('io', describeError(e), { cause: e }) });
      }).then(() => name));
    }
    if (!running.size) break;
    const done = await Promise.race(running.values());
    running.delete(done);
    const r = results.get(done)!;
    const ok = r.status === 'succeeded' || r.status === 'skipped';
    if (!ok && !o.keepGoing && !halted) halted = done;
    for (const d of dag.downstream.get(done)!) {
      if (!selectedSet.has(d) || results.has(d)) continue;
      if (!ok) notRun(d, `upstream stage '${done}' ${r.status === 'not-run' ? 'did not run' : r.status}`);
      else {
        const left = waiting.get(d)! - 1;
        waiting.set(d, left);
        if (left === 0) {
          ready.push(d);
          ready.sort((a, b) => index.get(a)! - index.get(b)!);
        }
      }
    }
  }
  for (const n of selected) {
    if (!results.has(n)) notRun(n, o.signal?.aborted ? 'the run was stopped' : `stage '${halted}' failed`);
  }
  const stages = selected.map((n) => results.get(n)!);
  const status: RunResult['status'] = o.signal?.aborted || stages.some((s) => s.status === 'stopped') ? 'stopped'
    : stages.some((s) => s.status === 'failed') ? 'failed' : 'succeeded';
  tracking?.finish(status, lock.stages, selected);
  recorder?.finishRun(runId, status, new Date().toISOString());
  emit({ type: 'run-finished', runId, status });
  return { runId, status, dryRun: false, stages, durationMs: Math.round(performance.now() - t0) };
}

async function dryRun(
  selected: string[], dag: Dag, evaluate: (n: string) => ReturnType<typeof stageStatus>, o: RunOptions, t0: number,
): Promise<RunResult> {
  const willRun = new Set<string>();
  const stages: StageResult[] = [];
  for (const name of selected) {
    const st = await evaluate(name);
    if (st.state === 'error') {
      stages.push({ stage: name, status: 'not-run', reasons: [], error: st.error!, willRun: false });
      continue;
    }
    const reasons = [...st.reasons];
    if (st.state === 'up-to-date' && o.force) reasons.push({ kind: 'forced', message: 'forced' });
    const up = [...dag.upstream.get(name)!].filter((u) => willRun.has(u));
    if (st.state === 'up-to-date' && !o.force && up.length) {
      reasons.push({ kind: 'upstream-changed', stage: up[0]!, message: `runs if upstream stage '${up[0]}' changes its outputs` });
    }
    const runs = st.state !== 'frozen' && reasons.length > 0;
    if (runs) willRun.add(name);
    stages.push({ stage: name, status: runs ? 'not-run' : 'skipped', reasons, willRun: runs });
  }
  const failed = stages.some((s) => s.error);
  return { runId: null, status: failed ? 'failed' : 'succeeded', dryRun: true, stages, durationMs: Math.round(performance.now() - t0) };
}
