import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { COMMANDS } from '../../../src/cli/registry.ts';
import { tempDir, REPO_ROOT, NODE } from '../helpers/tmp.ts';

function run(argv: string[], cwd: string) {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {}, isTTY: false };
  return main(argv, io).then((code) => ({ code, out, err }));
}

test('--version and --help', async () => {
  const pkg = JSON.parse((await import('node:fs')).readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const v = await run(['--version'], '/');
  assert.equal(v.code, 0);
  assert.equal(v.out.trim(), pkg.version);
  const h = await run(['--help'], '/');
  assert.equal(h.code, 0);
  for (const c of COMMANDS) assert.ok(h.out.includes(c.name.join(' ')), `help lists ${c.name.join(' ')}`);
});

test('usage errors exit 2 with a message', async () => {
  assert.equal((await run([], '/')).code, 2);
  const bad = await run(['nonsense'], '/');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown command 'nonsense'/);
  const flag = await run(['init', '--frobnicate'], '/');
  assert.equal(flag.code, 2);
  assert.match(flag.err, /frobnicate/);
  const extra = await run(['init', 'a', 'b'], '/');
  assert.equal(extra.code, 2);
});

test('init then workspace --json reports the schema', async () => {
  const root = tempDir();
  const init = await run(['init', '--json'], root);
  assert.equal(init.code, 0, init.err);
  const r = JSON.parse(init.out);
  assert.equal(r.createdStore, true);
  assert.ok(existsSync(r.storeFile));
  const ws = await run(['workspace', '--json'], root);
  assert.equal(ws.code, 0);
  const w = JSON.parse(ws.out);
  assert.equal(w.state, 'ready');
  assert.equal(w.schemaVersion, r.schemaVersion);
});

test('failures exit 1 and are JSON when --json is asked', async () => {
  const root = tempDir();
  await run(['init'], root);
  writeFileSync(path.join(root, '.mlops', 'mlops.db'), 'garbage');
  const human = await run(['workspace'], root);
  assert.equal(human.code, 1);
  assert.match(human.err, /not an SQLite database/);
  const json = await run(['workspace', '--json'], root);
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.out).error.code, 'store-corrupt');
});

test('the mlops binary runs as a process', () => {
  const root = tempDir();
  const r = spawnSync(NODE, [path.join(REPO_ROOT, 'src/cli/index.ts'), 'init', root], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Initialized MLOps workspace/);
  const again = spawnSync(NODE, [path.join(REPO_ROOT, 'src/cli/index.ts'), 'init', root], { encoding: 'utf8' });
  assert.match(again.stdout, /Already initialized/);
  const bad = spawnSync(NODE, [path.join(REPO_ROOT, 'src/cli/index.ts'), 'nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});
