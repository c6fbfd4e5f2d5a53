/**
 * JUnit XML as CI systems read it (GitHub test reporters, GitLab `artifacts:reports:junit`, Jenkins,
 * Azure): one <testsuite> per check suite, one <testcase> per check, <failure> for a failed check
 * and <error> for one that could not be measured. Checks with `severity: warn` that did not pass
 * stay passing test cases and say so in <system-out>, because they must not fail the pipeline.
 * All text is escaped, and characters XML 1.0 forbids are replaced, so any data value is safe.
 */
import path from 'node:path';
import { gitRoot } from './ciLinks.ts';
import type { CheckResult, ChecksReport } from './types.ts';

// Control characters (except tab, LF, CR), lone surrogates and U+FFFE/U+FFFF are not allowed in XML 1.0.
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(text: string): string {
  return text
    .replace(INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Attribute values also keep their newlines and tabs (a parser would normalise raw ones to spaces). */
function attr(text: string): string {
  return xmlEscape(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function body(c: CheckResult, file: string): string {
  const lines = [c.message];
  if (c.expected !== undefined) lines.push(`expected: ${c.expected}`);
  if (c.actual !== undefined) lines.push(`actual:   ${c.actual}`);
  for (const d of c.details) lines.push(`  ${d}`);
  for (const l of c.links) lines.push(`see: ${l.label}`);
  if (c.hint) lines.push(`hint: ${c.hint}`);
  lines.push(`defined at: ${file}:${c.range.start.line}`);
  return lines.join('\n');
}

function testcase(c: CheckResult, file: string): string {
  const open = `    <testcase classname="${attr(c.suite)}" name="${attr(c.name)}" time="${seconds(c.durationMs)}" file="${attr(file)}" line="${c.range.start.line}"`;
  if (c.status === 'passed') return `${open}/>`;
  if (c.severity === 'warn') return `${open}>\n      <system-out>${xmlEscape(`WARNING (severity: warn, does not fail the gate): ${body(c, file)}`)}</system-out>\n    </testcase>`;
  const tag = c.status === 'failed' ? 'failure' : 'error';
  const type = c.status === 'failed' ? c.kind : `${c.kind}:${c.errorKind ?? 'runtime'}`;
  return `${open}>\n      <${tag} message="${attr(c.message)}" type="${attr(type)}">${xmlEscape(body(c, file))}</${tag}>\n    </testcase>`;
}

/**
 * Paths in `file=` attributes are relative to the git repository when there is one: CI annotations
 * (GitHub, GitLab) resolve them from the repository root, also for a workspace in a subfolder.
 */
function fileLabel(report: ChecksReport): string {
  const abs = path.resolve(report.root, report.file);
  const base = gitRoot(report.root) ?? report.root;
  return path.relative(base, abs).split(path.sep).join('/');
}

export function junitReport(report: ChecksReport): string {
  const file = fileLabel(report);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = report.suites.flatMap((s) => s.checks);
  const gating = (c: CheckResult): boolean => c.severity === 'error';
  const failures = all.filter((c) => c.status === 'failed' && gating(c)).length;
  const errors = all.filter((c) => c.status === 'errored' && gating(c)).length;
  out.push(`<testsuites name="mlops check" tests="${all.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(report.durationMs)}" timestamp="${attr(report.createdAt)}">`);
  for (const s of report.suites) {
    const f = s.checks.filter((c) => c.status === 'failed' && gating(c)).length;
    const e = s.checks.filter((c) => c.status === 'errored' && gating(c)).length;
    out.push(`  <testsuite name="${attr(s.name)}" tests="${s.checks.length}" failures="${f}" errors="${e}" skipped="0" time="${seconds(s.durationMs)}" timestamp="${attr(report.createdAt)}" file="${attr(file)}">`);
    const props: Array<[string, string]> = [['subject', s.subject]];
    if (s.description) props.push(['description', s.description]);
    if (s.run) props.push(['run', s.run.id]);
    out.push('    <properties>');
    for (const [k, v] of props) out.push(`      <property name="${attr(k)}" value="${attr(v)}"/>`);
    out.push('    </properties>');
    for (const c of s.checks) out.push(testcase(c, file));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** A report for a checks file that could not be read at all: one errored test case naming the problem. */
export function junitConfigError(message: string, file: string, line: number | undefined, createdAt: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mlops check" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${attr(createdAt)}">`,
    `  <testsuite name="configuration" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${attr(createdAt)}" file="${attr(file)}">`,
    `    <testcase classname="configuration" name="read the checks" time="0.000" file="${attr(file)}"${line ? ` line="${line}"` : ''}>`,
    `      <error message="${attr(message)}" type="config">${xmlEscape(message)}</error>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
