/**
 * What the Experiments panel and its host agree on: view models of runs, the messages both ways,
 * and the UI state that survives reloads.
 *
 * Messages travel as JSON, which has no NaN or ±Infinity (they would arrive as null, silently
 * turning "the metric diverged" into "the metric is missing"). Every number that may be
 * non-finite therefore crosses as a `WireNumber`: finite numbers as themselves, the others as a
 * tagged object. Encode on the host, decode once in the page.
 */
import type { ParamValue, RunSummary, SourceProblem } from '../engine/tracking/api.ts';

export type NonFinite = { nf: 'nan' | 'inf' | '-inf' };
export type WireNumber = number | NonFinite;
export type WireParam = string | boolean | null | WireNumber;

export function encodeNumber(n: number): WireNumber {
  if (Number.isFinite(n)) return n;
  return { nf: Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf' };
}

export function isNonFinite(v: unknown): v is NonFinite {
  return typeof v === 'object' && v !== null && typeof (v as { nf?: unknown }).nf === 'string';
}

export function decodeNumber(v: WireNumber): number {
  if (typeof v === 'number') return v;
  return v.nf === 'nan' ? Number.NaN : v.nf === 'inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

export function encodeParam(v: ParamValue): WireParam {
  return typeof v === 'number' ? encodeNumber(v) : v;
}

export function decodeParam(v: WireParam): ParamValue {
  return typeof v === 'number' || isNonFinite(v) ? decodeNumber(v) : v;
}

/** How a number reads in every view: NaN and infinities as text, never as an empty cell. */
export function formatNumber(n: number, digits = 6): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return n.toExponential(Math.max(0, digits - 3)).replace(/\.?0+e/, 'e');
  return String(Number(n.toPrecision(digits)));
}

/** One run as the panel gets it: the summary without inputs/outputs, numbers made JSON-safe. */
export type RunRowWire = Omit<RunSummary, 'params' | 'metrics' | 'inputs' | 'outputs'> & {
  params: Record<string, WireParam>;
  metrics: Record<string, WireNumber>;
};

/** Step series of one run: metric key → [step, value] pairs. */
export type WireSeries = Record<string, Array<[number, WireNumber]>>;

/** The state the page starts with, embedded in its HTML. */
export interface ExperimentsInit {
  /** Generation of `runs`: the page asks for newer ones when it (re)loads. */
  version: number;
  runs: RunRowWire[];
  problems: SourceProblem[];
  /** UI state saved in workspaceState (the page's own getState() wins when it has one). */
  ui: ExperimentsUiState | null;
  /** The metric the tree and CodeLens call primary (first metric of the newest run, or configured). */
  primaryMetric: string | null;
  /** Runs to select (and a view to show) on open, e.g. from "Compare Selected" in the tree. */
  reveal?: RevealRequest;
}

export interface RevealRequest {
  ids: string[];
  view: 'table' | 'compare';
  /** Metric to put first in the comparison (CodeLens clicks). */
  metric?: string;
}

export interface ColumnLayout {
  /** Column ids in display order (unknown ids are ignored; new columns are appended). */
  order: string[];
  hidden: string[];
  pinned: string[];
}

export interface SortState {
  key: string;
  descending: boolean;
}

/** Everything the user arranged; saved by setState on every change and in workspaceState debounced. */
export interface ExperimentsUiState {
  version: 1;
  columns: ColumnLayout;
  sort: SortState | null;
  filter: string;
  selection: string[];
  baseline: string | null;
  showDeltas: boolean;
  view: 'table' | 'compare';
  compare: {
    logScale: boolean;
    /** 0 (none) … 0.99: exponential moving average weight, as TensorBoard's slider. */
    smoothing: number;
    onlyDifferences: boolean;
    scatterX: string | null;
    scatterY: string | null;
    /** Metric keys whose curves are shown; empty = all. */
    metrics: string[];
  };
}

export function defaultUiState(): ExperimentsUiState {
  return {
    version: 1,
    columns: { order: [], hidden: [], pinned: ['attr.name'] },
    sort: { key: 'attr.startedAt', descending: true },
    filter: '',
    selection: [],
    baseline: null,
    showDeltas: true,
    view: 'table',
    compare: { logScale: false, smoothing: 0, onlyDifferences: false, scatterX: null, scatterY: null, metrics: [] },
  };
}

/** Host → page. */
export type ExperimentsToWebview =
  | { type: 'runs'; version: number; runs: RunRowWire[]; problems: SourceProblem[]; primaryMetric: string | null }
  | { type: 'reveal'; reveal: RevealRequest };

/** Page → host (besides `ready` and requests). */
export type ExperimentsToHost =
  | { type: 'ready' }
  | { type: 'saveState'; state: ExperimentsUiState }
  | { type: 'showCommit'; id: string }
  | { type: 'deleteRuns'; ids: string[] };

/** Requests the page makes (method → params / result). */
export interface ExperimentsRequests {
  /**
   * The runs, unless the page already has this version (null). A hidden panel's page is rebuilt
   * from its first HTML when shown again, so it asks on every start instead of trusting that.
   */
  runs: { params: { version: number }; result: Extract<ExperimentsToWebview, { type: 'runs' }> | null };
  /** What the host was asked to show while the page was not loaded (it was hidden, so rebuilt). */
  pendingReveal: { params: Record<string, never>; result: RevealRequest | null };
  series: { params: { ids: string[]; keys?: string[] }; result: Record<string, WireSeries> };
  exportCsv: { params: { csv: string; suggestedName: string }; result: { saved: string | null } };
}

export function encodeSeries(series: Record<string, Array<{ step: number; value: number }>>): WireSeries {
  const out: WireSeries = {};
  for (const [k, pts] of Object.entries(series)) out[k] = pts.map((p) => [p.step, encodeNumber(p.value)]);
  return out;
}

/** Column ids: `attr.<field>`, `params.<key>`, `metrics.<key>`, `tags.<key>` — the filter's names. */
export type ColumnGroup = 'attr' | 'params' | 'metrics' | 'tags';

export function columnId(group: ColumnGroup, key: string): string {
  return `${group}.${key}`;
}

export function splitColumnId(id: string): { group: ColumnGroup; key: string } {
  const dot = id.indexOf('.');
  return { group: id.slice(0, dot) as ColumnGroup, key: id.slice(dot + 1) };
}
