/**
 * Where things live in a versioned workspace: which cache directory is shared with DVC, which
 * paths may be versioned at all, what the ignore globs exclude, and which names are our own
 * transient files (temp copies, directory swaps) that must never be mistaken for data.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';

/** Never walked, never watched, never versioned. */
export const SKIP_DIRS: ReadonlySet<string> = new Set(['.git', '.mlops', 'node_modules', '.dvc']);
/** Folders that may never hold a versioned path (any depth: nested repositories have them too). */
const FORBIDDEN_SEGMENTS = new Set(['.git', '.mlops', '.dvc']);
/** Files that describe versioning and are themselves versioned by git. */
export const META_FILES: ReadonlySet<string> = new Set(['.gitignore', '.dvcignore', 'dvc.yaml', 'dvc.lock']);

// fsutil.tempSibling, ObjectCache temp names, and our directory-swap staging names.
const TEMP_NAMES = [/^\..+\.\d+\.[0-9a-f]{8}\.tmp$/, /^\.tmp-\d+-[0-9a-f]{12}$/, /^\..+\.mlops-(?:new|old)$/];

export function isTempName(name: string): boolean {
  return TEMP_NAMES.some((re) => re.test(name));
}

/** `[section] key = value` of DVC's configobj INI; `['remote "x"']` becomes `remote "x"`. */
export type DvcIni = Record<string, Record<string, string>>;

export function parseDvcIni(text: string, into: DvcIni = {}): DvcIni {
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (head) {
      section = unquote(head[1]!);
      into[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    (into[section] ??= {})[line.slice(0, eq).trim()] = unquote(line.slice(eq + 1).trim());
  }
  return into;
}

function unquote(s: string): string {
  const m = /^(['"])(.*)\1$/.exec(s);
  return m ? m[2]! : s;
}

/** `.dvc/config` overlaid by `.dvc/config.local` (DVC's merge order for the repository level). */
export function readDvcConfig(root: string): DvcIni {
  const out: DvcIni = {};
  for (const name of ['config', 'config.local']) {
    try {
      parseDvcIni(readFileSync(path.join(root, '.dvc', name), 'utf8'), out);
    } catch {
      // absent: nothing to merge
    }
  }
  return out;
}

export function isDvcRepo(root: string): boolean {
  try {
    return statSync(path.join(root, '.dvc')).isDirectory();
  } catch {
    return false;
  }
}

/** DVC's cache (honouring `[cache] dir`, relative to `.dvc/`) in a DVC repo, else our own. */
export function resolveCacheDir(root: string): string {
  if (!isDvcRepo(root)) return path.join(root, '.mlops', 'cache');
  const dir = readDvcConfig(root)['cache']?.['dir'];
  return dir ? path.resolve(root, '.dvc', dir) : path.join(root, '.dvc', 'cache');
}

/** POSIX workspace-relative form of a path given relative to the root or absolute. */
export function relOf(root: string, p: string): string {
  return path.relative(root, path.resolve(root, p)).split(path.sep).join('/');
}

/**
 * The absolute and relative form of a path the user asked to version, or an MlopsError saying
 * why it may not be: outside the workspace (also through a symlinked parent), inside .git,
 * .mlops or .dvc, the workspace itself, or one of the metafiles that git versions.
 */
export function resolveTarget(root: string, p: string): { abs: string; rel: string } {
  const abs = path.resolve(root, p);
  const rel = path.relative(root, abs).split(path.sep).join('/');
  const refuse = (why: string, hint: string): never => {
    throw new MlopsError('refused', `cannot version ${JSON.stringify(p)}: ${why}`, { location: { file: abs }, hint });
  };
  if (rel === '') refuse('it is the workspace itself', 'version a file or folder inside it, e.g. data/raw');
  if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) {
    refuse('it is outside the workspace', `only paths under ${root} can be versioned; copy the data into the workspace first`);
  }
  const segments = rel.split('/');
  const bad = segments.find((s) => FORBIDDEN_SEGMENTS.has(s));
  if (bad) refuse(`it is inside ${bad}/, which holds tool state`, 'version your data and model folders instead');
  const base = segments[segments.length - 1]!;
  if (base.endsWith('.dvc') || META_FILES.has(base)) refuse('it is a versioning metafile that git tracks', 'commit it with git instead');
  // A symlinked parent could point anywhere; the real location must stay inside too.
  const parent = path.dirname(abs);
  if (existsSync(parent)) {
    const realRoot = realpathSync(root);
    const realParent = realpathSync(parent);
    const r = path.relative(realRoot, realParent);
    if (r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r)) {
      refuse('its folder is a link to a place outside the workspace', 'move the data into the workspace');
    }
  }
  return { abs, rel };
}

/**
 * Ignore globs (mlops.yaml `track.ignore`): a glob without `/` matches a name at any depth, as
 * in .gitignore; a glob with `/` matches the workspace-relative path or any of its ancestors.
 */
export class IgnoreMatcher {
  private readonly nameGlobs: string[];
  private readonly pathGlobs: string[];

  constructor(globs: readonly string[]) {
    this.nameGlobs = globs.filter((g) => !g.replace(/\/$/, '').includes('/'));
    this.pathGlobs = globs.filter((g) => g.replace(/\/$/, '').includes('/')).map((g) => g.replace(/^\//, '').replace(/\/$/, ''));
  }

  get empty(): boolean {
    return this.nameGlobs.length === 0 && this.pathGlobs.length === 0;
  }

  /** `rel` is workspace-relative POSIX. */
  ignores(rel: string): boolean {
    if (this.empty || rel === '') return false;
    const parts = rel.split('/');
    for (const g of this.nameGlobs) {
      const pattern = g.replace(/\/$/, '');
      if (parts.some((s) => path.posix.matchesGlob(s, pattern))) return true;
    }
    if (this.pathGlobs.length > 0) {
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (this.pathGlobs.some((g) => path.posix.matchesGlob(prefix, g))) return true;
      }
    }
    return false;
  }
}

/** True when `rel` is `base` or inside it (both workspace-relative POSIX). */
export function isWithin(base: string, rel: string): boolean {
  return rel === base || rel.startsWith(`${base}/`);
}
