// Names, the registry/policy sections of mlops.yaml (errors name their line), and policy decisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/engine/config/config.ts';
import { MlopsError } from '../../../src/engine/errors.ts';
import { parseStage, parseVersionNumber, validateAlias, validateModelName } from '../../../src/engine/registry/names.ts';
import { decide } from '../../../src/engine/registry/policy.ts';
import { parseRegistrySettings } from '../../../src/engine/registry/settings.ts';

const settings = (yaml: string) => parseRegistrySettings('/ws', parseConfig('/ws/mlops.yaml', yaml));

function configError(yaml: string): MlopsError {
  try {
    settings(yaml);
  } catch (e) {
    assert.ok(e instanceof MlopsError, String(e));
    return e;
  }
  assert.fail('expected a config error');
}

test('model names: path separators, markup, control characters and dots are refused with the reason', () => {
  assert.equal(validateModelName('churn-model_v2.1'), 'churn-model_v2.1');
  const cases: Array<[string, RegExp]> = [
    ['../etc', /path separator/], ['a/b', /path separator/], ['a\\b', /path separator/], ['<script>', /markup/],
    ['a"b', /markup/], ['a\u0007b', /control character/], ['with space', /whitespace/], ['', /empty/], ['a..b', /"\.\."/],
    ['x'.repeat(129), /longer than 128/], ['-lead', /letters, digits/],
  ];
  for (const [name, why] of cases) {
    assert.throws(() => validateModelName(name), (e: unknown) => e instanceof MlopsError && e.code === 'usage' && why.test(e.message) && /churn-model/.test(e.hint ?? ''), name);
  }
  assert.throws(() => validateAlias('latest'), /reserved|version reference/);
  assert.throws(() => validateAlias('v3'), /version reference/);
  assert.throws(() => validateAlias('a/b'), /not a valid alias/);
  assert.equal(validateAlias('champion'), 'champion');
  assert.equal(parseStage('production'), 'Production');
  assert.throws(() => parseStage('prod'), /unknown stage 'prod'.*/);
  assert.equal(parseVersionNumber('v12'), 12);
  assert.equal(parseVersionNumber('1.5'), undefined);
});

test('registry section: gates per stage and alias, named checks, built-ins, per-model gates, mirror and drift monitor', () => {
  const s = settings(`version: 1
registry:
  audit: { mirror: audit/registry.jsonl }
  drift: { monitor: churn }
  gates:
    Production:
      - metrics.accuracy >= 0.9
      - { name: low drift, check: drift.share < 0.3 }
      - newer-than-current
    alias:champion: [ metrics.f1 >= 0.7 ]
  models:
    churn-model:
      gates:
        staging: [ has-run ]
`);
  assert.deepEqual(Object.keys(s.settings.gates), ['production', 'alias:champion']);
  assert.deepEqual(s.settings.gates.production!.map((g) => [g.name, g.expression, g.location?.line]), [
    ['metrics.accuracy >= 0.9', 'metrics.accuracy >= 0.9', 7], ['low drift', 'drift.share < 0.3', 8], ['newer-than-current', 'newer-than-current', 9],
  ]);
  assert.deepEqual(s.settings.modelGates['churn-model']!.staging!.map((g) => g.expression), ['has-run']);
  assert.equal(s.settings.auditMirror, 'audit/registry.jsonl');
  assert.equal(s.driftMonitor, 'churn');
  assert.equal(s.settings.policyEnabled, false);
  assert.equal(settings('version: 1\n').settings.auditMirror, '.mlops/audit.jsonl');
  assert.equal(settings('version: 1\nregistry:\n  audit: { mirror: false }\n').settings.auditMirror, null);
});

test('config mistakes name file and line', () => {
  const bad = configError('version: 1\nregistry:\n  gates:\n    production:\n      - metrics.accuracy >=\n');
  assert.match(bad.message, /not a valid expression/);
  assert.equal(bad.location?.line, 5);
  assert.equal(bad.location?.file, '/ws/mlops.yaml');
  assert.equal(configError('version: 1\nregistry:\n  gates:\n    prod: [ has-run ]\n').location?.line, 4);
  assert.match(configError('version: 1\nregistry:\n  gates:\n    prod: [ has-run ]\n').hint!, /staging, production/);
  assert.equal(configError('version: 1\nregistry:\n  models:\n    bad/name: {}\n').location?.line, 4);
  assert.match(configError('version: 1\nregistry:\n  audit: { mirror: ../outside.jsonl }\n').message, /leaves the workspace/);
  const role = configError('version: 1\npolicy:\n  roles:\n    dev: [register, promote:prod]\n');
  assert.match(role.message, /Unknown action 'promote:prod'/);
  assert.equal(role.location?.line, 4);
  const undefinedRole = configError('version: 1\npolicy:\n  roles:\n    dev: [register]\n  people:\n    bob@example.com: admin\n');
  assert.match(undefinedRole.message, /Role 'admin' is not defined/);
  assert.equal(undefinedRole.location?.line, 6);
  const warned = settings('version: 1\nregistry:\n  gatez: {}\n');
  assert.match(warned.settings.warnings[0]!.message, /Unknown key 'registry.gatez'/);
});

test('policy: roles per person (wildcards, default role), refusals name who, what and the rule with its line', () => {
  const { policy } = settings(`version: 1
policy:
  roles:
    scientist: [register, promote:staging, alias:*]
    maintainer: [register, promote:*, archive, delete, edit]
    viewer: []
  people:
    alice@example.com: maintainer
    '*@example.com': scientist
  default: viewer
`);
  assert.equal(decide(undefined, 'anyone', 'delete').allowed, true);
  assert.match(decide(undefined, 'anyone', 'delete').rule, /no policy section/);
  const alice = decide(policy, 'Alice@Example.com', 'promote:production');
  assert.equal(alice.allowed, true);
  assert.match(alice.rule, /role 'maintainer' allows promote:\* \(mlops\.yaml:5\)/);
  const bob = decide(policy, 'bob@example.com', 'promote:production');
  assert.equal(bob.allowed, false);
  assert.deepEqual(bob.roles, ['scientist']);
  assert.match(bob.rule, /role scientist does not allow promote:production \(scientist: register, promote:staging, alias:\*; mlops\.yaml:4\)/);
  assert.equal(decide(policy, 'bob@example.com', 'alias:champion').allowed, true);
  const stranger = decide(policy, 'eve@elsewhere.org', 'register');
  assert.equal(stranger.allowed, false);
  assert.match(stranger.rule, /default role \(policy\.default, mlops\.yaml:10\)/);
  const { policy: strict } = settings('version: 1\npolicy:\n  roles:\n    dev: [register]\n  people:\n    a@x.org: dev\n');
  assert.match(decide(strict, 'eve@elsewhere.org', 'register').rule, /is not listed under policy\.people and the policy has no default role/);
});
