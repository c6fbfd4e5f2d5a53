import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunStore } from '../../../src/engine/tracking/runStore.ts';
import { parseRunLogLine, tailRunLog } from '../../../src/engine/tracking/jsonl.ts';
import { openStore, tempDir } from './fixtures.ts';

function newRun(runs: RunStore, id = 'r1'): number {
  return runs.createRun({ id, origin: 'jsonl', experiment: 'exp', name: 'run-1', status: 'running', startedAt: '2025-01-01T00:00:00.000Z' });
}

test('migration 5 creates the tracking tables; runs, params, latest metrics and series round-trip, NaN and ±inf kept', () => {
  const root = tempDir();
  const store = openStore(root);
  try {
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    for (const t of ['runs', 'run_params', 'run_metrics', 'metric_points', 'run_logs']) assert.ok(tables.includes(t), t);
    const runs = new RunStore(store);
    const rid = newRun(runs);
    assert.equal(newRun(runs), rid, 'creating the same id again returns the existing run');
    const huge = 'x'.repeat(20_000);
    runs.setParams(rid, { 'train.lr': 0.01, 'train.layers': 3, opt: 'adam', flag: true, none: null, huge, odd: NaN });
    runs.appendPoints(rid, [
      { key: 'loss', step: 0, value: 1.5, timestamp: 1000 },
      { key: 'loss', step: 2, value: NaN, timestamp: 1002 },
      { key: 'loss', step: 1, value: 0.9, timestamp: 1001 },
      { key: 'acc', step: 0, value: Infinity, timestamp: 1000 },
      { key: 'acc', step: 1, value: -Infinity, timestamp: 1001 },
    ]);
    const [loaded] = runs.loadSince(0);
    const s = loaded!.summary;
    assert.equal(s.id, 'mlops:r1');
    assert.deepEqual(s.params, { 'train.lr': 0.01, 'train.layers': 3, opt: 'adam', flag: true, none: null, huge, odd: NaN });
    assert.ok(Number.isNaN(s.metrics['loss']), 'latest loss is the NaN at step 2');
    assert.equal(s.metrics['acc'], -Infinity);
    const series = runs.series(rid);
    assert.deepEqual(series['loss']!.map((p) => p.step), [0, 1, 2]);
    assert.equal(series['loss']![1]!.value, 0.9);
    assert.ok(Number.isNaN(series['loss']![2]!.value));
    assert.deepEqual(series['acc']!.map((p) => p.value), [Infinity, -Infinity]);
    assert.deepEqual(Object.keys(runs.series(rid, ['acc'])), ['acc']);

    // Summary values override the series' last point; a later point at a higher step wins again.
    runs.setMetrics(rid, { loss: 0.5, extra: 7 });
    assert.equal(runs.loadSince(0)[0]!.summary.metrics['loss'], 0.5);
    runs.appendPoints(rid, [{ key: 'loss', step: 3, value: 0.4, timestamp: 1003 }]);
    assert.equal(runs.loadSince(0)[0]!.summary.metrics['loss'], 0.4);

    // Incremental reload: only runs changed after a seq come back.
    const seq = runs.version().seq;
    const other = newRun(runs, 'r2');
    assert.deepEqual(runs.loadSince(seq).map((r) => r.rid), [other]);
    assert.equal(runs.nextName('exp'), 'run-2', 'both runs are named run-1 here');
    runs.updateRun(other, { name: 'run-7' });
    assert.equal(runs.nextName('exp'), 'run-8');
    runs.deleteRun(rid);
    assert.deepEqual(runs.allRids(), [other]);
    runs.deleteRun(other);
    assert.equal(runs.nextName('exp'), 'run-1');
    assert.equal(newRun(runs, 'r3') > other, true, 'row ids are never reused');
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM metric_points').pluck().get(), 0, 'points of deleted runs are gone');
  } finally {
    store.close();
  }
});

test('JSONL lines: both shapes, nested metrics, Python NaN/Infinity, params, timestamps; bad lines say why', () => {
  assert.deepEqual(parseRunLogLine('{"step": 3, "metrics": {"loss": 0.21}}', 0), { step: 3, timestamp: null, metrics: { loss: 0.21 }, params: {} });
  assert.deepEqual(parseRunLogLine('{"step":3,"loss":0.21,"train":{"acc":0.5}}', 0).metrics, { loss: 0.21, 'train.acc': 0.5 });
  assert.equal(parseRunLogLine('{"loss": 1}', 7).step, 7, 'no step: the next one');
  const py = parseRunLogLine('{"step": 1, "metrics": {"a": NaN, "b": Infinity, "c": -Infinity, "s": "NaN in a string"}}', 0);
  assert.ok(Number.isNaN(py.metrics['a']));
  assert.equal(py.metrics['b'], Infinity);
  assert.equal(py.metrics['c'], -Infinity);
  assert.equal(py.metrics['s'], undefined, 'other strings are not metrics');
  assert.equal(parseRunLogLine('{"step": 1, "loss": 1, "timestamp": 1700000000.5}', 0).timestamp, 1700000000500, 'seconds become ms');
  assert.deepEqual(parseRunLogLine('{"params": {"lr": 0.1, "opt": {"name": "adam"}}}', 0).params, { lr: 0.1, 'opt.name': 'adam' });
  assert.throws(() => parseRunLogLine('{"step": 1, "loss": ', 0), /not valid JSON/);
  assert.throws(() => parseRunLogLine('[1, 2]', 0), /expected a JSON object/);
  assert.throws(() => parseRunLogLine('{"step": -1, "loss": 1}', 0), /"step" must be a whole number/);
  assert.throws(() => parseRunLogLine('{"step": 1, "phase": "train"}', 0), /no numeric metric/);
});

test('tailing metrics.jsonl: incremental, waits for a half-written line, warns on a corrupt one, resumes across processes', () => {
  const root = tempDir();
  const file = path.join(root, 'metrics.jsonl');
  const a = openStore(root);
  const b = openStore(root); // a second connection, as the CLI runner and the extension are
  try {
    const runsA = new RunStore(a);
    const runsB = new RunStore(b);
    const rid = newRun(runsA);
    writeFileSync(file, '{"step": 0, "metrics": {"loss": 1.0}}\n{"step": 1, "metrics": {"lo');
    let r = tailRunLog(runsA, rid, file);
    assert.equal(r.points, 1);
    assert.deepEqual(r.warnings, [], 'a half-written last line is not an error');
    appendFileSync(file, 'ss": 0.5}}\nthis is not json\n\n{"step": 2, "loss": 0.25}\r\n');
    r = tailRunLog(runsB, rid, file); // the other connection continues where the first stopped
    assert.equal(r.points, 2);
    assert.deepEqual(r.warnings, ['metrics.jsonl line 3: not valid JSON (Unexpected token \'h\', "this is not json" is not valid JSON)']);
    assert.equal(tailRunLog(runsA, rid, file).points, 0, 'nothing new: nothing read twice');
    const series = runsA.series(rid)['loss']!;
    assert.deepEqual(series.map((p) => [p.step, p.value]), [[0, 1], [1, 0.5], [2, 0.25]]);
    const run = runsA.loadSince(0)[0]!.summary;
    assert.equal(run.metrics['loss'], 0.25);
    assert.equal(run.warnings.length, 1);

    // A final read takes an unterminated last line; a replaced (shorter) file is read again with a warning.
    appendFileSync(file, '{"step": 3, "loss": 0.125}');
    assert.equal(tailRunLog(runsA, rid, file).points, 0);
    assert.equal(tailRunLog(runsA, rid, file, { final: true }).points, 1);
    writeFileSync(file, '{"step": 0, "loss": 9}\n');
    r = tailRunLog(runsA, rid, file);
    assert.equal(r.points, 1);
    assert.match(r.warnings[0]!, /got shorter than what was already read/);
    assert.equal(tailRunLog(runsA, rid, path.join(root, 'missing.jsonl')).points, 0, 'a file not written yet is fine');
  } finally {
    a.close();
    b.close();
  }
});
