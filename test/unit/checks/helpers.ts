import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadChecks } from '../../../src/engine/checks/config.ts';
import { runChecks } from '../../../src/engine/checks/runner.ts';
import type { RunChecksOptions } from '../../../src/engine/checks/runner.ts';
import type { CheckResult, ChecksConfig, ChecksReport } from '../../../src/engine/checks/types.ts';
import type { RunLookup } from '../../../src/engine/checks/metrics.ts';
import type { RunSummary } from '../../../src/engine/tracking/api.ts';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { REPO_ROOT, tempDir } from '../helpers/tmp.ts';

export const CHURN = path.join(REPO_ROOT, 'examples', 'churn');

/** A workspace in a temp dir with the given files (mlops.yaml among them). */
export function workspace(files: Record<string, string>): string {
  const root = tempDir('mlops-checks-');
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

/** mlops.yaml with the given checks section (indented under `checks:`). */
export function withChecks(section: string): string {
  return `version: 1\nchecks:\n${section.replace(/^/gm, '  ')}\n`;
}

export function csvText(header: string[], rows: Array<Array<string | number>>): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

export function load(root: string): ChecksConfig {
  return loadChecks(root);
}

export async function run(root: string, options: RunChecksOptions = {}): Promise<ChecksReport> {
  return runChecks(root, loadChecks(root), options);
}

export function byName(report: ChecksReport, name: string): CheckResult {
  const c = report.suites.flatMap((s) => s.checks).find((x) => x.name === name || x.id === name);
  if (!c) throw new Error(`no check ${name} in ${report.suites.flatMap((s) => s.checks.map((x) => x.id)).join(', ')}`);
  return c;
}

export function fakeRun(id: string, metrics: Record<string, number>, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id, source: 'mlops', sourceLabel: 'pipeline', experiment: 'default', name: id, status: 'finished', startedAt: '2024-01-01T00:00:00Z', endedAt: '2024-01-01T00:01:00Z',
    gitCommit: 'abcdef1234567890', gitDirty: false, params: { 'train.lr': 0.05 }, metrics, tags: {}, inputs: [], outputs: [], readOnly: false, warnings: [], ...extra,
  };
}

export function fakeRuns(runs: RunSummary[]): RunLookup {
  return {
    latestRun: (experiment?: string) => runs.filter((r) => r.status === 'finished' && (experiment === undefined || r.experiment === experiment)).at(-1),
    getRun: (id: string) => runs.find((r) => r.id === id),
  };
}

export async function cli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

/** A copy of examples/churn (data, dvc.yaml, checks) in a temp dir. */
export function churnCopy(): string {
  const root = tempDir('mlops-checks-churn-');
  cpSync(CHURN, root, { recursive: true, filter: (src) => !/[\\/](\.mlops|__pycache__)$/.test(src) });
  return root;
}
