import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, CONFIG_TEMPLATE, DEFAULT_CONFIG } from '../../../src/engine/config/config.ts';
import { MlopsError } from '../../../src/engine/errors.ts';

const F = '/ws/mlops.yaml';

function fails(text: string, check: (e: MlopsError) => boolean) {
  assert.throws(() => parseConfig(F, text), (e: unknown) => e instanceof MlopsError && e.code === 'config' && check(e));
}

test('the template written by init parses to the defaults', () => {
  const c = parseConfig(F, CONFIG_TEMPLATE);
  assert.equal(c.version, 1);
  assert.deepEqual(c.track, DEFAULT_CONFIG.track);
  assert.deepEqual(c.warnings, []);
});

test('an empty file means defaults', () => {
  assert.deepEqual(parseConfig(F, '').track.paths, ['data', 'models']);
  assert.deepEqual(parseConfig(F, '# only a comment\n').track.paths, ['data', 'models']);
});

test('track paths and ignore are read', () => {
  const c = parseConfig(F, 'version: 1\ntrack:\n  paths: [datasets, weights/best]\n  ignore: ["**/*.tmp"]\n');
  assert.deepEqual(c.track, { paths: ['datasets', 'weights/best'], ignore: ['**/*.tmp'] });
});

test('YAML syntax errors name the file and line', () => {
  fails('version: 1\ntrack:\n  paths: [data\n  ignore: []\n', (e) => e.location?.file === F && typeof e.location.line === 'number' && e.location.line >= 3);
  fails('version: 1\nversion: 2\n', (e) => e.location?.line === 2);
});

test('wrong types name the line of the bad value and how to fix it', () => {
  fails('version: 1\n\ntrack:\n  paths: data\n', (e) => e.location?.line === 4 && e.message.includes('track.paths') && /Example/.test(e.hint ?? ''));
  fails('version: one\n', (e) => e.location?.line === 1 && /integer/.test(e.message));
  fails('track:\n  paths:\n    - data\n    - ../outside\n', (e) => e.location?.line === 4 && /leaves the workspace/.test(e.message));
  fails('- a\n- b\n', (e) => /mapping/.test(e.message));
});

test('a config from a newer version is refused', () => {
  fails('version: 99\n', (e) => /reads up to 1/.test(e.message) && /Update/.test(e.hint ?? ''));
});

test('unknown sections are warnings with a line, not errors', () => {
  const c = parseConfig(F, 'version: 1\ntrak:\n  paths: [data]\n');
  assert.equal(c.warnings.length, 1);
  assert.equal(c.warnings[0]!.location?.line, 2);
  assert.match(c.warnings[0]!.message, /trak/);
});

test('hostile strings stay data', () => {
  const c = parseConfig(F, 'track:\n  paths: ["<script>alert(1)</script>", "a b/ü 😀"]\n');
  assert.deepEqual(c.track.paths, ['<script>alert(1)</script>', 'a b/ü 😀']);
});

test('alias bombs are refused instead of exhausting memory', () => {
  const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
  assert.throws(() => parseConfig(F, bomb));
});
