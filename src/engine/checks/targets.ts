/**
 * What a suite reads: a dataset (a name from `checks.datasets`, overridable with `--dataset`, or a
 * path) or the data files among a pipeline stage's outputs, resolved from dvc.yaml.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { detectFormat } from '../data/reader.ts';
import { loadPipeline } from '../pipeline/dvcyaml.ts';
import { suggest } from '../pipeline/suggest.ts';
import type { DataFile } from './data.ts';
import type { ChecksConfig, DatasetDef, SuiteDef } from './types.ts';

export const rel = (root: string, p: string): string => {
  const r = path.relative(root, p);
  return (r.startsWith('..') || path.isAbsolute(r) ? p : r).split(path.sep).join('/');
};

export function resolveDataset(root: string, config: ChecksConfig, ref: string, overrides: Readonly<Record<string, string>>): { file: DataFile; def?: DatasetDef } {
  const def = config.datasets.find((d) => d.name === ref);
  const p = Object.hasOwn(overrides, ref) ? overrides[ref]! : def ? def.path : ref;
  const abs = path.resolve(root, p);
  return { file: { path: abs, label: rel(root, abs) }, ...(def ? { def } : {}) };
}

async function listDataFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && detectFormat(p)) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/** The data files among a stage's outputs (folders are searched), filtered by the suite's `files` glob. */
export async function stageFiles(root: string, target: Extract<SuiteDef['target'], { kind: 'stage' }>, suite: SuiteDef): Promise<DataFile[]> {
  const pipelineFile = path.resolve(root, target.pipeline ?? 'dvc.yaml');
  const pipeline = await loadPipeline(pipelineFile);
  const stage = pipeline.byName.get(target.stage);
  if (!stage) {
    const hint = suggest(target.stage, pipeline.byName.keys());
    throw new MlopsError('config', `suite '${suite.name}' names stage '${target.stage}', which is not in ${rel(root, pipelineFile)}`, {
      location: { file: suite.range.file, line: suite.range.start.line },
      hint: hint ?? `its stages: ${[...pipeline.byName.keys()].join(', ')}`,
    });
  }
  const outs = stage.outs.filter((o) => o.kind === 'outs');
  const files: string[] = [];
  const absent: string[] = [];
  for (const o of outs) {
    const abs = path.resolve(pipeline.dir, o.rel);
    if (!existsSync(abs)) {
      absent.push(o.rel);
      continue;
    }
    if (statSync(abs).isDirectory()) files.push(...(await listDataFiles(abs)));
    else if (detectFormat(abs)) files.push(abs);
  }
  const glob = target.files;
  const picked = glob === null ? files : files.filter((f) => path.posix.matchesGlob(path.relative(pipeline.dir, f).split(path.sep).join('/'), glob));
  if (picked.length === 0) {
    const outList = outs.map((o) => o.rel).join(', ') || '(none)';
    throw new MlopsError('not-found', absent.length === outs.length && outs.length > 0
      ? `stage ${target.stage} has not produced its outputs yet (${absent.join(', ')} missing)`
      : `stage ${target.stage} has no data files${glob !== null ? ` matching ${glob}` : ''} among its outputs (${outList})`, {
      hint: absent.length ? `run it first: mlops repro ${target.stage}` : 'data files are .csv, .tsv, .jsonl or .parquet; check files: in the suite',
    });
  }
  return picked.map((f) => ({ path: f, label: rel(root, f) }));
}
