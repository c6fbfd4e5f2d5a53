/**
 * The Markdown report, ready to paste into a pull-request comment: a verdict line, one overview
 * table, a table per suite (failing suites open, passing ones folded), the measured value next to
 * each threshold, links to the data line or the run, and a metric-delta table for model suites.
 * Everything that comes from data or config is escaped, so a value cannot break the table or
 * inject markup.
 */
import path from 'node:path';
import { fmtMetric } from './model.ts';
import type { CheckLink, CheckResult, ChecksReport, MetricDelta, SuiteResult } from './types.ts';

export interface MarkdownLinks {
  /** URL of a file (path relative to the workspace root, POSIX) at a line, e.g. a GitHub blob at the commit. */
  file?(relativePath: string, line?: number): string;
  /** URL of a git commit. */
  commit?(sha: string): string;
  /** The CI job that produced the report. */
  job?: string;
}

const ICON = { passed: '✅', failed: '❌', errored: '⚠️', warned: '🟡' } as const;
const MAX_CELL = 140;

/** Text safe inside a Markdown table cell: no pipes, no HTML, no emphasis or link syntax, one line. */
export function mdEscape(text: string, max = MAX_CELL): string {
  let t = text.replace(/\s*\n\s*/g, ' ');
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // Cells never start a line, so only inline syntax needs escaping: code, emphasis, links, pipes.
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

function icon(c: CheckResult): string {
  if (c.status === 'passed') return ICON.passed;
  if (c.severity === 'warn') return ICON.warned;
  return c.status === 'failed' ? ICON.failed : ICON.errored;
}

function relative(root: string, p: string): string {
  const abs = path.isAbsolute(p) ? p : path.join(root, p);
  const r = path.relative(root, abs);
  return (r.startsWith('..') ? abs : r).split(path.sep).join('/');
}

function linkText(report: ChecksReport, l: CheckLink, links: MarkdownLinks): string {
  if (l.kind === 'file') {
    const rel = relative(report.root, l.path);
    const text = mdEscape(l.line !== undefined ? `${rel}:${l.line}` : rel, 80);
    return links.file ? `[${text}](${encodeURI(links.file(rel, l.line))})` : text;
  }
  if (l.kind === 'run') {
    const text = mdEscape(l.label, 80);
    return l.gitCommit && links.commit ? `${text} ([${l.gitCommit.slice(0, 8)}](${encodeURI(links.commit(l.gitCommit))}))` : text;
  }
  const text = mdEscape(l.label, 80);
  if (l.kind === 'model') return text;
  return l.path && links.file ? `[${text}](${encodeURI(links.file(relative(report.root, l.path)))})` : text;
}

function counts(s: SuiteResult): string {
  const parts: string[] = [];
  const n = (pred: (c: CheckResult) => boolean): number => s.checks.filter(pred).length;
  const failed = n((c) => c.status === 'failed' && c.severity === 'error');
  const errored = n((c) => c.status === 'errored' && c.severity === 'error');
  const warned = n((c) => c.status !== 'passed' && c.severity === 'warn');
  const passed = n((c) => c.status === 'passed');
  if (failed) parts.push(`${failed} failed`);
  if (errored) parts.push(`${errored} errored`);
  if (warned) parts.push(`${warned} warned`);
  parts.push(`${passed} passed`);
  return parts.join(', ');
}

const suiteIcon = (s: SuiteResult): string => (s.status === 'passed' ? (s.checks.some((c) => c.status !== 'passed') ? ICON.warned : ICON.passed) : s.status === 'failed' ? ICON.failed : ICON.errored);

function signed(x: number): string {
  if (x === 0) return '±0';
  return `${x > 0 ? '+' : '−'}${fmtMetric(Math.abs(Number(x.toPrecision(10))))}`;
}

function deltaTable(deltas: MetricDelta[]): string[] {
  const hasBase = deltas.some((d) => d.baseline !== null);
  const hasProd = deltas.some((d) => d.production !== null);
  const head = ['Metric', 'Current', ...(hasBase ? ['Baseline', 'Δ'] : []), ...(hasProd ? ['Production', 'Δ'] : [])];
  const align = ['---', '--:', ...(hasBase ? ['--:', '--:'] : []), ...(hasProd ? ['--:', '--:'] : [])];
  const cell = (x: number | null): string => (x === null ? '–' : fmtMetric(x));
  const delta = (cur: number | null, other: number | null): string => (cur === null || other === null ? '–' : signed(cur - other));
  const rows = deltas.map((d) => [mdEscape(d.metric, 60), cell(d.current), ...(hasBase ? [cell(d.baseline), delta(d.current, d.baseline)] : []), ...(hasProd ? [cell(d.production), delta(d.current, d.production)] : [])]);
  return [`| ${head.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function suiteSection(report: ChecksReport, s: SuiteResult, links: MarkdownLinks): string[] {
  const out: string[] = [];
  const open = s.status !== 'passed' || s.checks.some((c) => c.status !== 'passed');
  out.push(`<details${open ? ' open' : ''}><summary><b>${suiteIcon(s)} ${mdEscape(s.name, 80)}</b> — ${mdEscape(counts(s))}</summary>`, '');
  if (s.description) out.push(mdEscape(s.description, 300), '');
  if (s.subject) out.push(`Checked: ${mdEscape(s.subject, 300)}`, '');
  out.push('| | Check | Expected | Measured | Where |', '|:-:|---|---|---|---|');
  for (const c of s.checks) {
    const measured = c.actual ?? (c.status === 'errored' ? c.message : '');
    const where = c.links.slice(0, 2).map((l) => linkText(report, l, links)).join('<br>');
    out.push(`| ${icon(c)} | ${mdEscape(c.name, 80)} | ${mdEscape(c.expected ?? '')} | ${mdEscape(measured)} | ${where} |`);
  }
  const bad = s.checks.filter((c) => c.status !== 'passed');
  if (bad.length) {
    out.push('');
    for (const c of bad) {
      const hint = c.hint ? ` _(${mdEscape(c.hint, 300)})_` : '';
      out.push(`- ${icon(c)} **${mdEscape(c.name, 80)}**${c.severity === 'warn' ? ' (warning only)' : ''}: ${mdEscape(c.message, 500)}${hint}`);
    }
  }
  if (s.deltas?.length) out.push('', `**Metric deltas**${s.run ? ` — run ${mdEscape(s.run.id, 80)}` : ''}`, '', ...deltaTable(s.deltas));
  out.push('', '</details>', '');
  return out;
}

export function markdownReport(report: ChecksReport, links: MarkdownLinks = {}): string {
  const t = report.totals;
  const verdict = report.status === 'passed'
    ? `${ICON.passed} Quality gates passed: ${t.passed} of ${t.checks} checks${t.warned ? ` (${t.warned} warning${t.warned > 1 ? 's' : ''})` : ''}`
    : `${report.status === 'failed' ? ICON.failed : ICON.errored} Quality gates failed: ${[t.failed ? `${t.failed} failed` : '', t.errored ? `${t.errored} errored` : ''].filter(Boolean).join(', ')} of ${t.checks} checks`;
  const out: string[] = [`### ${verdict}`, ''];
  out.push('| Suite | Checked | Result |', '|---|---|---|');
  for (const s of report.suites) out.push(`| ${suiteIcon(s)} ${mdEscape(s.name, 80)} | ${mdEscape(s.subject, 120)} | ${mdEscape(counts(s))} |`);
  out.push('');
  for (const s of report.suites) out.push(...suiteSection(report, s, links));
  const file = links.file ? `[${mdEscape(report.file, 80)}](${encodeURI(links.file(report.file))})` : `\`${report.file.replace(/`/g, "'")}\``;
  out.push(`<sub>mlops check · ${file} · ${report.createdAt} · ${(report.durationMs / 1000).toFixed(1)} s${links.job ? ` · [CI job](${encodeURI(links.job)})` : ''}</sub>`);
  return out.join('\n') + '\n';
}

/** The same for a checks file that could not be read. */
export function markdownConfigError(message: string, where: string): string {
  return `### ${ICON.errored} Quality gates could not run\n\nThe checks configuration has an error:\n\n\`\`\`\n${where}: ${message.replace(/```/g, "'''")}\n\`\`\`\n`;
}
