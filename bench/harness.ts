import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Benchmarks, not timed tests: each compares our code with a baseline measured in the same run on
 * the same machine and data, and prints the ratio (ours / baseline; lower is better) against a goal.
 */
export interface Sample {
  median: number;
  min: number;
  runs: number[];
}

export async function measure(fn: () => unknown | Promise<unknown>, opts: { runs?: number; warmup?: number } = {}): Promise<Sample> {
  const runs = opts.runs ?? 5;
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, runs: times };
}

/** Time an external command (the baseline tools: md5sum, git status, python3 + scipy …). */
export function measureCommand(cmd: string, args: string[], opts: { cwd?: string; runs?: number; warmup?: number } = {}): Promise<Sample> {
  return measure(() => execFileSync(cmd, args, { cwd: opts.cwd, stdio: 'ignore', maxBuffer: 1 << 30 }), opts);
}

export interface Comparison {
  benchmark: string;
  ours: Sample;
  baseline: Sample;
  baselineName: string;
  ratio: number;
  goal?: number;
  pass?: boolean;
  notes?: Record<string, unknown>;
}

const results: Comparison[] = [];

export function compare(benchmark: string, ours: Sample, baseline: Sample, baselineName: string, goal?: number, notes?: Record<string, unknown>): Comparison {
  const ratio = ours.median / baseline.median;
  const c: Comparison = { benchmark, ours, baseline, baselineName, ratio, goal, pass: goal === undefined ? undefined : ratio <= goal, notes };
  results.push(c);
  const verdict = goal === undefined ? '' : c.pass ? `  ✓ goal ≤ ${goal}×` : `  ✗ goal ≤ ${goal}× MISSED`;
  console.log(
    `${benchmark}: ours ${fmt(ours.median)} vs ${baselineName} ${fmt(baseline.median)} → ratio ${ratio.toFixed(3)}×${verdict}`,
  );
  if (notes) for (const [k, v] of Object.entries(notes)) console.log(`    ${k}: ${typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : String(v)}`);
  return c;
}

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** Write every comparison of this process to bench/results/<name>.json (git-ignored). */
export function saveResults(name: string): string {
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2));
  return file;
}
