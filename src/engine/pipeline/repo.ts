/**
 * Where a pipeline's surroundings live: the DVC repository root (`.dvc/`), its `[parsing]`
 * config, the object cache shared with DVC, and our own `.mlops/` folder for run logs.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import type { ParsingConfig } from './templating.ts';

/** Nearest folder at or above `start` holding a `.dvc` directory. */
export function findDvcRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    try {
      if (statSync(path.join(dir, '.dvc')).isDirectory()) return dir;
    } catch {
      // not here
    }
    if (existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return undefined;
  }
}

/** `[section] key = value` pairs of DVC's configobj-style INI (later files win). */
export function parseDvcConfig(text: string, into: Record<string, Record<string, string>> = {}): Record<string, Record<string, string>> {
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (head) {
      section = head[1]!.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    (into[section] ??= {})[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return into;
}

async function readDvcConfig(root: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const name of ['config', 'config.local']) {
    const text = await fs.readFile(path.join(root, '.dvc', name), 'utf8').catch(() => undefined);
    if (text !== undefined) parseDvcConfig(text, out);
  }
  return out;
}

export async function readParsingConfig(dir: string): Promise<ParsingConfig> {
  const root = findDvcRoot(dir);
  if (!root) return {};
  const p = (await readDvcConfig(root))['parsing'] ?? {};
  const cfg: ParsingConfig = {};
  if (p['bool'] === 'boolean_optional' || p['bool'] === 'store_true') cfg.bool = p['bool'];
  if (p['list'] === 'append' || p['list'] === 'nargs') cfg.list = p['list'];
  return cfg;
}

/**
 * The object cache: DVC's (`.dvc/cache`, or `[cache] dir`) when the pipeline sits in a DVC
 * repository, so both tools see the same objects; otherwise `.mlops/cache` of the workspace.
 */
export async function defaultCacheDir(pipelineDir: string, workspaceRoot: string): Promise<string> {
  const root = findDvcRoot(pipelineDir);
  if (!root) return path.join(workspaceRoot, '.mlops', 'cache');
  const dir = (await readDvcConfig(root))['cache']?.['dir'];
  return dir ? path.resolve(root, '.dvc', dir) : path.join(root, '.dvc', 'cache');
}

/** Folder holding `.mlops/` (or `mlops.yaml`) at or above `start`; `start` itself otherwise. */
export function findWorkspaceRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.mlops')) || existsSync(path.join(dir, 'mlops.yaml'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}
