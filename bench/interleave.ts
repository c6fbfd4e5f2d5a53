import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sample } from './harness.ts';

/**
 * Time several functions in turns (a, b, c, a, b, c …) rather than one after the other, so a
 * load change on a shared machine hits ours and the baseline alike. The ratio of minimums is
 * then a fair figure too: both got their best moment in the same stretch of time.
 */
export async function measureInterleaved<K extends string>(fns: Record<K, () => unknown>, opts: { runs?: number; warmup?: number } = {}): Promise<Record<K, Sample>> {
  const names = Object.keys(fns) as K[];
  for (let i = 0; i < (opts.warmup ?? 1); i++) for (const k of names) await fns[k]();
  const times = Object.fromEntries(names.map((k) => [k, [] as number[]])) as unknown as Record<K, number[]>;
  for (let i = 0; i < (opts.runs ?? 7); i++) {
    for (const k of names) {
      const t0 = performance.now();
      await fns[k]();
      times[k].push(performance.now() - t0);
    }
  }
  const out = {} as Record<K, Sample>;
  for (const k of names) {
    const sorted = [...times[k]].sort((a, b) => a - b);
    out[k] = { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, runs: times[k] };
  }
  return out;
}

/** An external command as a function for measureInterleaved. */
export function command(cmd: string, args: string[], cwd?: string): () => void {
  return () => execFileSync(cmd, args, { cwd, stdio: 'ignore', maxBuffer: 1 << 30 });
}

/**
 * The CLI as `node esbuild.mjs` ships it: the CommonJS bundle behind a launcher that enables
 * V8's compile cache. `outDir` should be inside the repository, so the bundle finds node_modules.
 */
export async function bundleCli(outDir: string, version = 'bench'): Promise<string> {
  const repo = path.join(import.meta.dirname, '..');
  const esbuild = createRequire(path.join(repo, 'package.json'))('esbuild') as typeof import('esbuild');
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(repo, 'src', 'cli', 'index.ts')], outfile: path.join(outDir, 'cli-main.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node22',
    external: ['vscode', 'better-sqlite3', 'fsevents'], logLevel: 'warning',
    define: { 'import.meta.url': '__mlops_import_meta_url', __MLOPS_VERSION__: JSON.stringify(version) },
    banner: { js: "const __mlops_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  });
  // .cjs: bench/ is an ES module package.
  const launcher = path.join(outDir, 'cli.cjs');
  writeFileSync(launcher, "'use strict';\nrequire('node:module').enableCompileCache?.();\nrequire('./cli-main.cjs');\n");
  return launcher;
}

export function ratioOfMins(a: Sample, b: Sample): number {
  return a.min / b.min;
}
