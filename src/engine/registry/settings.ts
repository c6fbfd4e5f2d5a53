/**
 * The `registry:` and `policy:` sections of mlops.yaml, validated with the line of every mistake.
 *
 *   registry:
 *     audit: { mirror: .mlops/audit.jsonl }      # or `mirror: false`
 *     mlflow: [mlflow.db]                         # default: ./mlflow.db when present
 *     drift: { monitor: churn }                   # whose latest drift report `drift.*` reads
 *     gates:
 *       production:
 *         - metrics.accuracy >= 0.85
 *         - { name: low drift, check: drift.share < 0.3 }
 *         - newer-than-current
 *       alias:champion: [ metrics.f1 >= 0.7 ]
 *     models:
 *       churn-model: { gates: { staging: [ has-run ] } }
 *
 *   policy:
 *     roles:
 *       maintainer: [register, promote:staging, promote:production, archive, delete, edit, alias:*]
 *     people:
 *       alice@example.com: maintainer
 *       '*@example.com': [scientist]
 *     default: viewer                              # role of people not listed (optional)
 */
import path from 'node:path';
import type { WorkspaceConfig } from '../config/config.ts';
import { MlopsError } from '../errors.ts';
import { parseExpression } from '../expr/index.ts';
import type { GateDefinition, RegistrySettings } from './api.ts';
import { validateAlias, validateModelName } from './names.ts';

export const DEFAULT_MIRROR = '.mlops/audit.jsonl';

/** Checks that are not expressions. */
export const BUILTIN_CHECKS = {
  'newer-than-current': 'the version is newer than every version currently holding the target',
  'has-run': 'the version was registered with a source run',
  'clean-commit': 'the version was registered from a committed, clean git working tree',
} as const;
export type BuiltinCheck = keyof typeof BUILTIN_CHECKS;

export function isBuiltin(expression: string): expression is BuiltinCheck {
  return Object.hasOwn(BUILTIN_CHECKS, expression);
}

const STAGE_KEYS = ['none', 'staging', 'production', 'archived'] as const;
const FIXED_ACTIONS = ['register', 'promote:none', 'promote:staging', 'promote:production', 'promote:*', 'archive', 'delete', 'edit', 'alias:*', '*'];

export interface PolicyRule {
  role: string;
  actions: string[];
  line?: number;
}

export interface PolicySettings {
  file: string;
  roles: Map<string, PolicyRule>;
  /** Person pattern (exact email or with `*`) → roles, in file order. */
  people: Array<{ pattern: string; roles: string[]; line?: number }>;
  defaultRoles: string[];
  defaultLine?: number;
  line?: number;
}

export interface ParsedSettings {
  settings: RegistrySettings;
  policy: PolicySettings | undefined;
  driftMonitor: string | null;
}

type At = Array<string | number>;

export function parseRegistrySettings(root: string, config: WorkspaceConfig): ParsedSettings {
  const file = config.source?.file ?? path.join(root, 'mlops.yaml');
  const lineOf = (at: At): number | undefined => config.source?.lineOf(at);
  const fail = (at: At, message: string, hint: string): MlopsError => new MlopsError('config', message, { location: { file, line: lineOf(at) }, hint });
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const warnings: MlopsError[] = [];

  const reg = config.sections.registry;
  if (reg !== undefined && !isMap(reg)) throw fail(['registry'], "'registry' must be a mapping.", 'See the README, section "Model registry".');
  const r = (reg ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!['audit', 'mlflow', 'drift', 'gates', 'models'].includes(key)) {
      warnings.push(fail(['registry', key], `Unknown key 'registry.${key}'.`, 'Known keys: audit, mlflow, drift, gates, models.'));
    }
  }

  // audit.mirror
  let auditMirror: string | null = DEFAULT_MIRROR;
  if (r.audit !== undefined && r.audit !== null) {
    if (!isMap(r.audit)) throw fail(['registry', 'audit'], "'registry.audit' must be a mapping.", 'Example:\n  audit:\n    mirror: .mlops/audit.jsonl');
    const m = r.audit.mirror;
    if (m === false) auditMirror = null;
    else if (typeof m === 'string' && m.trim() !== '') {
      if (path.isAbsolute(m) || m.split(/[\\/]/).includes('..')) throw fail(['registry', 'audit', 'mirror'], `'registry.audit.mirror' (${m}) leaves the workspace.`, 'Use a workspace-relative path such as .mlops/audit.jsonl.');
      auditMirror = m.replace(/\\/g, '/');
    } else if (m !== undefined && m !== null && m !== true) {
      throw fail(['registry', 'audit', 'mirror'], "'registry.audit.mirror' must be a path or false.", 'Example: mirror: .mlops/audit.jsonl');
    }
  }

  // mlflow
  let mlflowDbs: string[] = [];
  if (r.mlflow !== undefined && r.mlflow !== null) {
    const list = typeof r.mlflow === 'string' ? [r.mlflow] : r.mlflow;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x.trim() === '')) {
      throw fail(['registry', 'mlflow'], "'registry.mlflow' must be a path or a list of paths to mlflow.db files.", 'Example: mlflow: [mlflow.db]');
    }
    mlflowDbs = list as string[];
  }

  // drift.monitor
  let driftMonitor: string | null = null;
  if (r.drift !== undefined && r.drift !== null) {
    if (!isMap(r.drift) || (r.drift.monitor !== undefined && typeof r.drift.monitor !== 'string')) {
      throw fail(['registry', 'drift'], "'registry.drift' must be a mapping with 'monitor' (a monitored dataset name).", 'Example:\n  drift:\n    monitor: churn');
    }
    driftMonitor = (r.drift.monitor as string | undefined) ?? null;
  }

  const gates = readGates(r.gates, ['registry', 'gates'], file, lineOf, fail);
  const modelGates: Record<string, Record<string, GateDefinition[]>> = {};
  if (r.models !== undefined && r.models !== null) {
    if (!isMap(r.models)) throw fail(['registry', 'models'], "'registry.models' must map model names to settings.", 'Example:\n  models:\n    churn-model:\n      gates: { production: [ metrics.accuracy >= 0.9 ] }');
    for (const [name, v] of Object.entries(r.models)) {
      try {
        validateModelName(name);
      } catch (e) {
        throw fail(['registry', 'models', name], (e as MlopsError).message, (e as MlopsError).hint ?? '');
      }
      if (!isMap(v)) throw fail(['registry', 'models', name], `'registry.models.${name}' must be a mapping with 'gates'.`, 'Example: churn-model: { gates: { production: [ has-run ] } }');
      modelGates[name] = readGates(v.gates, ['registry', 'models', name, 'gates'], file, lineOf, fail);
    }
  }

  const policy = readPolicy(config.sections.policy, file, lineOf, fail);
  return {
    settings: { gates, modelGates, policyEnabled: policy !== undefined, auditMirror, mlflowDbs, warnings },
    policy,
    driftMonitor,
  };
}

function readGates(
  value: unknown, at: At, file: string, lineOf: (at: At) => number | undefined,
  fail: (at: At, message: string, hint: string) => MlopsError,
): Record<string, GateDefinition[]> {
  const out: Record<string, GateDefinition[]> = {};
  if (value === undefined || value === null) return out;
  const example = 'Example:\n  gates:\n    production:\n      - metrics.accuracy >= 0.9\n      - newer-than-current';
  if (typeof value !== 'object' || Array.isArray(value)) throw fail(at, `'${at.join('.')}' must map targets (staging, production, alias:<name>) to lists of checks.`, example);
  for (const [target, list] of Object.entries(value as Record<string, unknown>)) {
    const key = gateKey(target);
    if (!key) {
      throw fail([...at, target], `Unknown gate target '${target}' in '${at.join('.')}'.`, `Targets: ${STAGE_KEYS.join(', ')}, alias:<name>, alias:*.`);
    }
    if (!Array.isArray(list)) throw fail([...at, target], `'${at.join('.')}.${target}' must be a list of checks.`, example);
    out[key] = list.map((item, i) => {
      const here = [...at, target, i];
      let name: string | undefined;
      let expression: unknown = item;
      if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        const o = item as Record<string, unknown>;
        expression = o.check;
        if (o.name !== undefined && typeof o.name !== 'string') throw fail(here, "A check's 'name' must be text.", 'Example: { name: accurate enough, check: metrics.accuracy >= 0.9 }');
        name = o.name as string | undefined;
      }
      if (typeof expression !== 'string' || expression.trim() === '') {
        throw fail(here, `Check ${i + 1} of '${target}' must be an expression or { name, check }.`, `Example: - metrics.accuracy >= 0.9, or one of the built-in checks: ${Object.keys(BUILTIN_CHECKS).join(', ')}.`);
      }
      const text = expression.trim();
      if (!isBuiltin(text)) {
        try {
          parseExpression(text);
        } catch (e) {
          throw fail(here, `Check '${text}' is not a valid expression: ${(e as Error).message}`, `Write an expression over metrics.*, params.*, tags.*, drift.*, version, current.*; or a built-in check: ${Object.keys(BUILTIN_CHECKS).join(', ')}.`);
        }
      }
      return { name: name ?? text, expression: text, location: { file, ...(lineOf(here) !== undefined ? { line: lineOf(here)! } : {}) } };
    });
  }
  return out;
}

/** `Production`/`production` → `production`; `alias:champion` stays; anything else → undefined. */
export function gateKey(target: string): string | undefined {
  const t = target.trim();
  if ((STAGE_KEYS as readonly string[]).includes(t.toLowerCase())) return t.toLowerCase();
  if (t === 'alias:*' || isAliasRef(t)) return t;
  return undefined;
}

/** `alias:<a valid alias name>`. */
function isAliasRef(text: string): boolean {
  if (!text.startsWith('alias:')) return false;
  try {
    validateAlias(text.slice(6));
    return true;
  } catch {
    return false;
  }
}

function readPolicy(
  value: unknown, file: string, lineOf: (at: At) => number | undefined,
  fail: (at: At, message: string, hint: string) => MlopsError,
): PolicySettings | undefined {
  if (value === undefined || value === null) return undefined;
  const example = 'Example:\npolicy:\n  roles:\n    maintainer: [register, promote:staging, promote:production, archive]\n  people:\n    alice@example.com: maintainer';
  if (typeof value !== 'object' || Array.isArray(value)) throw fail(['policy'], "'policy' must be a mapping with 'roles' and 'people'.", example);
  const p = value as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!['roles', 'people', 'default'].includes(key)) throw fail(['policy', key], `Unknown key 'policy.${key}'.`, 'Known keys: roles, people, default.');
  }
  const roles = new Map<string, PolicyRule>();
  if (p.roles !== undefined && p.roles !== null) {
    if (typeof p.roles !== 'object' || Array.isArray(p.roles)) throw fail(['policy', 'roles'], "'policy.roles' must map role names to lists of actions.", example);
    for (const [role, actions] of Object.entries(p.roles as Record<string, unknown>)) {
      const list = typeof actions === 'string' ? [actions] : actions;
      if (!Array.isArray(list) || list.some((a) => typeof a !== 'string')) {
        throw fail(['policy', 'roles', role], `Role '${role}' must list its actions.`, `Actions: ${FIXED_ACTIONS.join(', ')}, alias:<name>.`);
      }
      for (const [i, a] of (list as string[]).entries()) {
        if (!isKnownAction(a)) throw fail(['policy', 'roles', role, i], `Unknown action '${a}' for role '${role}'.`, `Actions: ${FIXED_ACTIONS.join(', ')}, alias:<name>.`);
      }
      roles.set(role, { role, actions: list as string[], ...(lineOf(['policy', 'roles', role]) !== undefined ? { line: lineOf(['policy', 'roles', role])! } : {}) });
    }
  }
  const rolesOf = (v: unknown, at: At): string[] => {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw fail(at, `'${at.join('.')}' must be a role or a list of roles.`, example);
    for (const role of list as string[]) {
      if (!roles.has(role)) throw fail(at, `Role '${role}' is not defined under policy.roles.`, roles.size ? `Defined roles: ${[...roles.keys()].join(', ')}.` : 'Define it under policy.roles first.');
    }
    return list as string[];
  };
  const people: PolicySettings['people'] = [];
  if (p.people !== undefined && p.people !== null) {
    if (typeof p.people !== 'object' || Array.isArray(p.people)) throw fail(['policy', 'people'], "'policy.people' must map git user.email addresses to roles.", example);
    for (const [pattern, v] of Object.entries(p.people as Record<string, unknown>)) {
      const line = lineOf(['policy', 'people', pattern]);
      people.push({ pattern: pattern.trim().toLowerCase(), roles: rolesOf(v, ['policy', 'people', pattern]), ...(line !== undefined ? { line } : {}) });
    }
  }
  const defaultRoles = p.default === undefined || p.default === null ? [] : rolesOf(p.default, ['policy', 'default']);
  const line = lineOf(['policy']);
  const defaultLine = lineOf(['policy', 'default']);
  return { file, roles, people, defaultRoles, ...(defaultLine !== undefined && p.default != null ? { defaultLine } : {}), ...(line !== undefined ? { line } : {}) };
}

function isKnownAction(a: string): boolean {
  return FIXED_ACTIONS.includes(a) || isAliasRef(a);
}
