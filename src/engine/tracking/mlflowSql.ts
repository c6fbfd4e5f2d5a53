/**
 * MLflow's SQLite store `mlflow.db` (formats.md B.7), opened read-only (`fileMustExist`), never
 * migrated or written. Features are detected by column (`PRAGMA table_info`) rather than by
 * alembic revision, so older and newer schemas both read. A locked or unreadable database is a
 * SourceProblem and the runs read last time stay listed.
 * Value encoding: `is_nan = 1` is NaN; ±1.7976931348623157e308 are ±∞.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadSqlite } from '../store/native.ts';
import type { MetricPoint, ParamValue, SourceProblem } from './api.ts';
import type { ExternalRun, ExternalSource, SourceScan } from './external.ts';
import { statSig } from './external.ts';
import { mlflowRunStatus } from './mlflowFiles.ts';
import { isoFromMillis } from './values.ts';

const SQL_MAX = 1.7976931348623157e308;
const SQLITE_MAGIC = 'SQLite format 3\0';

export function mlflowSqlValue(value: number | null, isNan: number | null | undefined): number {
  if (isNan) return NaN;
  if (value === null) return NaN;
  if (value >= SQL_MAX) return Infinity;
  if (value <= -SQL_MAX) return -Infinity;
  return value;
}

type Db = BetterSqlite3.Database;

interface Schema {
  tables: Set<string>;
  columns: Map<string, Set<string>>;
  revision: string | null;
}

function readSchema(db: Db): Schema {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]));
  const columns = new Map<string, Set<string>>();
  for (const t of ['experiments', 'runs', 'metrics', 'latest_metrics', 'params', 'tags']) {
    if (!tables.has(t)) continue;
    columns.set(t, new Set((db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => c.name)));
  }
  let revision: string | null = null;
  if (tables.has('alembic_version')) {
    try {
      revision = (db.prepare('SELECT version_num FROM alembic_version').pluck().get() as string | undefined) ?? null;
    } catch {
      revision = null;
    }
  }
  return { tables, columns, revision };
}

function looksLikeSqlite(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    return n === 0 || head.toString('latin1') === SQLITE_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface MlflowSqlOptions {
  label: string;
  idPrefix: string;
  busyTimeoutMs?: number;
}

export class MlflowSqlSource implements ExternalSource {
  readonly location: string;
  private readonly o: MlflowSqlOptions;
  private sig = '';
  private last: SourceScan = { runs: [], problems: [], changed: true };

  constructor(file: string, o: MlflowSqlOptions) {
    this.location = file;
    this.o = o;
  }

  private open(): Db {
    const Database = loadSqlite();
    const db = new Database(this.location, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${this.o.busyTimeoutMs ?? 1000}`);
    return db;
  }

  async scan(): Promise<SourceScan> {
    const sig = `${await statSig(this.location)}|${await statSig(`${this.location}-wal`)}`;
    if (sig === this.sig && !this.last.problems.length) return { ...this.last, changed: false };
    const problem = (message: string): SourceProblem => ({ source: 'mlflow', location: this.o.label, message });
    if (!looksLikeSqlite(this.location)) {
      this.sig = sig;
      this.last = { runs: [], problems: [problem(`${path.basename(this.location)} is not an SQLite database (its header is wrong); it was left untouched`)], changed: true };
      return this.last;
    }
    let db: Db | undefined;
    try {
      db = this.open();
      const runs = this.readAll(db);
      this.sig = sig;
      this.last = { runs, problems: [], changed: true };
    } catch (e) {
      const msg = (e as Error).message;
      const text = /SQLITE_BUSY|database is locked/i.test(msg)
        ? `${path.basename(this.location)} is locked by another process (MLflow may be writing or migrating it); showing the runs read before. Refresh again in a moment.`
        : `${path.basename(this.location)} could not be read as an MLflow store: ${msg}`;
      // Keep what was read before: a busy database is a moment, not an empty store.
      this.last = { runs: this.last.runs, problems: [problem(text)], changed: true };
    } finally {
      db?.close();
    }
    return this.last;
  }

  private readAll(db: Db): ExternalRun[] {
    const s = readSchema(db);
    const runCols = s.columns.get('runs');
    const expCols = s.columns.get('experiments');
    if (!runCols?.has('run_uuid') || !expCols?.has('experiment_id')) {
      throw new Error(`no MLflow 'runs'/'experiments' tables${s.revision ? ` (alembic revision ${s.revision})` : ''}; is this an MLflow tracking database?`);
    }
    const col = (cols: Set<string>, c: string, alias = c): string => (cols.has(c) ? `r.${c} AS ${alias}` : `NULL AS ${alias}`);
    const ecol = (c: string, alias: string): string => (expCols.has(c) ? `e.${c} AS ${alias}` : `NULL AS ${alias}`);
    const where: string[] = [];
    if (runCols.has('lifecycle_stage')) where.push("(r.lifecycle_stage IS NULL OR r.lifecycle_stage != 'deleted')");
    if (expCols.has('lifecycle_stage')) where.push("(e.lifecycle_stage IS NULL OR e.lifecycle_stage != 'deleted')");
    // Experiment ids can exceed 2^53 (file-store ids migrated to SQLite): read them as text.
    const rows = db.prepare(`SELECT r.run_uuid AS run_uuid, CAST(r.experiment_id AS TEXT) AS experiment_id, ${ecol('name', 'exp_name')},
        ${col(runCols, 'name')}, ${col(runCols, 'status')}, ${col(runCols, 'start_time')}, ${col(runCols, 'end_time')},
        ${col(runCols, 'user_id')}, ${col(runCols, 'artifact_uri')}, ${col(runCols, 'source_version')}
      FROM runs r LEFT JOIN experiments e ON e.experiment_id = r.experiment_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).all() as Array<Record<string, unknown>>;
    const byUuid = new Map<string, ExternalRun>();
    const runIds = new Map<string, string>();
    for (const r of rows) {
      const uuid = String(r['run_uuid']);
      const expId = String(r['experiment_id'] ?? '0');
      const extra: Record<string, string> = { store: this.o.label, experimentId: expId, runId: uuid };
      if (r['artifact_uri']) extra['artifactUri'] = String(r['artifact_uri']);
      if (r['user_id']) extra['user'] = String(r['user_id']);
      if (s.revision) extra['schemaRevision'] = s.revision;
      const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);
      const run: ExternalRun = {
        summary: {
          id: `mlflow:${this.o.idPrefix}${expId}/${uuid}`, source: 'mlflow', sourceLabel: this.o.label,
          experiment: r['exp_name'] === null || r['exp_name'] === undefined ? `experiment ${expId}` : String(r['exp_name']),
          name: r['name'] ? String(r['name']) : uuid, status: mlflowRunStatus(r['status']),
          startedAt: isoFromMillis(num(r['start_time'])), endedAt: isoFromMillis(num(r['end_time'])),
          gitCommit: r['source_version'] ? String(r['source_version']) : null, gitDirty: null,
          params: {}, metrics: {}, tags: {}, inputs: [], outputs: [], readOnly: true, warnings: [],
        },
        extra,
        loadSeries: (keys) => this.loadSeries(uuid, keys),
      };
      byUuid.set(uuid, run);
      runIds.set(uuid, uuid);
    }
    if (s.tables.has('params')) {
      for (const [uuid, key, value] of db.prepare('SELECT run_uuid, key, value FROM params').raw().iterate() as Iterable<[string, string, string | null]>) {
        const run = byUuid.get(uuid);
        if (run) run.summary.params[key] = (value ?? null) as ParamValue;
      }
    }
    if (s.tables.has('tags')) {
      for (const [uuid, key, value] of db.prepare('SELECT run_uuid, key, value FROM tags').raw().iterate() as Iterable<[string, string, string | null]>) {
        const run = byUuid.get(uuid);
        if (!run) continue;
        run.summary.tags[key] = value ?? '';
        if (key === 'mlflow.source.git.commit' && value) run.summary.gitCommit = value;
        if (key === 'mlflow.runName' && value && run.summary.name === uuid) run.summary.name = value;
      }
    }
    const lm = s.columns.get('latest_metrics');
    const m = s.columns.get('metrics');
    if (lm) {
      const isNan = lm.has('is_nan') ? 'is_nan' : '0';
      for (const [uuid, key, value, nan] of db.prepare(`SELECT run_uuid, key, value, ${isNan} FROM latest_metrics`).raw().iterate() as Iterable<[string, string, number | null, number]>) {
        const run = byUuid.get(uuid);
        if (run) run.summary.metrics[key] = mlflowSqlValue(value, nan);
      }
    } else if (m) {
      // Before `latest_metrics` (revision 89d4b8295536): the latest point is the largest (step, timestamp).
      const isNan = m.has('is_nan') ? 'is_nan' : '0';
      const step = m.has('step') ? 'step' : '0';
      const best = new Map<string, { step: number; ts: number; value: number }>();
      for (const [uuid, key, value, nan, st, ts] of db.prepare(`SELECT run_uuid, key, value, ${isNan}, ${step}, timestamp FROM metrics`).raw().iterate() as Iterable<[string, string, number | null, number, number, number]>) {
        if (!byUuid.has(uuid)) continue;
        const k = `${uuid}\0${key}`;
        const cur = best.get(k);
        if (!cur || st > cur.step || (st === cur.step && ts >= cur.ts)) best.set(k, { step: st, ts, value: mlflowSqlValue(value, nan) });
      }
      for (const [k, v] of best) {
        const [uuid, key] = k.split('\0') as [string, string];
        byUuid.get(uuid)!.summary.metrics[key] = v.value;
      }
    }
    return [...byUuid.values()];
  }

  private loadSeries(uuid: string, keys?: readonly string[]): Record<string, MetricPoint[]> {
    const out: Record<string, MetricPoint[]> = {};
    let db: Db | undefined;
    try {
      db = this.open();
      const cols = readSchema(db).columns.get('metrics');
      if (!cols) return out;
      const isNan = cols.has('is_nan') ? 'is_nan' : '0';
      const step = cols.has('step') ? 'step' : '0';
      const rows = db.prepare(`SELECT key, value, ${isNan} AS is_nan, ${step} AS step, timestamp FROM metrics WHERE run_uuid = ? ORDER BY key, ${step}, timestamp`)
        .raw().all(uuid) as Array<[string, number | null, number, number, number | null]>;
      for (const [key, value, nan, st, ts] of rows) {
        if (keys && !keys.includes(key)) continue;
        (out[key] ??= []).push({ step: Number(st), value: mlflowSqlValue(value, nan), timestamp: ts === null ? null : Number(ts) });
      }
    } catch {
      // locked right now: the caller shows the latest values only
    } finally {
      db?.close();
    }
    return out;
  }
}
