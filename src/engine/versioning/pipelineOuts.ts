/**
 * Outputs owned by pipelines: declared in dvc.yaml, recorded in dvc.lock. DVC forbids tracking
 * them with a pointer too, and the watcher must not version them behind the pipeline's back.
 * Read synchronously (unitFor is synchronous) and cached until either file changes.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { MlopsError } from '../errors.ts';
import { parsePipeline } from '../pipeline/dvcyaml.ts';
import { parseLock } from '../pipeline/lock.ts';
import { entryAlgorithm } from './pointer.ts';
import type { HashAlgorithm } from './hash.ts';
import { isWithin, readDvcConfig } from './layout.ts';

export interface LockOut {
  /** Workspace-relative POSIX path. */
  path: string;
  stage: string;
  /** Workspace-relative dvc.lock. */
  lockFile: string;
  oid?: string;
  algorithm: HashAlgorithm;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** false when dvc.yaml says `cache: false` (metrics and plots kept in git). */
  cached: boolean;
}

interface DirState {
  stamp: string;
  declared: Map<string, { stage: string; cached: boolean }>;
  outs: LockOut[];
  problems: MlopsError[];
}

function stampOf(files: string[]): string {
  return files.map((f) => {
    try {
      const st = statSync(f);
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return '-';
    }
  }).join('|');
}

/** Pipelines of a workspace: the root one plus any found in sub-folders by `list()`. */
export class PipelineOuts {
  private readonly root: string;
  private readonly dirs = new Map<string, DirState | undefined>();

  constructor(root: string) {
    this.root = root;
    this.dirs.set('', undefined);
  }

  /** Remember a folder (workspace-relative, '' for the root) holding dvc.yaml or dvc.lock. */
  addDir(rel: string): void {
    if (!this.dirs.has(rel)) this.dirs.set(rel, undefined);
  }

  private state(rel: string): DirState {
    const dir = path.join(this.root, rel);
    const yamlFile = path.join(dir, 'dvc.yaml');
    const lockFile = path.join(dir, 'dvc.lock');
    const stamp = stampOf([yamlFile, lockFile]);
    const cached = this.dirs.get(rel);
    if (cached && cached.stamp === stamp) return cached;
    const fresh = readDir(this.root, rel, yamlFile, lockFile, stamp);
    this.dirs.set(rel, fresh);
    return fresh;
  }

  /** Outputs recorded in every known dvc.lock. */
  lockOuts(): { outs: LockOut[]; problems: MlopsError[] } {
    const outs: LockOut[] = [];
    const problems: MlopsError[] = [];
    for (const rel of this.dirs.keys()) {
      const s = this.state(rel);
      outs.push(...s.outs);
      problems.push(...s.problems);
    }
    return { outs, problems };
  }

  /** The stage owning `rel` (equal to, inside, or containing a pipeline output), if any. */
  ownerOf(rel: string): { out: string; stage: string } | undefined {
    for (const dir of this.dirs.keys()) {
      const s = this.state(dir);
      for (const [out, d] of s.declared) {
        if (isWithin(out, rel) || isWithin(rel, out)) return { out, stage: d.stage };
      }
      for (const o of s.outs) {
        if (isWithin(o.path, rel) || isWithin(rel, o.path)) return { out: o.path, stage: o.stage };
      }
    }
    return undefined;
  }

  /** True when `rel` is a pipeline output or inside one (not when it merely contains one). */
  isOutputOrInside(rel: string): boolean {
    for (const dir of this.dirs.keys()) {
      const s = this.state(dir);
      for (const out of s.declared.keys()) if (isWithin(out, rel)) return true;
      for (const o of s.outs) if (isWithin(o.path, rel)) return true;
    }
    return false;
  }
}

function join(...parts: string[]): string {
  return path.posix.normalize(parts.filter((p) => p !== '' && p !== '.').join('/') || '.');
}

function readDir(root: string, rel: string, yamlFile: string, lockFile: string, stamp: string): DirState {
  const declared = new Map<string, { stage: string; cached: boolean }>();
  const wdirs = new Map<string, string>();
  const problems: MlopsError[] = [];
  let yamlText: string | undefined;
  try {
    yamlText = readFileSync(yamlFile, 'utf8');
  } catch {
    // no dvc.yaml here
  }
  if (yamlText !== undefined) {
    try {
      const parsing = readDvcConfig(root)['parsing'] ?? {};
      const p = parsePipeline(yamlText, yamlFile, {
        parsing: {
          ...(parsing['bool'] === 'boolean_optional' || parsing['bool'] === 'store_true' ? { bool: parsing['bool'] } : {}),
          ...(parsing['list'] === 'append' || parsing['list'] === 'nargs' ? { list: parsing['list'] } : {}),
        },
      });
      for (const s of p.stages) {
        wdirs.set(s.name, s.wdir);
        for (const o of s.outs) declared.set(join(rel, o.rel), { stage: s.name, cached: o.cache });
      }
    } catch (e) {
      // The pipeline engine reports dvc.yaml errors; here a rough read still protects outputs.
      roughOuts(yamlText, rel, declared);
      if (e instanceof MlopsError) problems.push(e);
    }
  }
  const outs: LockOut[] = [];
  let lockText: string | undefined;
  try {
    lockText = readFileSync(lockFile, 'utf8');
  } catch {
    // no dvc.lock here
  }
  if (lockText !== undefined) {
    try {
      const lock = parseLock(lockText, lockFile);
      for (const [stage, s] of lock.stages) {
        for (const e of s.outs) {
          const p = join(rel, wdirs.get(stage) ?? '.', e.path);
          const checksum = e.md5 ?? e.etag ?? e.checksum;
          outs.push({
            path: p,
            stage,
            lockFile: join(rel, 'dvc.lock'),
            ...(checksum ? { oid: checksum } : {}),
            algorithm: entryAlgorithm(e),
            ...(typeof e.size === 'number' ? { size: e.size } : {}),
            ...(typeof e.nfiles === 'number' ? { nfiles: e.nfiles } : {}),
            ...(e.isexec ? { isexec: true } : {}),
            cached: declared.get(p)?.cached ?? true,
          });
        }
      }
    } catch (e) {
      if (e instanceof MlopsError) problems.push(e);
      else throw e;
    }
  }
  return { stamp, declared, outs, problems };
}

/** `stages.<name>.outs` as plain strings or one-key mappings, without templating. */
function roughOuts(text: string, rel: string, into: Map<string, { stage: string; cached: boolean }>): void {
  let data: unknown;
  try {
    data = parseYamlText(text);
  } catch {
    return;
  }
  const stages = (data as { stages?: unknown } | null)?.stages;
  if (!stages || typeof stages !== 'object') return;
  for (const [name, def] of Object.entries(stages as Record<string, unknown>)) {
    for (const key of ['outs', 'metrics', 'plots']) {
      const list = (def as Record<string, unknown> | null)?.[key];
      if (!Array.isArray(list)) continue;
      for (const o of list) {
        const p = typeof o === 'string' ? o : o && typeof o === 'object' ? Object.keys(o)[0] : undefined;
        if (p && !p.includes('${')) into.set(join(rel, p), { stage: name, cached: true });
      }
    }
  }
}
