import assert from 'node:assert/strict';
import { promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataWatcher } from '../../../src/engine/versioning/watcher.ts';
import { makeWorkspace, write } from './workspace.ts';

/** Calls of onChange, and a way to wait for the next one. */
function recorder() {
  const calls: Array<{ at: number; units: string[] }> = [];
  let wake: (() => void) | undefined;
  return {
    calls,
    onChange(units: string[]) {
      calls.push({ at: performance.now(), units });
      wake?.();
    },
    next(timeoutMs: number): Promise<boolean> {
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), timeoutMs);
        wake = () => {
          clearTimeout(t);
          resolve(true);
        };
      });
    },
  };
}

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a file written under data/ gives one onChange with its unit within 2 s', async (t) => {
  const ws = await makeWorkspace({ files: { 'data/raw/old.csv': 'a\n', 'src/app.py': 'print(1)\n' } });
  const rec = recorder();
  const errors: Error[] = [];
  const w = new DataWatcher(ws.root, ws.v, { onChange: (u) => rec.onChange(u), onError: (e) => errors.push(e) });
  t.after(() => w.close());
  await w.ready;
  const t0 = performance.now();
  await write(ws.root, 'data/raw/new.csv', 'x,y\n1,2\n');
  assert.equal(await rec.next(2000), true, 'onChange within 2 s');
  assert.deepEqual(rec.calls[0]!.units, ['data/raw']);
  assert.ok(rec.calls[0]!.at - t0 < 2000);
  await quiet(1200);
  assert.equal(rec.calls.length, 1, 'exactly one call for one write');
  assert.deepEqual(errors, []);
});

test('debounced and deduplicated; ignores pointers, .gitignore, globs, pipeline outputs and code', async (t) => {
  const ws = await makeWorkspace({
    config: 'version: 1\ntrack:\n  paths: [data, models]\n  ignore: ["*.tmp"]\n',
    files: { 'data/a/1': '1', 'models/m.bin': 'm', 'src/x.py': '', 'dvc.yaml': 'stages:\n  s:\n    cmd: c\n    outs: [data/pipe]\n' },
  });
  await fs.mkdir(path.join(ws.root, 'data/pipe'));
  const rec = recorder();
  const w = new DataWatcher(ws.root, ws.v, { onChange: (u) => rec.onChange(u), stabilityMs: 200 });
  t.after(() => w.close());
  await w.ready;
  // Noise only: nothing may be reported for these.
  await write(ws.root, 'data/a.dvc', 'outs: []\n');
  await write(ws.root, 'data/.gitignore', '/a\n');
  await write(ws.root, 'data/junk.tmp', 'x');
  await write(ws.root, 'data/pipe/out.csv', 'o');
  await write(ws.root, 'src/x.py', 'print(2)');
  assert.equal(await rec.next(1500), false, `no unit for noise, got ${JSON.stringify(rec.calls)}`);
  // Many writes to three units in a burst → one call naming each once.
  for (let i = 0; i < 20; i++) writeFileSync(path.join(ws.root, `data/a/${i}`), `v${i}`);
  writeFileSync(path.join(ws.root, 'data/b.csv'), 'b');
  writeFileSync(path.join(ws.root, 'models/m.bin'), 'm2');
  assert.equal(await rec.next(3000), true);
  await quiet(800);
  assert.deepEqual(rec.calls.map((c) => c.units), [['data/a', 'data/b.csv', 'models/m.bin']], 'one debounced call, each unit once');
});

test('waits until a file stops growing; atomic renames report the final name only', async (t) => {
  const ws = await makeWorkspace({ files: { 'data/keep': 'k' } });
  const rec = recorder();
  const w = new DataWatcher(ws.root, ws.v, { onChange: (u) => rec.onChange(u), stabilityMs: 300 });
  t.after(() => w.close());
  await w.ready;
  const file = path.join(ws.root, 'data', 'big.bin');
  const h = await fs.open(file, 'w');
  for (let i = 0; i < 8; i++) {
    await h.write(Buffer.alloc(64 * 1024, i));
    await quiet(150);
  }
  await h.close();
  const closedAt = performance.now();
  assert.equal(await rec.next(3000), true);
  assert.ok(rec.calls[0]!.at - closedAt >= 250, 'not reported while it was still being written');
  assert.deepEqual(rec.calls[0]!.units, ['data/big.bin']);

  // Editor-style save: write a temp name, rename it over the target.
  await write(ws.root, 'data/.report.csv.swp', 'draft');
  await fs.rename(path.join(ws.root, 'data/.report.csv.swp'), path.join(ws.root, 'data/report.csv'));
  assert.equal(await rec.next(3000), true);
  await quiet(600);
  assert.deepEqual(rec.calls.slice(1).flatMap((c) => c.units), ['data/report.csv']);
});

test('folders created later under a tracked path are watched too; close stops events', async (t) => {
  const ws = await makeWorkspace({ files: { 'README.md': 'x' } });
  const rec = recorder();
  const w = new DataWatcher(ws.root, ws.v, { onChange: (u) => rec.onChange(u), stabilityMs: 200 });
  t.after(() => w.close());
  await w.ready;
  await write(ws.root, 'data/new-set/part1.csv', 'a');
  assert.equal(await rec.next(3000), true, 'data/ itself did not exist when the watcher started');
  assert.deepEqual(rec.calls[0]!.units, ['data/new-set']);
  await quiet(500);
  await write(ws.root, 'data/new-set/deeper/part2.csv', 'b');
  assert.equal(await rec.next(3000), true);
  assert.deepEqual(rec.calls.at(-1)!.units, ['data/new-set']);
  await w.close();
  const n = rec.calls.length;
  await write(ws.root, 'data/after-close.csv', 'c');
  await quiet(800);
  assert.equal(rec.calls.length, n);
});
