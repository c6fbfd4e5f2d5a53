import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { junitReport, junitConfigError, xmlEscape } from '../../../src/engine/checks/junit.ts';
import { markdownReport, mdEscape } from '../../../src/engine/checks/markdown.ts';
import { ciLinks } from '../../../src/engine/checks/ciLinks.ts';
import type { CheckResult, ChecksReport } from '../../../src/engine/checks/types.ts';
import { tempDir } from '../helpers/tmp.ts';

const NASTY = 'a|b <script>alert(1)</script> & "q" \'s\' ]]> `code` *x* [l](javascript:x)\n\u0000\u0007\uFFFF\uD800 emoji 🚀 ünïcode';

function check(over: Partial<CheckResult>): CheckResult {
  return {
    id: 's/x', suite: 's', name: 'x', kind: 'range', severity: 'error', status: 'passed', message: 'ok', details: [], links: [],
    range: { file: '/ws/checks.yaml', start: { line: 3, column: 7 }, end: { line: 3, column: 40 } }, durationMs: 12, ...over,
  };
}

function report(root: string): ChecksReport {
  return {
    version: 1, createdAt: '2024-07-01T00:00:00.000Z', root, file: 'checks.yaml', status: 'failed',
    totals: { checks: 4, passed: 1, failed: 1, errored: 1, warned: 1 },
    durationMs: 1234,
    suites: [
      {
        name: 'data', subject: `data/x.csv (3 rows) ${NASTY}`, status: 'failed', durationMs: 100,
        checks: [
          check({ id: 'data/a', name: 'age in [18, 85]', expected: 'in [18, 85]', actual: 'observed 1 … 99' }),
          check({ id: 'data/b', name: NASTY, status: 'failed', message: NASTY, expected: NASTY, actual: NASTY, details: [NASTY], links: [{ kind: 'file', path: path.join(root, 'data/x.csv'), line: 7, label: 'data/x.csv:7' }] }),
          check({ id: 'data/c', name: 'missing column', status: 'errored', errorKind: 'runtime', message: 'column "agee" is not in data/x.csv', hint: "did you mean 'age'?" }),
          check({ id: 'data/d', name: 'warn only', status: 'failed', severity: 'warn', message: 'too few rows' }),
        ],
      },
      {
        name: 'model', subject: 'run mlops:1', status: 'passed', durationMs: 5,
        checks: [check({ id: 'model/m', suite: 'model', name: 'accuracy >= 0.9', kind: 'metric', expected: 'accuracy >= 0.9', actual: 'accuracy = 0.93', links: [{ kind: 'run', runId: 'mlops:1', label: 'run: run mlops:1', gitCommit: '0123456789abcdef' }] })],
        deltas: [{ metric: 'accuracy', current: 0.93, baseline: 0.91, production: null }, { metric: 'f1', current: 0.7, baseline: 0.75, production: null }],
        run: { id: 'mlops:1', name: 'run-1', experiment: 'default', gitCommit: '0123456789abcdef', source: 'pipeline' },
      },
    ],
  };
}

/** Parse with Python's XML parser (expat): well-formed or an exception with the position. */
function parseXml(xml: string): { ok: boolean; out: string } {
  const dir = tempDir();
  const file = path.join(dir, 'r.xml');
  const py = `import sys, json, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot()
print(json.dumps({"root": t.tag, "attrs": t.attrib, "suites": [[s.get("name"), s.get("tests"), s.get("failures"), s.get("errors"), [[c.get("name"), [x.tag for x in c], [x.get("message") for x in c if x.tag in ("failure", "error")]] for c in s.findall("testcase")]] for s in t.findall("testsuite")]}))`;
  writeFileSync(file, xml);
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : r.stderr };
}

test('JUnit XML is well-formed whatever the data holds, with failures, errors and warnings where CI expects them', () => {
  const root = tempDir();
  const xml = junitReport(report(root));
  const parsed = parseXml(xml);
  assert.ok(parsed.ok, parsed.out);
  const doc = JSON.parse(parsed.out);
  assert.equal(doc.root, 'testsuites');
  assert.deepEqual(doc.attrs, { name: 'mlops check', tests: '5', failures: '1', errors: '1', skipped: '0', time: '1.234', timestamp: '2024-07-01T00:00:00.000Z' });
  const [data, model] = doc.suites;
  assert.deepEqual(data.slice(0, 4), ['data', '4', '1', '1']);
  assert.deepEqual(data[4].map((c: unknown[]) => c[1]), [[], ['failure'], ['error'], ['system-out']]);
  // The parsed message is the original text, minus characters XML cannot carry.
  assert.equal(data[4][1][2][0], NASTY.replace(/[\u0000\u0007\uFFFF\uD800]/g, '\uFFFD'));
  assert.equal(data[4][1][0], NASTY.replace(/[\u0000\u0007\uFFFF\uD800]/g, '\uFFFD'));
  assert.deepEqual(model.slice(0, 4), ['model', '1', '0', '0']);
  assert.match(xml, /<testcase classname="s" name="age in \[18, 85\]" time="0\.012" file="checks\.yaml" line="3"\/>/);
  assert.match(xml, /type="range:runtime"/);
  assert.match(xml, /WARNING \(severity: warn, does not fail the gate\): too few rows/);
  assert.ok(!xml.includes('<script>'), 'markup in data is escaped');

  const cfg = junitConfigError('mlops.yaml:4: Not valid YAML: <oops> & more', 'mlops.yaml', 4, '2024-07-01T00:00:00.000Z');
  const p2 = parseXml(cfg);
  assert.ok(p2.ok, p2.out);
  assert.deepEqual(JSON.parse(p2.out).suites[0].slice(0, 4), ['configuration', '1', '0', '1']);
  assert.equal(xmlEscape('\u0001<&>'), '\uFFFD&lt;&amp;&gt;');
});

test('the Markdown report: verdict, overview, a table per suite, escaped cells, links and metric deltas', () => {
  const root = tempDir();
  mkdirSync(path.join(root, '.git'));
  const md = markdownReport(report(root), ciLinks({ GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/churn', GITHUB_SHA: 'c0ffee', GITHUB_RUN_ID: '42' }, root));
  const lines = md.split('\n');
  assert.equal(lines[0], '### ❌ Quality gates failed: 1 failed, 1 errored of 4 checks');
  assert.ok(lines.includes('| Suite | Checked | Result |'));
  assert.ok(md.includes('| ❌ data |'));
  assert.ok(md.includes('| ✅ model | run mlops:1 | 1 passed |'));
  assert.ok(md.includes('<details open><summary><b>❌ data</b> — 1 failed, 1 errored, 1 warned, 1 passed</summary>'));
  assert.ok(md.includes('<details><summary><b>✅ model</b> — 1 passed</summary>'), 'passing suites are folded');
  // Every table row keeps its column count: nothing in the data adds a pipe or a line break.
  for (const row of lines.filter((l) => l.startsWith('| ') && l.includes('data/x.csv:7'))) assert.equal(row.replace(/\\\|/g, '').split('|').length, 7, row);
  assert.ok(!md.includes('<script>'));
  assert.ok(md.includes('&lt;script&gt;'));
  assert.ok(!/(?<!\\)\]\(javascript:/.test(md) && md.includes('\\[l\\](javascript:x)'), 'a link in the data does not become a link');
  assert.ok(md.includes('[data/x.csv:7](https://github.com/acme/churn/blob/c0ffee/data/x.csv#L7)'));
  assert.ok(md.includes('([01234567](https://github.com/acme/churn/commit/0123456789abcdef))'));
  assert.ok(md.includes('| ⚠️ | missing column |'));
  assert.ok(md.includes("_(did you mean 'age'?)_"));
  assert.ok(md.includes('| 🟡 | warn only |'));
  assert.ok(md.includes('| Metric | Current | Baseline | Δ |'));
  assert.ok(md.includes('| accuracy | 0.93 | 0.91 | +0.02 |'));
  assert.ok(md.includes('| f1 | 0.7 | 0.75 | −0.05 |'));
  assert.ok(md.includes('[CI job](https://github.com/acme/churn/actions/runs/42)'));
  assert.equal(mdEscape('a|b\nc <d> *e*'), 'a\\|b c &lt;d&gt; \\*e\\*');
});

test('CI links: GitLab, a workspace in a subfolder of the repository, and --link-base', () => {
  const repo = tempDir();
  mkdirSync(path.join(repo, '.git'));
  const ws = path.join(repo, 'examples', 'churn');
  mkdirSync(ws, { recursive: true });
  const gl = ciLinks({ GITLAB_CI: 'true', CI_PROJECT_URL: 'https://gitlab.com/acme/churn', CI_COMMIT_SHA: 'beef', CI_JOB_URL: 'https://gitlab.com/acme/churn/-/jobs/7' }, ws);
  assert.equal(gl.file!('data/x.csv', 3), 'https://gitlab.com/acme/churn/-/blob/beef/examples/churn/data/x.csv#L3');
  assert.equal(gl.commit!('abc'), 'https://gitlab.com/acme/churn/-/commit/abc');
  assert.equal(gl.job, 'https://gitlab.com/acme/churn/-/jobs/7');
  const base = ciLinks({}, ws, 'https://example.org/tree/main');
  assert.equal(base.file!('checks.yaml'), 'https://example.org/tree/main/examples/churn/checks.yaml');
  assert.deepEqual(ciLinks({}, ws), {}, 'outside CI there are no links unless asked');
});
