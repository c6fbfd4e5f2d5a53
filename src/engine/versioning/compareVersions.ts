/**
 * Compare two versions of one artifact (or a version and the workspace): tables through the data
 * profiler (rows, columns, schema, per-column statistics), folders through their manifests,
 * anything else by size and hash. Cache objects have no extension, so the table format comes
 * from the artifact's own name.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MlopsError } from '../errors.ts';
import { compareProfiles } from '../data/compare.ts';
import type { ColumnComparison } from '../data/compare.ts';
import { profileFile } from '../data/profile.ts';
import { detectFormat } from '../data/reader.ts';
import type { ColumnDelta, CompareResult, DirEntryDelta } from './api.ts';
import { hashPath } from './dirScan.ts';
import type { HashAlgorithm } from './hash.ts';
import { mapLimit } from './manifest.ts';
import type { Versioning } from './versioning.ts';

const OID = /^[0-9a-f]{32}(\.dir)?$/;

interface Side {
  label: string;
  oid: string;
  /** A readable file with this side's content (files only). */
  file?: string;
  size?: number;
  /** Folder entries: relpath → oid and size (size unknown when the object is not cached). */
  entries?: Map<string, { oid: string; size?: number }>;
}

async function algorithmOf(v: Versioning, oid: string): Promise<HashAlgorithm> {
  return (await v.cache.has(oid, 'md5')) || !(await v.cache.has(oid, 'md5-dos2unix')) ? 'md5' : 'md5-dos2unix';
}

async function resolveSide(v: Versioning, rel: string, spec: string): Promise<Side> {
  if (spec === 'workspace') {
    const cur = await hashPath(v.abs(rel), v.state, 'md5', undefined, { entries: true });
    if (!cur) throw new MlopsError('not-found', `${rel} does not exist in the workspace`, { hint: 'compare two recorded versions instead' });
    if (cur.kind === 'file') return { label: 'workspace', oid: cur.oid, file: v.abs(rel), size: cur.size };
    return { label: 'workspace', oid: cur.oid, entries: new Map(cur.info!.entries.map((e) => [e.relpath, { oid: e.oid, size: e.size }])) };
  }
  let oid = spec;
  if (!OID.test(spec)) {
    const matches = [...new Set(v.records.history(rel).map((r) => r.hash).filter((h) => h.startsWith(spec)))];
    if (matches.length !== 1) {
      throw new MlopsError('not-found', `${JSON.stringify(spec)} does not name exactly one version of ${rel}`, { hint: `see \`mlops log ${rel}\`` });
    }
    oid = matches[0]!;
  }
  const algorithm = await algorithmOf(v, oid);
  if (!(await v.cache.has(oid, algorithm))) {
    throw new MlopsError('not-found', `version ${oid} of ${rel} is not in the cache`, { hint: 'fetch it with `mlops pull`' });
  }
  const label = oid.slice(0, 8);
  if (!oid.endsWith('.dir')) {
    const file = v.cache.objectPath(oid, algorithm);
    return { label, oid, file, size: (await fs.stat(file)).size };
  }
  const list = await v.cache.readManifest(oid, algorithm);
  const sizes = await mapLimit(list, 32, (e) => fs.stat(v.cache.objectPath(e.oid, algorithm)).then((s) => s.size, () => undefined));
  return { label, oid, entries: new Map(list.map((e, i) => [e.relpath, { oid: e.oid, ...(sizes[i] !== undefined ? { size: sizes[i] } : {}) }])) };
}

function delta(relpath: string, l?: { oid: string; size?: number }, r?: { oid: string; size?: number }): DirEntryDelta {
  return {
    relpath,
    ...(l ? { leftHash: l.oid } : {}), ...(r ? { rightHash: r.oid } : {}),
    ...(l?.size !== undefined ? { leftSize: l.size } : {}), ...(r?.size !== undefined ? { rightSize: r.size } : {}),
  };
}

function compareDirs(left: Side, right: Side): CompareResult {
  const l = left.entries ?? new Map();
  const r = right.entries ?? new Map();
  const added: DirEntryDelta[] = [];
  const removed: DirEntryDelta[] = [];
  const changed: DirEntryDelta[] = [];
  let unchanged = 0;
  for (const [p, le] of l) {
    const re = r.get(p);
    if (!re) removed.push(delta(p, le));
    else if (re.oid !== le.oid) changed.push(delta(p, le, re));
    else unchanged++;
  }
  for (const [p, re] of r) if (!l.has(p)) added.push(delta(p, undefined, re));
  const byPath = (a: DirEntryDelta, b: DirEntryDelta): number => (a.relpath < b.relpath ? -1 : a.relpath > b.relpath ? 1 : 0);
  return { kind: 'dir', left: left.oid, right: right.oid, added: added.sort(byPath), removed: removed.sort(byPath), changed: changed.sort(byPath), unchanged };
}

function columnStats(c: ColumnComparison): ColumnDelta['stats'] {
  const stats: ColumnDelta['stats'] = {
    missingShare: [c.missingShare.before, c.missingShare.after],
    nonNull: [c.nonNull.before, c.nonNull.after],
  };
  for (const k of ['distinct', 'mean', 'std', 'min', 'max'] as const) {
    const d = c[k];
    if (d) stats[k] = [d.before, d.after];
  }
  return stats;
}

async function compareTables(left: Side, right: Side, format: 'csv' | 'tsv' | 'jsonl' | 'parquet', gzip: boolean): Promise<CompareResult> {
  const read = { format, gzip };
  const [lp, rp] = await Promise.all([profileFile(left.file!, { read }), profileFile(right.file!, { read })]);
  const cmp = compareProfiles(lp.profile, rp.profile);
  const columns: ColumnDelta[] = [];
  const changedType = new Map(cmp.schema.typeChanged.map((t) => [t.name, t]));
  for (const c of cmp.schema.removed) columns.push({ name: c.name, change: 'removed', leftType: c.storageType, stats: {} });
  for (const c of cmp.columns) {
    const t = changedType.get(c.name);
    columns.push({
      name: c.name, change: t ? 'type-changed' : 'same', leftType: c.storageType.before, rightType: c.storageType.after, stats: columnStats(c),
    });
  }
  for (const c of cmp.schema.added) columns.push({ name: c.name, change: 'added', rightType: c.storageType, stats: {} });
  const schemaChanges = [
    ...cmp.schema.added.map((c) => `added column ${c.name} (${c.storageType})`),
    ...cmp.schema.removed.map((c) => `removed column ${c.name} (${c.storageType})`),
    ...cmp.schema.typeChanged.map((t) => `column ${t.name} changed type ${t.before} → ${t.after}`),
    ...(cmp.schema.reordered ? ['columns reordered'] : []),
  ];
  return {
    kind: 'table', format,
    left: { label: left.label, hash: left.oid, rows: lp.profile.rows, columns: lp.profile.columnCount },
    right: { label: right.label, hash: right.oid, rows: rp.profile.rows, columns: rp.profile.columnCount },
    columns, schemaChanges,
  };
}

export async function compareVersions(v: Versioning, rel: string, leftSpec: string, rightSpec: string): Promise<CompareResult> {
  const [left, right] = await Promise.all([resolveSide(v, rel, leftSpec), resolveSide(v, rel, rightSpec)]);
  if (left.entries || right.entries) {
    if (!(left.entries && right.entries)) {
      throw new MlopsError('usage', `${rel} is a folder in one version and a file in the other`, { hint: 'compare versions of the same kind' });
    }
    return compareDirs(left, right);
  }
  const detected = detectFormat(path.basename(rel));
  if (detected) return compareTables(left, right, detected.format, detected.gzip);
  return { kind: 'file', left: { label: left.label, hash: left.oid, size: left.size ?? 0 }, right: { label: right.label, hash: right.oid, size: right.size ?? 0 } };
}
