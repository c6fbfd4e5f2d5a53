import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CliCommand } from '../command.ts';
import type { CliIO } from '../io.ts';
import { EXIT, UsageError, printJson, table } from '../io.ts';
import type { CheckResult, ModelDetail, ModelVersion, PromotionResult, Stage } from '../../engine/registry/api.ts';
import { parseStage, parseVersionNumber } from '../../engine/registry/names.ts';
import { bytes, shortHash, withRegistry } from './registryCommon.ts';

function versionArg(text: string | undefined, what = 'version'): number {
  const n = text === undefined ? undefined : parseVersionNumber(text);
  if (n === undefined) throw new UsageError(`${what} must be a number (e.g. 3 or v3), got ${JSON.stringify(text ?? '')}`);
  return n;
}

function stagesText(m: Pick<ModelDetail, 'stages'>): string {
  const parts = (['Production', 'Staging'] as Stage[]).filter((s) => m.stages[s]?.length).map((s) => `${s}: v${m.stages[s]!.join(', v')}`);
  return parts.join('; ') || '-';
}

const aliasesText = (a: Record<string, number>): string => Object.entries(a).map(([k, v]) => `@${k}=v${v}`).join(' ') || '-';

function printChecks(io: CliIO, checks: readonly CheckResult[]): void {
  for (const c of checks) io.out(`  ${c.passed ? '✓' : '✗'} ${c.name}${c.name !== c.expression ? ` (${c.expression})` : ''}: ${c.detail}\n`);
}

function printVersion(io: CliIO, v: ModelVersion): void {
  const L = v.lineage;
  io.out(`${v.model} v${v.version}  ${v.stage}${v.aliases.length ? `  ${v.aliases.map((a) => `@${a}`).join(' ')}` : ''}${v.readOnly ? '  (read-only, MLflow)' : ''}\n`);
  io.out(`  artifact    ${v.artifactPath}${v.hash ? `  ${v.hash}  ${bytes(v.size)}${v.nfiles !== null ? `, ${v.nfiles} files` : ''}` : ''}\n`);
  io.out(`  registered  ${v.createdAt} by ${v.createdBy || '?'}\n`);
  if (v.description) io.out(`  description ${v.description}\n`);
  if (Object.keys(v.tags).length) io.out(`  tags        ${Object.entries(v.tags).map(([k, x]) => `${k}=${x}`).join(', ')}\n`);
  io.out(`  run         ${L.runId ?? '-'}${L.run ? `  (${L.run.name}, ${L.run.experiment}, ${L.run.status})` : ''}\n`);
  io.out(`  commit      ${L.gitCommit ?? '-'}${L.gitDirty ? ' (uncommitted changes)' : ''}\n`);
  for (const d of L.data) io.out(`  data        ${d.path}  ${d.hash ?? '-'}\n`);
  const metrics = Object.entries(L.metrics);
  if (metrics.length) io.out(`  metrics     ${metrics.map(([k, x]) => `${k}=${x}`).join(', ')}\n`);
  const params = Object.entries(L.params);
  if (params.length) io.out(`  params      ${params.map(([k, x]) => `${k}=${JSON.stringify(x)}`).join(', ')}\n`);
  if (v.mlmodel) {
    io.out(`  MLmodel     ${v.mlmodel.file}: flavors ${v.mlmodel.flavors.map((f) => f.name).join(', ') || 'none'}\n`);
    const sig = v.mlmodel.signature;
    if (sig?.inputs) io.out(`  inputs      ${sig.inputs.map((f) => `${f.name ?? '?'}:${f.type}`).join(', ')}\n`);
    if (sig?.outputs) io.out(`  outputs     ${sig.outputs.map((f) => `${f.name ?? '?'}:${f.type}`).join(', ')}\n`);
    for (const w of v.mlmodel.warnings) io.out(`  ! ${w}\n`);
  }
}

function printPromotion(io: CliIO, r: PromotionResult, json: boolean): number {
  if (json) printJson(io, r);
  else {
    io.out(`${r.ok ? (r.dryRun ? 'ok' : 'done') : 'BLOCKED'}  ${r.message}\n`);
    printChecks(io, r.checks);
    if (r.archived.length) io.out(`  archived: v${r.archived.join(', v')}\n`);
    if (!r.ok && r.auditSeq) io.out(`  (recorded in the audit trail as #${r.auditSeq})\n`);
  }
  return r.ok ? EXIT.ok : EXIT.failure;
}

const listCommand: CliCommand = {
  name: ['models', 'list'],
  summary: 'Registered models: ours and those of an mlflow.db (read-only)',
  usage: '[--json]',
  async run({ io, json }) {
    const { models, problems } = await withRegistry(io, async (r) => ({ models: r.list(), problems: r.problems() }));
    if (json) printJson(io, { models, problems });
    else {
      if (models.length === 0) io.out("No models are registered yet — register one with 'mlops models register <name> <path>'.\n");
      else {
        io.out(table([
          ['MODEL', 'SOURCE', 'VERSIONS', 'LATEST', 'STAGES', 'ALIASES', 'UPDATED'],
          ...models.map((m) => [m.id, m.sourceLabel, String(m.versionCount), m.latestVersion === null ? '-' : `v${m.latestVersion}`, stagesText(m), aliasesText(m.aliases), m.updatedAt.slice(0, 19).replace('T', ' ')]),
        ]));
      }
      for (const p of problems) io.err(`mlops: ${p.location}: ${p.message}\n`);
    }
    return EXIT.ok;
  },
};

const showCommand: CliCommand = {
  name: ['models', 'show'],
  summary: 'A model with its versions, or one version with its lineage',
  usage: '<model> [<version|alias|stage|latest>] [--json]',
  details: 'MLflow models are named mlflow:<name>.',
  positionals: [1, 2],
  async run({ io, positionals, json }) {
    const [model, ref] = positionals as [string, string | undefined];
    const out = await withRegistry(io, async (r) => (ref === undefined ? r.show(model) : r.getVersion(model, ref)));
    if (json) printJson(io, out);
    else if ('versions' in out) {
      io.out(`${out.id}${out.readOnly ? '  (read-only, MLflow)' : ''}\n${out.description ? `  ${out.description}\n` : ''}  aliases: ${aliasesText(out.aliases)}\n\n`);
      if (out.versions.length === 0) io.out('  no versions\n');
      else {
        io.out(table([
          ['VERSION', 'STAGE', 'ALIASES', 'HASH', 'RUN', 'REGISTERED', 'BY'],
          ...out.versions.map((v) => [`v${v.version}`, v.stage, v.aliases.join(', ') || '-', shortHash(v.hash), v.lineage.runId ?? '-', v.createdAt.slice(0, 19).replace('T', ' '), v.createdBy || '-']),
        ]));
      }
    } else printVersion(io, out);
    return EXIT.ok;
  },
};

const registerCommand: CliCommand = {
  name: ['models', 'register'],
  summary: 'Register a file or folder as a new version of a model (stored in the cache, with lineage)',
  usage: '<model> <path> [--run <run id> | --no-run] [--description <text>] [--tag key=value]… [--json]',
  details: `The source run is found from the artifact's hash (the latest run that produced it) unless --run names one.
The version records the git commit, the data the run consumed, and a snapshot of its metrics and params.`,
  options: {
    run: { type: 'string' },
    'no-run': { type: 'boolean', default: false },
    description: { type: 'string' },
    tag: { type: 'string', multiple: true },
  },
  positionals: [2, 2],
  async run({ io, values, positionals, json }) {
    const [model, p] = positionals as [string, string];
    const tags: Record<string, string> = {};
    for (const t of (values.tag as string[] | undefined) ?? []) {
      const eq = t.indexOf('=');
      if (eq <= 0) throw new UsageError(`--tag must be key=value, got ${JSON.stringify(t)}`);
      tags[t.slice(0, eq)] = t.slice(eq + 1);
    }
    if (values.run !== undefined && values['no-run']) throw new UsageError('--run and --no-run exclude each other');
    const runId = values['no-run'] ? null : (values.run as string | undefined);
    const r = await withRegistry(io, (reg) => reg.register({
      model, path: path.resolve(io.cwd, p), ...(runId !== undefined ? { runId } : {}),
      ...(values.description !== undefined ? { description: values.description as string } : {}), tags,
    }));
    if (json) printJson(io, r);
    else {
      io.out(`registered ${r.version.model} v${r.version.version}${r.createdModel ? ' (new model)' : ''}  ${r.version.artifactPath}  ${shortHash(r.version.hash)}  ${bytes(r.version.size)}\n`);
      io.out(`  run ${r.version.lineage.runId ?? '-'}  commit ${r.version.lineage.gitCommit?.slice(0, 8) ?? '-'}  data ${r.version.lineage.data.length}  metrics ${Object.keys(r.version.lineage.metrics).length}\n`);
      for (const n of r.notes) io.out(`  note: ${n}\n`);
    }
    return EXIT.ok;
  },
};

const promoteCommand: CliCommand = {
  name: ['models', 'promote'],
  summary: 'Move a version to a stage (None, Staging, Production, Archived), through the gates of mlops.yaml',
  usage: '<model> <version> <stage> [--expect-stage <stage>] [--archive-existing] [--comment <text>] [--dry-run] [--json]',
  details: `Exit code 1 when a gate blocks the promotion (each failed check is printed with its values).
--expect-stage refuses if the version is no longer in that stage (someone else moved it first).
--archive-existing archives the versions that held the stage before (as MLflow's archive_existing_versions).`,
  options: {
    'expect-stage': { type: 'string' },
    'archive-existing': { type: 'boolean', default: false },
    comment: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
  positionals: [3, 3],
  async run({ io, values, positionals, json }) {
    const [model, ver, stageText] = positionals as [string, string, string];
    const stage = parseStage(stageText);
    const r = await withRegistry(io, (reg) => reg.promote({
      model, version: versionArg(ver), target: { kind: 'stage', stage },
      ...(values['expect-stage'] !== undefined ? { expected: { stage: parseStage(values['expect-stage'] as string) } } : {}),
      ...(values.comment !== undefined ? { comment: values.comment as string } : {}),
      archiveExisting: Boolean(values['archive-existing']), dryRun: Boolean(values['dry-run']),
    }));
    return printPromotion(io, r, json);
  },
};

const aliasCommand: CliCommand = {
  name: ['models', 'alias'],
  summary: 'Point an alias (champion, staging, any name) at a version, or remove it',
  usage: '<model> <alias> <version> [--expect-holder <version|none>] [--comment <text>] [--dry-run] [--json]  |  <model> <alias> --remove',
  details: 'One version per alias per model: setting it moves it. Alias gates (alias:<name> in mlops.yaml) apply.',
  options: {
    remove: { type: 'boolean', default: false },
    'expect-holder': { type: 'string' },
    comment: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
  positionals: [2, 3],
  async run({ io, values, positionals, json }) {
    const [model, alias, ver] = positionals as [string, string, string | undefined];
    const holder = values['expect-holder'] === undefined ? undefined : (values['expect-holder'] as string).toLowerCase() === 'none' ? null : versionArg(values['expect-holder'] as string, '--expect-holder');
    if (values.remove) {
      if (ver !== undefined) throw new UsageError('--remove takes no version');
      const e = await withRegistry(io, (r) => r.removeAlias(model, alias, { ...(holder !== undefined ? { expectedHolder: holder } : {}), ...(values.comment !== undefined ? { comment: values.comment as string } : {}) }));
      if (json) printJson(io, e);
      else io.out(`removed alias '${alias}' of ${model} (was v${e.version})\n`);
      return EXIT.ok;
    }
    if (ver === undefined) throw new UsageError(`give the version for alias '${alias}', or --remove`);
    const r = await withRegistry(io, (reg) => reg.setAlias(model, alias, versionArg(ver), {
      ...(holder !== undefined ? { expected: { aliasHolder: holder } } : {}),
      ...(values.comment !== undefined ? { comment: values.comment as string } : {}), dryRun: Boolean(values['dry-run']),
    }));
    return printPromotion(io, r, json);
  },
};

const archiveCommand: CliCommand = {
  name: ['models', 'archive'],
  summary: 'Move a version to the Archived stage (its aliases are removed)',
  usage: '<model> <version> [--comment <text>] [--json]',
  options: { comment: { type: 'string' } },
  positionals: [2, 2],
  async run({ io, values, positionals, json }) {
    const [model, ver] = positionals as [string, string];
    const r = await withRegistry(io, (reg) => reg.archive(model, versionArg(ver), values.comment !== undefined ? { comment: values.comment as string } : {}));
    return printPromotion(io, r, json);
  },
};

const deleteCommand: CliCommand = {
  name: ['models', 'delete'],
  summary: 'Delete a version (its number is never reused; the audit trail keeps the record)',
  usage: '<model> <version> [--comment <text>] [--json]',
  options: { comment: { type: 'string' } },
  positionals: [2, 2],
  async run({ io, values, positionals, json }) {
    const [model, ver] = positionals as [string, string];
    const e = await withRegistry(io, (reg) => reg.delete(model, versionArg(ver), values.comment !== undefined ? { comment: values.comment as string } : {}));
    if (json) printJson(io, e);
    else io.out(`deleted ${model} v${e.version} (audit #${e.seq})\n`);
    return EXIT.ok;
  },
};

const restoreCommand: CliCommand = {
  name: ['models', 'restore'],
  summary: "Put a version's artifact back into the workspace (pulling it from a remote with --pull)",
  usage: '<model> <version|alias|stage|latest> [--to <path>] [--pull [--remote <name>]] [--force] [--json]',
  options: { to: { type: 'string' }, pull: { type: 'boolean', default: false }, remote: { type: 'string' }, force: { type: 'boolean', default: false } },
  positionals: [2, 2],
  async run({ io, values, positionals, json }) {
    const [model, ref] = positionals as [string, string];
    const r = await withRegistry(io, async (reg) => {
      const v = reg.getVersion(model, ref);
      return reg.restoreArtifact(model, v.version, {
        ...(values.to !== undefined ? { target: path.resolve(io.cwd, values.to as string) } : {}),
        ...(values.pull ? { pull: (values.remote as string | undefined) ?? true } : {}), force: Boolean(values.force),
      });
    });
    if (json) printJson(io, r);
    else io.out(`restored ${r.path}  ${shortHash(r.hash)}  ${r.written} file(s) written${r.pulled ? `, ${r.pulled} object(s) pulled` : ''}\n`);
    return EXIT.ok;
  },
};

const cardCommand: CliCommand = {
  name: ['models', 'card'],
  summary: "Print a model's card (Markdown), or replace it with --set <file>",
  usage: '<model> [--set <file.md>] [--json]',
  options: { set: { type: 'string' } },
  positionals: [1, 1],
  async run({ io, values, positionals, json }) {
    const [model] = positionals as [string];
    const card = await withRegistry(io, async (r) => {
      if (values.set !== undefined) await r.setModelCard(model, readFileSync(path.resolve(io.cwd, values.set as string), 'utf8'));
      return r.getModelCard(model);
    });
    if (json) printJson(io, card);
    else io.out(card.markdown);
    return EXIT.ok;
  },
};

const pushCommand: CliCommand = {
  name: ['models', 'push'],
  summary: 'Upload the artifacts of every registered version (or one model) to a remote, so any version can be restored elsewhere',
  usage: '[<model>] [--remote <name>] [--json]',
  details: "'mlops push' sends what the workspace records now; older registered versions travel with this command.\nExit code 1 when an object could not be uploaded.",
  options: { remote: { type: 'string' } },
  positionals: [0, 1],
  async run({ io, values, positionals, json }) {
    const r = await withRegistry(io, (reg) => reg.pushArtifacts({
      ...(positionals[0] !== undefined ? { model: positionals[0] } : {}), ...(values.remote !== undefined ? { remote: values.remote as string } : {}),
    }));
    if (json) printJson(io, r);
    else {
      io.out(`pushed ${r.transferred} object(s) (${bytes(r.bytes)}), ${r.skipped} already there${r.failed.length ? `, ${r.failed.length} failed` : ''}\n`);
      for (const f of r.failed) io.err(`mlops: ${f.oid}: ${f.error}\n`);
    }
    return r.failed.length ? EXIT.failure : EXIT.ok;
  },
};

export const MODELS_COMMANDS: readonly CliCommand[] = [listCommand, showCommand, registerCommand, promoteCommand, aliasCommand, archiveCommand, deleteCommand, restoreCommand, pushCommand, cardCommand];
