import type { RunSummary } from '../../../src/engine/tracking/api.ts';
import { decodeRuns, type Run } from '../../../webview/experiments/model.ts';
import { toWire } from '../../../src/extension/experiments/wire.ts';

/** A run summary with sensible defaults; `i` orders start times (higher = newer). */
export function summary(i: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: `mlops:r${i}`, source: 'mlops', sourceLabel: 'pipeline', experiment: 'churn', name: `run-${i}`, status: 'finished',
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), endedAt: new Date(Date.UTC(2026, 0, 1, 0, i, 30)).toISOString(),
    gitCommit: null, gitDirty: null, params: {}, metrics: {}, tags: {}, inputs: [], outputs: [], readOnly: false, warnings: [],
    ...over,
  };
}

/** Through the wire (JSON, as postMessage carries it) and decoded, as the page sees runs. */
export function pageRuns(runs: readonly RunSummary[]): Run[] {
  return decodeRuns(JSON.parse(JSON.stringify(runs.map(toWire))));
}
