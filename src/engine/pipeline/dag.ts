/**
 * The stage graph: an edge runs from the stage producing an output to every stage whose
 * dependency is that output, lies inside it (a file of an output directory) or contains it (a
 * directory holding an output). Duplicate and overlapping outputs, and cycles, are errors.
 */
import { MlopsError } from '../errors.ts';
import type { Pipeline, StageDef } from './types.ts';

export interface Edge {
  from: string;
  to: string;
  /** Dependency paths (relative to dvc.yaml) that create the edge. */
  paths: string[];
}

export interface Dag {
  /** Stage names in a valid run order (dvc.yaml order among independent stages). */
  order: string[];
  edges: Edge[];
  upstream: ReadonlyMap<string, ReadonlySet<string>>;
  downstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** rel path of an output → producing stage. */
  producers: ReadonlyMap<string, string>;
}

function ancestors(rel: string): string[] {
  const out: string[] = [];
  for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) out.push(rel.slice(0, i));
  return out;
}

function err(p: Pipeline, message: string, line: number, hint: string): MlopsError {
  return new MlopsError('config', message, { location: { file: p.file, line }, hint });
}

export function buildDag(p: Pipeline): Dag {
  const producers = new Map<string, { stage: StageDef; line: number; path: string }>();
  for (const s of p.stages) {
    for (const o of s.outs) {
      const prev = producers.get(o.rel);
      if (prev && prev.stage !== s) {
        throw err(p, `output '${o.path}' is produced by both '${prev.stage.name}' (line ${prev.line}) and '${s.name}'`, o.line,
          'an output can belong to one stage only; rename one of them or merge the stages');
      }
      producers.set(o.rel, { stage: s, line: o.line, path: o.path });
    }
  }
  // Overlaps: an output inside another output's directory.
  for (const [rel, prod] of producers) {
    for (const a of ancestors(rel)) {
      const outer = producers.get(a);
      if (!outer) continue;
      const where = outer.stage === prod.stage ? `stage '${prod.stage.name}'` : `stages '${outer.stage.name}' and '${prod.stage.name}'`;
      throw err(p, `outputs '${outer.path}' and '${prod.path}' overlap (${where}): one is inside the other`, prod.line,
        'list only the enclosing directory as the output, or give the stages non-overlapping outputs');
    }
  }
  const under = new Map<string, string[]>(); // dir → outputs inside it
  for (const rel of producers.keys()) for (const a of ancestors(rel)) (under.get(a) ?? under.set(a, []).get(a)!).push(rel);

  const upstream = new Map<string, Set<string>>(p.stages.map((s) => [s.name, new Set<string>()]));
  const downstream = new Map<string, Set<string>>(p.stages.map((s) => [s.name, new Set<string>()]));
  const edgeMap = new Map<string, Edge>();
  const link = (from: string, to: string, dep: string): void => {
    if (from === to) return;
    upstream.get(to)!.add(from);
    downstream.get(from)!.add(to);
    const key = `${from}\0${to}`;
    const e = edgeMap.get(key) ?? edgeMap.set(key, { from, to, paths: [] }).get(key)!;
    if (!e.paths.includes(dep)) e.paths.push(dep);
  };
  for (const s of p.stages) {
    const depRels = [...s.deps.map((d) => d.rel), ...s.params.map((q) => q.rel)];
    for (const rel of depRels) {
      const exact = producers.get(rel);
      if (exact) link(exact.stage.name, s.name, rel);
      for (const a of ancestors(rel)) {
        const outer = producers.get(a);
        if (outer) link(outer.stage.name, s.name, rel);
      }
      for (const inner of under.get(rel) ?? []) link(producers.get(inner)!.stage.name, s.name, rel);
    }
  }
  return { order: topoOrder(p, upstream, downstream), edges: [...edgeMap.values()], upstream, downstream, producers: new Map([...producers].map(([k, v]) => [k, v.stage.name])) };
}

/** Kahn's algorithm, picking ready stages in dvc.yaml order; a leftover means a cycle. */
function topoOrder(p: Pipeline, upstream: Map<string, Set<string>>, downstream: Map<string, Set<string>>): string[] {
  const index = new Map(p.stages.map((s, i) => [s.name, i]));
  const remaining = new Map([...upstream].map(([k, v]) => [k, v.size]));
  const ready = p.stages.filter((s) => remaining.get(s.name) === 0).map((s) => s.name);
  const order: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const n = ready.shift()!;
    order.push(n);
    for (const d of downstream.get(n)!) {
      const left = remaining.get(d)! - 1;
      remaining.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length < p.stages.length) {
    const found = findCycle(p, upstream, new Set(order));
    // Start the story at the stage that comes first in dvc.yaml.
    const at = found.reduce((best, n, i) => (index.get(n)! < index.get(found[best]!)! ? i : best), 0);
    const cycle = [...found.slice(at), ...found.slice(0, at)];
    const first = p.byName.get(cycle[0]!)!;
    throw err(p, `the pipeline has a cycle: ${[...cycle, cycle[0]].join(' → ')}`, first.line,
      'a stage cannot depend, directly or through other stages, on its own outputs; remove one of the dependencies in the cycle');
  }
  return order;
}

function findCycle(p: Pipeline, upstream: Map<string, Set<string>>, done: Set<string>): string[] {
  // Walk "depends on" edges from any stage left over; the first repeat closes a cycle.
  const start = p.stages.find((s) => !done.has(s.name))!.name;
  const pathStack: string[] = [];
  const onPath = new Map<string, number>();
  let cur = start;
  for (;;) {
    if (onPath.has(cur)) return pathStack.slice(onPath.get(cur)!).reverse();
    onPath.set(cur, pathStack.length);
    pathStack.push(cur);
    cur = [...upstream.get(cur)!].find((u) => !done.has(u))!;
  }
}

/** `names` plus everything they depend on, transitively. */
export function withUpstream(dag: Dag, names: Iterable<string>): Set<string> {
  return closure(dag.upstream, names);
}

/** `names` plus everything that depends on them, transitively. */
export function withDownstream(dag: Dag, names: Iterable<string>): Set<string> {
  return closure(dag.downstream, names);
}

function closure(adj: ReadonlyMap<string, ReadonlySet<string>>, names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const m of adj.get(n) ?? []) stack.push(m);
  }
  return seen;
}
