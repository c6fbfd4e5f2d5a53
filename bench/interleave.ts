import { spawn, type ChildProcess } from 'node:child_process';
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
      const r = await fns[k]();
      times[k].push(isTimed(r) ? r.elapsedMs : performance.now() - t0);
    }
  }
  const out = {} as Record<K, Sample>;
  for (const k of names) {
    const sorted = [...times[k]].sort((a, b) => a - b);
    out[k] = { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, runs: times[k] };
  }
  return out;
}

/** What a function measured itself (a command timed by the spawner process). */
export interface Timed {
  elapsedMs: number;
}

function isTimed(r: unknown): r is Timed {
  return typeof r === 'object' && r !== null && typeof (r as Timed).elapsedMs === 'number';
}

// Every spawn forks this process, and its next stretch of in-process work pays for the
// copy-on-write pages (measured: ~8 ms on a 60 ms status right after any spawn). A small
// process that does the spawning keeps that cost off both sides: it times the command itself.
const SPAWNER = `
const { execFileSync } = require('node:child_process');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { cmd, args, cwd } = JSON.parse(line);
  const t0 = performance.now();
  let error = null;
  try { execFileSync(cmd, args, { cwd, stdio: 'ignore', maxBuffer: 1 << 30 }); } catch (e) { error = String(e.message); }
  process.stdout.write(JSON.stringify({ elapsedMs: performance.now() - t0, error }) + '\\n');
});
`;

let spawner: { child: ChildProcess; waiting: Array<(line: string) => void>; hold: (on: boolean) => void } | undefined;

function spawnerProcess(): NonNullable<typeof spawner> {
  if (spawner) return spawner;
  const child = spawn(process.execPath, ['-e', SPAWNER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const s = { child, waiting: [] as Array<(line: string) => void> };
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      s.waiting.shift()?.(line);
      if (s.waiting.length === 0) hold(false);
    }
  });
  // Held only while a command runs: the benchmark may end while the spawner waits for a line.
  const hold = (on: boolean): void => {
    for (const h of [child, child.stdin, child.stdout] as unknown as Array<{ ref(): void; unref(): void }>) {
      if (on) h.ref();
      else h.unref();
    }
  };
  hold(false);
  spawner = { ...s, hold };
  return spawner;
}

/** An external command as a function for measureInterleaved, spawned and timed by the spawner process. */
export function command(cmd: string, args: string[], cwd?: string): () => Promise<Timed> {
  return () => new Promise((resolve, reject) => {
    const s = spawnerProcess();
    s.waiting.push((line) => {
      const r = JSON.parse(line) as { elapsedMs: number; error: string | null };
      if (r.error) reject(new Error(`${cmd} ${args.join(' ')}: ${r.error}`));
      else resolve({ elapsedMs: r.elapsedMs });
    });
    s.hold(true);
    s.child.stdin!.write(`${JSON.stringify({ cmd, args, cwd })}\n`);
  });
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
