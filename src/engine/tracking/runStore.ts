/**
 * Our own runs in the store (migration 5). Writers: the pipeline hook and the JSONL tail, in the
 * extension or the CLI process. Readers keep the runs in memory and reload only rows whose `seq`
 * moved, so listing 10,000 runs stays cheap while a run logs points every few hundred ms.
 */
import { hostname } from 'node:os';
import type { Database, Store } from '../store/store.ts';
import type { ArtifactRef, MetricPoint, ParamValue, RunStatus, RunSummary } from './api.ts';

export const OUR_PREFIX = 'mlops:';

export interface NewRun {
  /** Native id (the pipeline run id); the API id is `mlops:<id>`. */
  id: string;
  origin: 'pipeline' | 'jsonl' | 'api';
  experiment: string;
  name: string;
  status: RunStatus;
  startedAt: string | null;
  endedAt?: string | null;
  gitCommit?: string | null;
  gitDirty?: boolean | null;
  tags?: Record<string, string>;
  inputs?: ArtifactRef[];
  outputs?: ArtifactRef[];
  extra?: Record<string, string>;
  pipelineRunId?: string | null;
}

export interface RunUpdate {
  status?: RunStatus;
  endedAt?: string | null;
  name?: string;
  tags?: Record<string, string>;
  inputs?: ArtifactRef[];
  outputs?: ArtifactRef[];
  extra?: Record<string, string>;
}

/** A point on its way in: which metric, at which step. */
export interface IncomingPoint {
  key: string;
  step: number;
  value: number;
  timestamp: number | null;
}

/** A run row as loaded: the summary consumers see, plus what the service needs to follow up. */
export interface StoredRun {
  rid: number;
  seq: number;
  extra: Record<string, string>;
  summary: RunSummary;
}

const MAX_WARNINGS = 50;

// In-process change signal: the runner and the TrackingService may share one Store (one
// connection), and SQLite's data_version only moves for commits by *other* connections.
const listeners = new WeakMap<Store, Set<() => void>>();

export function onRunsChanged(store: Store, fn: () => void): () => void {
  let set = listeners.get(store);
  if (!set) listeners.set(store, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

function notify(store: Store): void {
  for (const fn of listeners.get(store) ?? []) {
    try {
      fn();
    } catch {
      // a listener's bug must not break a writer
    }
  }
}

function json(v: unknown): string {
  return JSON.stringify(v);
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Param values as JSON scalars; NaN/±inf (JSON cannot hold them) as tagged strings. */
function encodeParam(v: ParamValue): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return json({ $num: String(v) });
  return json(v);
}

/** SQLite stores NaN as NULL; a metric value is never legitimately absent, so NULL reads back as NaN. */
function fromSql(v: number | null): number {
  return v === null ? NaN : v;
}

/** Who runs a run: `host:pid`, kept in the run's `extra.runner` so a later process can tell it died. */
export function runnerId(): string {
  return `${hostname()}:${process.pid}`;
}

/** Whether a process of this host exists (EPERM: it does, it is just not ours to signal). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunStore {
  readonly store: Store;
  private readonly db: Database;
  private readonly seriesIds = new Map<number, Map<string, number>>();

  constructor(store: Store) {
    this.store = store;
    this.db = store.db;
  }

  private bump(db: Database, rid: number): void {
    db.prepare('UPDATE runs SET seq = (SELECT IFNULL(MAX(seq), 0) + 1 FROM runs) WHERE rid = ?').run(rid);
  }

  /** Creates the run, or returns the existing one with that id (a retried hook). */
  createRun(r: NewRun): number {
    const rid = this.store.write((db) => {
      const found = db.prepare('SELECT rid FROM runs WHERE id = ?').get(r.id) as { rid: number } | undefined;
      if (found) return found.rid;
      const info = db.prepare(`INSERT INTO runs(id, origin, experiment, name, status, started_at, ended_at, git_commit, git_dirty,
                                 tags, inputs, outputs, extra, warnings, pipeline_run_id, seq)
                               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, (SELECT IFNULL(MAX(seq), 0) + 1 FROM runs))`)
        .run(r.id, r.origin, r.experiment, r.name, r.status, r.startedAt, r.endedAt ?? null, r.gitCommit ?? null,
          r.gitDirty === undefined || r.gitDirty === null ? null : r.gitDirty ? 1 : 0,
          json(r.tags ?? {}), json(r.inputs ?? []), json(r.outputs ?? []), json(r.extra ?? {}), r.pipelineRunId ?? null);
      return Number(info.lastInsertRowid);
    });
    notify(this.store);
    return rid;
  }

  ridOf(id: string): number | undefined {
    const row = this.db.prepare('SELECT rid FROM runs WHERE id = ?').get(id) as { rid: number } | undefined;
    return row?.rid;
  }

  /**
   * Runs left "running" by a process that is gone (killed, crashed, the machine rebooted while the
   * editor was closed) become "killed", with a warning saying so; their pipeline run row and its
   * unfinished stages become "stopped". Only runs whose runner (`extra.runner`, host:pid) ran on
   * this host are judged; a pid reused by another process keeps a run "running", never the reverse.
   */
  reapOrphans(host = hostname(), isAlive: (pid: number) => boolean = processAlive, now = new Date()): string[] {
    const rows = this.db.prepare("SELECT rid, id, extra, pipeline_run_id FROM runs WHERE status = 'running'").all() as Array<{ rid: number; id: string; extra: string; pipeline_run_id: string | null }>;
    const reaped: string[] = [];
    for (const r of rows) {
      const runner = parseJson<Record<string, string>>(r.extra, {})['runner'];
      const m = runner ? /^(.*):(\d+)$/.exec(runner) : null;
      if (!m || m[1] !== host || isAlive(Number(m[2]))) continue;
      const endedAt = now.toISOString();
      this.store.write((db) => {
        // Re-checked inside the write: the runner may have finished the run meanwhile.
        const still = db.prepare("UPDATE runs SET status = 'killed', ended_at = ? WHERE rid = ? AND status = 'running'").run(endedAt, r.rid);
        if (!still.changes) return;
        this.addWarningsIn(db, r.rid, [`the process running it (pid ${m[2]}) ended without finishing the run: killed or crashed`]);
        if (r.pipeline_run_id) {
          db.prepare("UPDATE pipeline_runs SET status = 'stopped', ended_at = ? WHERE id = ? AND status = 'running'").run(endedAt, r.pipeline_run_id);
          db.prepare("UPDATE stage_runs SET status = 'stopped', ended_at = ?, reason = COALESCE(reason, 'its process ended') WHERE run_id = ? AND status = 'running'").run(endedAt, r.pipeline_run_id);
        }
        this.bump(db, r.rid);
        reaped.push(r.id);
      });
    }
    if (reaped.length) notify(this.store);
    return reaped;
  }

  /** Next `run-N` name in an experiment: one past the highest existing, so deleting an older run never causes a repeat. */
  nextName(experiment: string): string {
    const n = this.db.prepare(`SELECT IFNULL(MAX(CAST(substr(name, 5) AS INTEGER)), 0) FROM runs
                               WHERE experiment = ? AND name GLOB 'run-[0-9]*'`).pluck().get(experiment) as number;
    return `run-${n + 1}`;
  }

  updateRun(rid: number, u: RunUpdate): void {
    this.store.write((db) => {
      const sets: string[] = [];
      const args: unknown[] = [];
      const add = (col: string, v: unknown): void => {
        sets.push(`${col} = ?`);
        args.push(v);
      };
      if (u.status !== undefined) add('status', u.status);
      if (u.endedAt !== undefined) add('ended_at', u.endedAt);
      if (u.name !== undefined) add('name', u.name);
      if (u.tags !== undefined) add('tags', json(u.tags));
      if (u.inputs !== undefined) add('inputs', json(u.inputs));
      if (u.outputs !== undefined) add('outputs', json(u.outputs));
      if (u.extra !== undefined) add('extra', json(u.extra));
      if (sets.length) db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE rid = ?`).run(...args, rid);
      this.bump(db, rid);
    });
    notify(this.store);
  }

  /** Problems found while reading a run's files; kept with the run, capped so a broken log cannot grow the row forever. */
  addWarnings(rid: number, messages: readonly string[]): void {
    if (!messages.length) return;
    this.store.write((db) => this.addWarningsIn(db, rid, messages));
    notify(this.store);
  }

  addWarningsIn(db: Database, rid: number, messages: readonly string[]): void {
    if (!messages.length) return;
    const row = db.prepare('SELECT warnings FROM runs WHERE rid = ?').get(rid) as { warnings: string } | undefined;
    if (!row) return;
    const list = parseJson<string[]>(row.warnings, []);
    for (const m of messages) {
      if (list.length < MAX_WARNINGS) list.push(m);
      else if (list.length === MAX_WARNINGS) list.push('(more warnings were left out)');
    }
    db.prepare('UPDATE runs SET warnings = ? WHERE rid = ?').run(json(list), rid);
    this.bump(db, rid);
  }

  setParams(rid: number, params: Record<string, ParamValue>): void {
    this.store.write((db) => this.setParamsIn(db, rid, params));
    notify(this.store);
  }

  setParamsIn(db: Database, rid: number, params: Record<string, ParamValue>): void {
    const ins = db.prepare('INSERT INTO run_params(rid, key, value) VALUES (?, ?, ?) ON CONFLICT(rid, key) DO UPDATE SET value = excluded.value');
    for (const [k, v] of Object.entries(params)) ins.run(rid, k, encodeParam(v));
    this.bump(db, rid);
  }

  /** Tell in-process readers about writes made through the `…In(db)` methods. */
  notifyChanged(): void {
    notify(this.store);
  }

  /** Summary values (a metrics file): they become the latest value whatever the series says. */
  setMetrics(rid: number, metrics: Record<string, number>, timestamp: number | null = null): void {
    this.store.write((db) => {
      const up = db.prepare(`INSERT INTO run_metrics(rid, key, value, step, timestamp) VALUES (?, ?, ?, NULL, ?)
                             ON CONFLICT(rid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp`);
      for (const [k, v] of Object.entries(metrics)) up.run(rid, k, v, timestamp);
      this.bump(db, rid);
    });
    notify(this.store);
  }

  private seriesId(db: Database, rid: number, key: string): number {
    let byKey = this.seriesIds.get(rid);
    if (!byKey) this.seriesIds.set(rid, (byKey = new Map()));
    const known = byKey.get(key);
    if (known !== undefined) return known;
    db.prepare('INSERT INTO run_metrics(rid, key, value, step, timestamp) VALUES (?, ?, NULL, NULL, NULL) ON CONFLICT(rid, key) DO NOTHING').run(rid, key);
    const row = db.prepare('SELECT series FROM run_metrics WHERE rid = ? AND key = ?').get(rid, key) as { series: number };
    byKey.set(key, row.series);
    return row.series;
  }

  /** Bulk ingest in one transaction: points in, then one latest-value update per series. */
  appendPoints(rid: number, points: readonly IncomingPoint[]): void {
    if (!points.length) return;
    this.store.write((db) => this.appendPointsIn(db, rid, points));
    notify(this.store);
  }

  /** The same inside a caller's transaction (the JSONL tail also moves its offset in it). */
  appendPointsIn(db: Database, rid: number, points: readonly IncomingPoint[]): void {
    const ins = db.prepare('INSERT OR REPLACE INTO metric_points(series, step, value, timestamp) VALUES (?, ?, ?, ?)');
    const latest = new Map<number, IncomingPoint>();
    // Points usually arrive grouped by key: resolve the series and track the best point per run of
    // equal keys, touching the maps only when the key changes.
    let lastKey: string | undefined;
    let series = -1;
    let best: IncomingPoint | undefined;
    const flush = (): void => {
      if (!best) return;
      const cur = latest.get(series);
      if (!cur || best.step >= cur.step) latest.set(series, best);
    };
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      if (p.key !== lastKey) {
        flush();
        best = undefined;
        series = this.seriesId(db, rid, p.key);
        lastKey = p.key;
      }
      ins.run(series, p.step, p.value, p.timestamp);
      if (!best || p.step >= best.step) best = p;
    }
    flush();
    const up = db.prepare(`UPDATE run_metrics SET value = ?, step = ?, timestamp = ?
                           WHERE series = ? AND (step IS NULL OR step <= ?)`);
    for (const [id, p] of latest) up.run(p.value, p.step, p.timestamp, id, p.step);
    this.bump(db, rid);
  }

  deleteRun(rid: number): void {
    this.store.write((db) => {
      db.prepare('DELETE FROM metric_points WHERE series IN (SELECT series FROM run_metrics WHERE rid = ?)').run(rid);
      db.prepare('DELETE FROM runs WHERE rid = ?').run(rid);
    });
    this.seriesIds.delete(rid);
    notify(this.store);
  }

  /** Highest `seq` and row count: a reader compares them with what it holds to decide what to reload. */
  version(): { seq: number; count: number } {
    const row = this.db.prepare('SELECT IFNULL(MAX(seq), 0) AS seq, COUNT(*) AS count FROM runs').get() as { seq: number; count: number };
    return row;
  }

  allRids(): number[] {
    return (this.db.prepare('SELECT rid FROM runs').pluck().all() as number[]);
  }

  /** Runs changed after `sinceSeq` (all runs for 0), with params and latest metrics. */
  loadSince(sinceSeq: number): StoredRun[] {
    type Row = [number, string, string, string, string, RunStatus, string | null, string | null, string | null, number | null, string, string, string, string, string, string | null, number];
    const rows = this.db.prepare(`SELECT rid, id, origin, experiment, name, status, started_at, ended_at, git_commit, git_dirty,
                                    tags, inputs, outputs, extra, warnings, pipeline_run_id, seq FROM runs WHERE seq > ?`).raw().all(sinceSeq) as Row[];
    const byRid = new Map<number, StoredRun>();
    for (const r of rows) {
      const extra = parseJson<Record<string, string>>(r[13], {});
      if (r[15]) extra['pipelineRun'] = r[15];
      extra['origin'] = r[2];
      byRid.set(r[0], {
        rid: r[0], seq: r[16], extra,
        summary: {
          id: OUR_PREFIX + r[1], source: 'mlops', sourceLabel: r[2] === 'pipeline' ? 'pipeline' : r[2],
          experiment: r[3], name: r[4], status: r[5], startedAt: r[6], endedAt: r[7], gitCommit: r[8],
          gitDirty: r[9] === null ? null : r[9] !== 0,
          params: {}, metrics: {},
          tags: parseJson(r[10], {}), inputs: parseJson(r[11], []), outputs: parseJson(r[12], []),
          readOnly: false, warnings: parseJson(r[14], []),
        },
      });
    }
    if (!byRid.size) return [];
    const filter = sinceSeq > 0 ? 'WHERE rid IN (SELECT rid FROM runs WHERE seq > ?)' : '';
    const args = sinceSeq > 0 ? [sinceSeq] : [];
    // One JSON object per run, built by SQLite: 3× faster than a row per value for 10,000 runs ×
    // 50 columns. SQLite writes doubles with full round-trip precision and ±∞ as ±9.0e+999.
    const params = this.db.prepare(`SELECT rid, json_group_object(key, json(value)) FROM run_params ${filter} GROUP BY rid`).raw().all(...args) as Array<[number, string]>;
    for (const [rid, text] of params) {
      const run = byRid.get(rid);
      if (!run) continue;
      const obj = JSON.parse(text) as Record<string, ParamValue | { $num: string }>;
      for (const k in obj) {
        const v = obj[k];
        if (v !== null && typeof v === 'object') obj[k] = Number(v.$num);
      }
      run.summary.params = obj as Record<string, ParamValue>;
    }
    const metrics = this.db.prepare(`SELECT rid, json_group_object(key, value) FROM run_metrics ${filter} GROUP BY rid`).raw().all(...args) as Array<[number, string]>;
    for (const [rid, text] of metrics) {
      const run = byRid.get(rid);
      if (!run) continue;
      const obj = JSON.parse(text) as Record<string, number | null>;
      for (const k in obj) if (obj[k] === null) obj[k] = NaN;
      run.summary.metrics = obj as Record<string, number>;
    }
    return [...byRid.values()];
  }

  /** Step series of one run, ordered by step; `keys` limits the metrics. */
  series(rid: number, keys?: readonly string[]): Record<string, MetricPoint[]> {
    const out: Record<string, MetricPoint[]> = {};
    const want = keys ? new Set(keys) : undefined;
    const metrics = this.db.prepare('SELECT series, key FROM run_metrics WHERE rid = ?').raw().all(rid) as Array<[number, string]>;
    const pts = this.db.prepare('SELECT step, value, timestamp FROM metric_points WHERE series = ? ORDER BY step').raw();
    for (const [series, key] of metrics) {
      if (want && !want.has(key)) continue;
      const rows = pts.all(series) as Array<[number, number | null, number | null]>;
      if (!rows.length) continue;
      out[key] = rows.map(([step, value, timestamp]) => ({ step, value: fromSql(value), timestamp }));
    }
    return out;
  }
}
