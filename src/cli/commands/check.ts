import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CliCommand } from '../command.ts';
import type { CliIO } from '../io.ts';
import { EXIT, UsageError, printError, printJson, table } from '../io.ts';
import { MlopsError, isMlopsError } from '../../engine/errors.ts';
import { writeFileAtomic } from '../../engine/fsutil.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { findWorkspaceRoot } from '../../engine/workspace/workspace.ts';
import {
  ciLinks, exitCodeOf, junitConfigError, junitReport, loadChecks, markdownConfigError, markdownReport, needsRuns, openCheckServices, runChecks,
} from '../../engine/checks/index.ts';
import type { CheckResult, ChecksConfig, ChecksReport, SuiteResult } from '../../engine/checks/index.ts';
import { fmtMetric } from '../../engine/checks/model.ts';

const LABEL: Record<string, string> = { passed: 'PASS', failed: 'FAIL', errored: 'ERROR' };

function statusLabel(c: CheckResult): string {
  if (c.status !== 'passed' && c.severity === 'warn') return 'WARN';
  return LABEL[c.status]!;
}

function printSuite(io: CliIO, s: SuiteResult, root: string): void {
  io.out(`${s.name}${s.subject ? ` — ${s.subject}` : ''}\n`);
  for (const c of s.checks) {
    const tag = statusLabel(c).padEnd(5);
    if (c.status === 'passed') {
      io.out(`  ${tag} ${c.name}${c.actual && c.actual.length <= 60 ? `  (${c.actual})` : ''}\n`);
      continue;
    }
    io.out(`  ${tag} ${c.name}\n        ${c.message}\n`);
    if (c.expected !== undefined && c.actual !== undefined && c.status === 'failed') io.out(`        expected ${c.expected}; measured ${c.actual}\n`);
    if (c.hint) io.out(`        hint: ${c.hint.replace(/\n/g, '\n        ')}\n`);
    for (const l of c.links.slice(0, 3)) {
      if (l.kind === 'file') {
        const rel = path.relative(root, path.isAbsolute(l.path) ? l.path : path.join(root, l.path)) || l.path;
        io.out(`        → ${rel}${l.line !== undefined ? `:${l.line}` : ''}\n`);
      } else io.out(`        → ${l.label}\n`);
    }
    io.out(`        defined at ${path.relative(root, c.range.file) || c.range.file}:${c.range.start.line}\n`);
  }
  if (s.deltas?.length) {
    const cell = (x: number | null): string => (x === null ? '-' : fmtMetric(x));
    const d = (a: number | null, b: number | null): string => (a === null || b === null ? '-' : `${a - b >= 0 ? '+' : ''}${fmtMetric(Number((a - b).toPrecision(10)))}`);
    const base = s.deltas.some((m) => m.baseline !== null);
    const prod = s.deltas.some((m) => m.production !== null);
    io.out(`\n  metric deltas${s.run ? ` (run ${s.run.id})` : ''}:\n`);
    io.out(table([
      ['    METRIC', 'CURRENT', ...(base ? ['BASELINE', 'Δ'] : []), ...(prod ? ['PRODUCTION', 'Δ'] : [])],
      ...s.deltas.map((m) => [`    ${m.metric}`, cell(m.current), ...(base ? [cell(m.baseline), d(m.current, m.baseline)] : []), ...(prod ? [cell(m.production), d(m.current, m.production)] : [])]),
    ]));
  }
  io.out('\n');
}

function summaryLine(r: ChecksReport): string {
  const t = r.totals;
  const parts = [`${t.passed} passed`];
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.errored) parts.push(`${t.errored} errored`);
  if (t.warned) parts.push(`${t.warned} warning${t.warned > 1 ? 's' : ''}`);
  return `${t.checks} check${t.checks === 1 ? '' : 's'}: ${parts.join(', ')} — ${r.status === 'passed' ? 'PASSED' : 'FAILED'} (${(r.durationMs / 1000).toFixed(1)} s)\n`;
}

function parseDatasets(values: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  for (const v of list) {
    const m = /^([^=]+)=(.+)$/.exec(String(v));
    if (!m) throw new UsageError(`--dataset takes name=path, got '${String(v)}' (e.g. --dataset batch=data/production/batch-06.csv)`);
    out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

async function writeReport(io: CliIO, target: string, text: string): Promise<string> {
  const file = path.resolve(io.cwd, target);
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, text);
  return file;
}

function printList(io: CliIO, checks: ChecksConfig, json: boolean): void {
  if (json) {
    printJson(io, { file: checks.file, datasets: checks.datasets, suites: checks.suites.map((s) => ({ name: s.name, target: s.target, ...(s.error ? { error: s.error.describe() } : {}), checks: s.checks.map((c) => ({ id: c.id, name: c.name, kind: c.kind, line: c.range.start.line, ...(c.error ? { error: c.error.describe() } : {}) })) })) });
    return;
  }
  for (const s of checks.suites) {
    const target = s.target.kind === 'dataset' ? `dataset ${s.target.ref}` : s.target.kind === 'stage' ? `stage ${s.target.stage}` : s.run.kind === 'workspace' ? 'workspace metrics' : 'latest run';
    io.out(`${s.name} (${target})${s.error ? `  — error: ${s.error.describe()}` : ''}\n`);
    for (const c of s.checks) io.out(`  ${c.id}${c.name !== c.key ? `  — ${c.name}` : ''}${c.error ? `  — error: ${c.error.describe()}` : ''}\n`);
  }
}

export const checkCommand: CliCommand = {
  name: ['check'],
  summary: 'Run the quality gates of mlops.yaml (data, feature and model checks); exit 1 when a check fails',
  usage: '[suite | suite/check …] [--dataset name=path …] [--junit out.xml] [--markdown out.md] [--link-base URL] [--list] [--json]',
  details: `Suites and checks come from the checks: section of mlops.yaml (or the file it names).
--dataset name=path   check another file under a dataset name (e.g. the newest production batch)
--junit out.xml       JUnit XML for CI test reports (GitHub, GitLab, Jenkins, Azure)
--markdown out.md     a report to paste into a pull-request comment
--link-base URL       links in the Markdown report point to URL/<path>#L<line>
                      (in GitHub Actions and GitLab CI, links to the commit are made automatically)
--list                list suites and check ids without running them
Exit codes: 0 every check passed (warnings allowed), 1 a check failed or could not be measured,
2 the checks are written wrongly (file and line are printed) or the arguments are wrong.`,
  options: {
    dataset: { type: 'string', multiple: true },
    junit: { type: 'string' },
    markdown: { type: 'string' },
    'link-base': { type: 'string' },
    list: { type: 'boolean', default: false },
  },
  positionals: [0, 1000],
  async run({ io, values, positionals, json }) {
    const datasets = parseDatasets(values.dataset);
    for (const k of ['junit', 'markdown', 'link-base'] as const) {
      if (values[k] !== undefined && String(values[k]).trim() === '') throw new UsageError(`--${k} needs a value`);
    }
    const root = findWorkspaceRoot(io.cwd);
    if (!root) throw new UsageError(`${io.cwd} is not inside an MLOps workspace (no mlops.yaml or .mlops/ found); run 'mlops init' and add a checks: section`);
    const createdAt = new Date().toISOString();

    // A checks file that cannot be read is a configuration error: exit 2, and the CI reports say so too.
    const configFailure = async (e: MlopsError): Promise<number> => {
      const file = e.location?.file ? path.relative(root, e.location.file) || e.location.file : 'mlops.yaml';
      if (typeof values.junit === 'string') await writeReport(io, values.junit, junitConfigError(e.describe(), file, e.location?.line, createdAt));
      if (typeof values.markdown === 'string') await writeReport(io, values.markdown, markdownConfigError(e.message + (e.hint ? ` — ${e.hint}` : ''), `${file}${e.location?.line ? `:${e.location.line}` : ''}`));
      printError(io, e, json);
      return EXIT.usage;
    };
    let config;
    let checks: ChecksConfig;
    try {
      config = loadConfig(root);
      checks = loadChecks(root, config);
    } catch (e) {
      if (isMlopsError(e)) return configFailure(e);
      throw e;
    }
    if (checks.suites.length === 0) {
      return configFailure(new MlopsError('config', `no checks are declared in ${path.relative(root, checks.file) || 'mlops.yaml'}`, {
        location: { file: checks.file, line: checks.warnings[0]?.location?.line },
        hint: 'add a checks: section with suites (see mlops check --help and the README, "Quality gates")',
      }));
    }
    if (values.list) {
      printList(io, checks, json);
      return EXIT.ok;
    }

    const services = await openCheckServices(root, config, { origin: 'cli', runs: needsRuns(checks, positionals) });
    let report: ChecksReport;
    try {
      let progressed = false;
      report = await runChecks(root, checks, {
        ...services,
        select: positionals,
        datasets,
        workspaceConfig: config,
        ...(io.isTTY && !json ? { onSuiteStart: (s) => { progressed = true; io.err(`\rchecking ${s.name}…`.padEnd(60)); } } : {}),
      });
      if (progressed) io.err(`\r${' '.repeat(60)}\r`);
    } catch (e) {
      if (isMlopsError(e) && e.code === 'usage') throw new UsageError(e.describe());
      throw e;
    } finally {
      services.close();
    }

    const written: string[] = [];
    if (typeof values.junit === 'string') written.push(await writeReport(io, values.junit, junitReport(report)));
    if (typeof values.markdown === 'string') {
      const links = ciLinks(io.env, root, typeof values['link-base'] === 'string' ? values['link-base'] : undefined);
      written.push(await writeReport(io, values.markdown, markdownReport(report, links)));
    }
    if (json) printJson(io, report);
    else {
      for (const s of report.suites) printSuite(io, s, root);
      for (const n of services.notes) if (report.suites.some((s) => s.checks.some((c) => c.status === 'errored'))) io.out(`note: ${n}\n`);
      io.out(summaryLine(report));
      if (written.length) io.out(`reports: ${written.map((w) => path.relative(io.cwd, w) || w).join(', ')}\n`);
    }
    return exitCodeOf(report);
  },
};

export const CHECK_COMMANDS: readonly CliCommand[] = [checkCommand];
