import path from 'node:path';
import type { CliCommand } from '../command.ts';
import { EXIT, UsageError, printJson, table } from '../io.ts';
import { describeError } from '../../engine/errors.ts';
import { openRecordingStore } from '../../engine/workspace/workspace.ts';
import { buildDag } from '../../engine/pipeline/dag.ts';
import { loadPipeline } from '../../engine/pipeline/dvcyaml.ts';
import { findWorkspaceRoot } from '../../engine/pipeline/repo.ts';
import { runPipeline } from '../../engine/pipeline/runner.ts';
import type { RunEvent, StageResult } from '../../engine/pipeline/runner.ts';
import { pipelineStatus } from '../../engine/pipeline/status.ts';
import { errorJson, findPipelineDir, reasonJson } from './pipelineCommon.ts';

function resultJson(r: StageResult): unknown {
  return {
    stage: r.stage,
    status: r.status,
    ...(r.willRun !== undefined ? { willRun: r.willRun } : {}),
    reasons: r.reasons.map(reasonJson),
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    ...(r.logPath ? { logPath: r.logPath } : {}),
    ...(r.error ? { error: errorJson(r.error) } : {}),
  };
}

export const reproCommand: CliCommand = {
  name: ['repro'],
  summary: 'Run the dvc.yaml pipeline: stale stages in dependency order',
  usage: '[stage…] [--downstream] [--single-item] [--force] [--dry-run] [--jobs N] [--keep-going] [--json]',
  details: `A stage target also runs its stale upstream stages (as dvc repro does); --downstream runs the
target and everything after it instead, --single-item only the target. Up-to-date stages are
skipped unless --force. Output of each stage is shown and kept in .mlops/runs/<run>/<stage>/output.log.
Exit code 1 when a stage fails or the run is stopped.`,
  options: {
    downstream: { type: 'boolean', default: false },
    'single-item': { type: 'boolean', short: 's', default: false },
    force: { type: 'boolean', short: 'f', default: false },
    'dry-run': { type: 'boolean', default: false },
    jobs: { type: 'string', short: 'j' },
    'keep-going': { type: 'boolean', short: 'k', default: false },
  },
  positionals: [0, 100],
  async run({ io, values, positionals, json }) {
    const jobs = values['jobs'] === undefined ? 1 : Number(values['jobs']);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive whole number, got '${String(values['jobs'])}'`);
    const dir = findPipelineDir(io.cwd);
    const root = findWorkspaceRoot(dir);
    const store = values['dry-run'] ? undefined : openRecordingStore(root, 'cli');
    const ac = new AbortController();
    const onSigint = (): void => ac.abort();
    process.once('SIGINT', onSigint);
    // With parallel stages, whole lines prefixed by their stage keep the output readable.
    const partial = new Map<string, string>();
    const prefixed = (stage: string, text: string, flush = false): string => {
      const all = (partial.get(stage) ?? '') + text;
      const cut = flush ? all.length : all.lastIndexOf('\n') + 1;
      partial.set(stage, all.slice(cut));
      return all.slice(0, cut).replace(/^(?=.)/gm, `[${stage}] `) + (flush && cut && !all.endsWith('\n') ? '\n' : '');
    };
    const onEvent = (e: RunEvent): void => {
      if (json) return;
      if (e.type === 'stage-started') io.out(`Running stage '${e.stage}' (${e.reasons.map((r) => r.message).join('; ')}):\n`);
      else if (e.type === 'command') io.out(`> ${e.cmd}\n`);
      else if (e.type === 'stage-finished') {
        const r = e.result;
        if (jobs > 1) io.out(prefixed(r.stage, '', true));
        if (r.status === 'skipped') io.out(`Stage '${r.stage}' ${r.reasons[0]?.kind === 'frozen' ? 'is frozen' : "didn't change"}, skipping\n`);
        else if (r.status === 'failed') io.err(`mlops: ${r.error ? describeError(r.error) : `stage '${r.stage}' failed`}\n`);
        else if (r.status === 'stopped') io.err(`mlops: stage '${r.stage}' was stopped\n`);
        else if (r.status === 'succeeded') io.out(`Stage '${r.stage}' done in ${((r.durationMs ?? 0) / 1000).toFixed(1)} s\n`);
      }
    };
    try {
      const result = await runPipeline(dir, {
        trusted: true, // the person typing the command is the trust decision
        targets: positionals,
        downstream: Boolean(values['downstream']),
        single: Boolean(values['single-item']),
        force: Boolean(values['force']),
        dryRun: Boolean(values['dry-run']),
        keepGoing: Boolean(values['keep-going']),
        jobs,
        signal: ac.signal,
        origin: 'cli',
        ...(store ? { store } : {}),
        workspaceRoot: root,
        onEvent,
        onOutput: (stage, text) => {
          if (json) return;
          io.out(jobs > 1 ? prefixed(stage, text) : text);
        },
      });
      if (json) printJson(io, { runId: result.runId, status: result.status, dryRun: result.dryRun, durationMs: result.durationMs, stages: result.stages.map(resultJson) });
      else if (result.dryRun) {
        for (const s of result.stages) {
          if (s.error) io.err(`mlops: ${describeError(s.error)}\n`);
          else io.out(s.willRun ? `would run '${s.stage}': ${s.reasons.map((r) => r.message).join('; ')}\n` : `'${s.stage}' is up to date\n`);
        }
      } else if (result.status === 'succeeded') {
        const ran = result.stages.filter((s) => s.status === 'succeeded').length;
        io.out(ran ? `Pipeline done (${ran} stage${ran > 1 ? 's' : ''} ran, dvc.lock updated)\n` : 'Data and pipelines are up to date.\n');
      } else {
        const notRun = result.stages.filter((s) => s.status === 'not-run').map((s) => s.stage);
        if (notRun.length) io.err(`mlops: not run: ${notRun.join(', ')}\n`);
      }
      return result.status === 'succeeded' ? EXIT.ok : EXIT.failure;
    } finally {
      process.removeListener('SIGINT', onSigint);
      store?.close();
    }
  },
};

export const stageStatusCommand: CliCommand = {
  name: ['stage', 'status'],
  summary: 'Which pipeline stages are stale, and why',
  usage: '[stage…] [--json]',
  details: 'Compares dvc.yaml, params and the files on disk with dvc.lock, by hash. Exit code 1 when a stage cannot be evaluated.',
  positionals: [0, 100],
  async run({ io, positionals, json }) {
    const st = await pipelineStatus(findPipelineDir(io.cwd), positionals.length ? { stages: positionals } : {});
    if (json) {
      printJson(io, st.stages.map((s) => ({ stage: s.stage, state: s.state, reasons: s.reasons.map(reasonJson), ...(s.error ? { error: errorJson(s.error) } : {}) })));
    } else {
      const rows = [['STAGE', 'STATE', 'WHY']];
      for (const s of st.stages) {
        const why = s.error ? describeError(s.error) : s.reasons.map((r) => r.message).join('; ');
        rows.push([s.stage, s.state, why]);
      }
      io.out(table(rows));
    }
    return st.stages.some((s) => s.state === 'error') ? EXIT.failure : EXIT.ok;
  },
};

export const dagCommand: CliCommand = {
  name: ['dag'],
  summary: 'Show the pipeline graph (stages and what feeds what)',
  usage: '[--json | --mermaid]',
  options: { mermaid: { type: 'boolean', default: false } },
  async run({ io, values, json }) {
    const pipeline = await loadPipeline(findPipelineDir(io.cwd));
    const dag = buildDag(pipeline);
    if (json) {
      printJson(io, {
        file: path.relative(io.cwd, pipeline.file) || pipeline.file,
        stages: dag.order.map((n) => {
          const s = pipeline.byName.get(n)!;
          return { name: n, cmd: s.cmd, deps: s.deps.map((d) => d.path), outs: s.outs.map((o) => o.path), frozen: s.frozen };
        }),
        edges: dag.edges,
      });
    } else if (values['mermaid']) {
      const id = new Map(dag.order.map((n, i) => [n, `node${i + 1}`]));
      const lines = ['flowchart TD', ...dag.order.map((n) => `\t${id.get(n)}["${n.replace(/"/g, '#quot;')}"]`), ...dag.edges.map((e) => `\t${id.get(e.from)}-->${id.get(e.to)}`)];
      io.out(`${lines.join('\n')}\n`);
    } else {
      const rows = [['STAGE', 'AFTER']];
      for (const n of dag.order) rows.push([n, [...dag.upstream.get(n)!].join(', ')]);
      io.out(table(rows));
    }
    return EXIT.ok;
  },
};
