import type { CompareResult } from '../engine/versioning/api.ts';

/** What the compare panel shows: one artifact, two sides. */
export interface CompareState {
  path: string;
  result: CompareResult;
}

/** The compare panel is read-only: it sends nothing but `ready`. */
export type CompareToHost = { type: 'ready' };
export type CompareToWebview = { type: 'show'; state: CompareState };
