/**
 * Live metrics from `$MLOPS_RUN_DIR/metrics.jsonl`: one JSON object per line,
 *   {"step": 3, "metrics": {"loss": 0.21}}      or      {"step": 3, "loss": 0.21}
 * optionally with "timestamp" (seconds or ms since the epoch, or ISO text) and "params": {…}.
 * The file is tailed incrementally: the offset consumed is stored with the points in the same
 * transaction, so the runner, the extension and a CLI can all tail it and every line lands once.
 * A last line without its newline is still being written and waits; a complete line that does not
 * parse becomes a warning on the run and is skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../store/store.ts';
import type { ParamValue } from './api.ts';
import type { IncomingPoint, RunStore } from './runStore.ts';
import { flattenMetrics, flattenParams, parsePythonJson, toMillis } from './values.ts';

export const RUN_LOG_FILE = 'metrics.jsonl';
/** Bytes read per transaction, so a huge backlog never holds the write lock for long. */
const CHUNK = 8 * 1024 * 1024;
const RESERVED = new Set(['step', 'timestamp', 'metrics', 'params']);

export interface ParsedLine {
  step: number;
  timestamp: number | null;
  metrics: Record<string, number>;
  params: Record<string, ParamValue>;
}

/** One line to values; `nextStep` is used when the line has no "step". Throws a message on bad input. */
export function parseRunLogLine(text: string, nextStep: number): ParsedLine {
  let obj: unknown;
  try {
    obj = parsePythonJson(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message.replace(/^JSON\.parse: /, '')})`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('expected a JSON object such as {"step": 1, "metrics": {"loss": 0.5}}');
  const o = obj as Record<string, unknown>;
  let step = nextStep;
  if (o['step'] !== undefined) {
    const s = o['step'];
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) throw new Error(`"step" must be a whole number ≥ 0, got ${JSON.stringify(s)}`);
    step = s;
  }
  const timestamp = o['timestamp'] === undefined ? null : toMillis(o['timestamp']);
  let metrics: Record<string, number>;
  if (o['metrics'] !== undefined) {
    if (o['metrics'] === null || typeof o['metrics'] !== 'object' || Array.isArray(o['metrics'])) throw new Error('"metrics" must be an object of names to numbers');
    metrics = flattenMetrics(o['metrics']);
  } else {
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!RESERVED.has(k)) rest[k] = v;
    metrics = flattenMetrics(rest);
  }
  let params: Record<string, ParamValue> = {};
  if (o['params'] !== undefined) {
    if (o['params'] === null || typeof o['params'] !== 'object' || Array.isArray(o['params'])) throw new Error('"params" must be an object');
    params = flattenParams(o['params']);
  }
  if (!Object.keys(metrics).length && !Object.keys(params).length) throw new Error('no numeric metric in this line');
  return { step, timestamp, metrics, params };
}

export interface TailResult {
  points: number;
  lines: number;
  warnings: string[];
}

interface LogRow {
  offset: number;
  line: number;
  next_step: number;
}

/**
 * Read what was appended to `file` since the last call (from any process) and store it on run
 * `rid`. `final`: the writer has exited, so a last line without a newline is read too.
 */
export function tailRunLog(runs: RunStore, rid: number, file: string, options: { final?: boolean } = {}): TailResult {
  const total: TailResult = { points: 0, lines: 0, warnings: [] };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return total; // not written yet (or never: a stage that does not log live)
  }
  try {
    for (;;) {
      const more = runs.store.write((db) => tailChunk(db, runs, rid, file, fd, options.final ?? false, total));
      if (!more) break;
    }
  } finally {
    closeSync(fd);
  }
  if (total.points || total.lines || total.warnings.length) runs.notifyChanged();
  return total;
}

function tailChunk(db: Database, runs: RunStore, rid: number, file: string, fd: number, final: boolean, total: TailResult): boolean {
  const shown = path.basename(file);
  const row = db.prepare('SELECT offset, line, next_step FROM run_logs WHERE path = ?').get(file) as LogRow | undefined;
  let { offset, line, next_step: nextStep } = row ?? { offset: 0, line: 0, next_step: 0 };
  const warnings: string[] = [];
  const size = fstatSync(fd).size;
  if (size < offset) {
    warnings.push(`${shown} got shorter than what was already read (${size} < ${offset} bytes): it was replaced; reading it again from the start`);
    offset = 0;
    line = 0;
    nextStep = 0;
  }
  if (size === offset) {
    if (warnings.length) saveOffset(db, file, rid, offset, line, nextStep);
    runs.addWarningsIn(db, rid, warnings);
    total.warnings.push(...warnings);
    return false;
  }
  const want = Math.min(size - offset, CHUNK);
  const buf = Buffer.allocUnsafe(want);
  const got = readSync(fd, buf, 0, want, offset);
  let usable = buf.subarray(0, got).lastIndexOf(0x0a) + 1;
  const atEnd = offset + got >= size;
  // A line longer than a chunk: take the whole chunk as one piece rather than stalling forever.
  if (usable === 0 && !atEnd) usable = got;
  if (final && atEnd) usable = got;
  if (usable === 0) return false;
  const text = buf.subarray(0, usable).toString('utf8');
  const points: IncomingPoint[] = [];
  const params: Record<string, ParamValue> = {};
  const parts = text.split('\n');
  // Ends with a newline except for a final, unterminated last line: drop the empty tail.
  const complete = text.endsWith('\n') ? parts.slice(0, -1) : parts;
  for (const raw of complete) {
    line++;
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText.trim() === '') continue;
    try {
      const p = parseRunLogLine(lineText, nextStep);
      for (const [key, value] of Object.entries(p.metrics)) points.push({ key, step: p.step, value, timestamp: p.timestamp });
      Object.assign(params, p.params);
      nextStep = p.step + 1;
    } catch (e) {
      warnings.push(`${shown} line ${line}: ${(e as Error).message}`);
    }
  }
  total.lines += complete.length;
  if (points.length) {
    // Grouped by key keeps the series lookup out of the inner loop.
    points.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
    runs.appendPointsIn(db, rid, points);
  }
  if (Object.keys(params).length) runs.setParamsIn(db, rid, params);
  runs.addWarningsIn(db, rid, warnings);
  saveOffset(db, file, rid, offset + usable, line, nextStep);
  total.points += points.length;
  total.warnings.push(...warnings);
  return offset + usable < size && usable > 0 && !(final && atEnd);
}

function saveOffset(db: Database, file: string, rid: number, offset: number, line: number, nextStep: number): void {
  db.prepare(`INSERT INTO run_logs(path, rid, offset, line, next_step) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT(path) DO UPDATE SET rid = excluded.rid, offset = excluded.offset, line = excluded.line, next_step = excluded.next_step`)
    .run(file, rid, offset, line, nextStep);
}
