/** The pipeline model: dvc.yaml after templating, one StageDef per (generated) stage. */
import type { LocatedDoc } from './yamlRead.ts';
import type { PyValue } from './values.ts';

export type OutKind = 'outs' | 'metrics' | 'plots';

export interface PathRef {
  /** As written in dvc.yaml (relative to the stage's wdir); this is the `path` dvc.lock records. */
  path: string;
  /** Relative to the dvc.yaml folder, normalized, POSIX separators (may start with `..`). */
  rel: string;
  /** 1-based line in dvc.yaml. */
  line: number;
}

export interface OutDef extends PathRef {
  kind: OutKind;
  /** false: hashed and recorded, but not stored in the cache. */
  cache: boolean;
  /** true: not deleted before the stage runs. */
  persist: boolean;
  push: boolean;
  remote?: string;
  /** Every flag as written (desc, type, labels, plot props …). */
  flags: Record<string, PyValue>;
}

export interface ParamDep {
  /** As written, relative to the stage's wdir (default `params.yaml`). */
  file: string;
  /** Relative to the dvc.yaml folder, POSIX. */
  rel: string;
  /** null: the whole file is tracked (`{file: }` in dvc.yaml). */
  keys: Array<{ key: string; line: number }> | null;
  line: number;
}

export interface StageDef {
  /** Expanded name: `train`, `train@1`, `build@win-3.7`. */
  name: string;
  /** foreach/matrix group this stage was generated from. */
  group?: string;
  cmd: string | string[];
  /** Relative to the dvc.yaml folder, POSIX, `.` by default. */
  wdir: string;
  deps: PathRef[];
  params: ParamDep[];
  outs: OutDef[];
  frozen: boolean;
  alwaysChanged: boolean;
  desc?: string;
  meta?: PyValue;
  /** Line of the stage (or its group) name in dvc.yaml. */
  line: number;
}

export interface Pipeline {
  /** Absolute path of dvc.yaml, its folder, and the dvc.lock beside it. */
  file: string;
  dir: string;
  lockFile: string;
  /** In dvc.yaml order, groups expanded in place. */
  stages: StageDef[];
  byName: ReadonlyMap<string, StageDef>;
  /** Top-level sections, interpolated. */
  params: string[];
  metrics: string[];
  plots: PyValue[];
  artifacts: Record<string, PyValue>;
  datasets: PyValue[];
  /** Absolute paths of the `vars` files templating read (params.yaml by default): the stages depend on them. */
  varsFiles: string[];
  source: LocatedDoc;
}
