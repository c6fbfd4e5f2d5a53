import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MlopsError } from '../../engine/errors.ts';
import type { StatusReason } from '../../engine/pipeline/status.ts';
import { toPlain } from '../../engine/pipeline/values.ts';

/** Nearest folder at or above `start` holding dvc.yaml (stopping at a repository root). */
export function findPipelineDir(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'dvc.yaml'))) return dir;
    if (existsSync(path.join(dir, '.git')) || existsSync(path.join(dir, '.dvc')) || path.dirname(dir) === dir) return path.resolve(start);
  }
}

export function errorJson(e: MlopsError | undefined): unknown {
  if (!e) return undefined;
  return { code: e.code, message: e.message, file: e.location?.file, line: e.location?.line, hint: e.hint };
}

export function reasonJson(r: StatusReason): unknown {
  return toPlain({ ...r });
}
