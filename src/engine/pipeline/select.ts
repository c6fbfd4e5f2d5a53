/** Which stages a request names: stage or foreach/matrix group names, with their upstream or downstream. */
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { withDownstream, withUpstream } from './dag.ts';
import type { Dag } from './dag.ts';
import { suggest } from './suggest.ts';
import type { Pipeline } from './types.ts';

export interface Selection {
  targets?: string[];
  /** The targets and everything downstream of them (instead of upstream). */
  downstream?: boolean;
  /** Only the targets themselves. */
  single?: boolean;
}

/** Stage names a request covers, in run order. Unknown names are an error with a suggestion. */
export function selectStages(pipeline: Pipeline, dag: Dag, o: Selection): string[] {
  if (!o.targets?.length) return [...dag.order];
  const picked = new Set<string>();
  for (const t of o.targets) {
    const members = pipeline.byName.has(t) ? [t] : pipeline.stages.filter((s) => s.group === t).map((s) => s.name);
    if (!members.length) {
      throw new MlopsError('not-found', `no stage named '${t}' in ${path.basename(pipeline.file)}`, {
        location: { file: pipeline.file },
        hint: suggest(t, [...pipeline.byName.keys(), ...new Set(pipeline.stages.flatMap((s) => (s.group ? [s.group] : [])))]) ?? `stages: ${[...pipeline.byName.keys()].join(', ')}`,
      });
    }
    for (const m of members) picked.add(m);
  }
  const set = o.single ? picked : o.downstream ? withDownstream(dag, picked) : withUpstream(dag, picked);
  return dag.order.filter((n) => set.has(n));
}
