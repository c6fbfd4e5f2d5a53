import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkRuntime } from '../../../src/engine/store/native.ts';
import { MlopsError } from '../../../src/engine/errors.ts';
import { REPO_ROOT } from '../helpers/tmp.ts';

test('an old runtime is refused before the native module is touched, naming both runtimes', () => {
  assert.throws(
    () => checkRuntime({ node: '20.20.2', napi: '9', modules: '115' }),
    (e: unknown) => e instanceof MlopsError && e.code === 'native-module' && /node 20\.20\.2, napi 9/.test(e.message) && /Node-API 10/.test(e.message) && /Node\.js 24/.test(e.hint ?? ''),
  );
  assert.doesNotThrow(() => checkRuntime({ node: '24.21.0', napi: '10', modules: '137' }));
  assert.doesNotThrow(() => checkRuntime({ node: '22.15.0', napi: '10', modules: '127', electron: '35.0.0' }));
});

test('on a real older Node.js the CLI explains instead of crashing', (t) => {
  // Machines here ship Node 20 as the system node; better-sqlite3 13 would segfault there.
  const probe = spawnSync('/usr/bin/node', ['-p', 'process.versions.napi'], { encoding: 'utf8' });
  if (probe.status !== 0 || Number(probe.stdout) >= 10) {
    t.diagnostic('no Node.js with Node-API < 10 at /usr/bin/node; covered by the checkRuntime test above');
    return;
  }
  const cli = path.join(REPO_ROOT, 'dist/cli.js');
  if (!existsSync(cli)) spawnSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT });
  const r = spawnSync('/usr/bin/node', [cli, 'doctor', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.sqlite.ok, false);
  assert.match(report.sqlite.error, /needs Node-API 10/);
});
