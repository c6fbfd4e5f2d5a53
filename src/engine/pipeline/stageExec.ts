/**
 * One stage, start to finish: check its inputs, clear non-persistent outputs, run each command
 * in the shell, then hash and cache the outputs and record the stage in dvc.lock. The lock is
 * written only after everything succeeded, and atomically: a stage that fails, is stopped, or
 * whose runner is killed leaves dvc.lock as it was.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import { MlopsError, describeError } from '../errors.ts';
import type { ObjectCache } from '../versioning/cache.ts';
import type { Hasher } from './hasher.ts';
import { writeLockStage } from './lock.ts';
import type { LockEntry, LockStage } from './lock.ts';
import { runShell } from './process.ts';
import { currentParams } from './status.ts';
import type { OutDef, PathRef, Pipeline, StageDef } from './types.ts';

export interface ExecOptions {
  pipeline: Pipeline;
  stage: StageDef;
  hasher: Hasher;
  cache: ObjectCache;
  runDir: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  killGraceMs?: number;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  onCommand?: (cmd: string) => void;
}

export interface ExecResult {
  status: 'succeeded' | 'failed' | 'stopped';
  exitCode?: number | null;
  durationMs: number;
  error?: MlopsError;
  /** What was written to dvc.lock, on success. */
  lock?: LockStage;
}

function abs(p: Pipeline, ref: { rel: string }): string {
  return path.resolve(p.dir, ...ref.rel.split('/'));
}

/** DVC runs a multi-line cmd string line by line, like a list. */
export function commandLines(cmd: string | string[]): string[] {
  const lines = Array.isArray(cmd) ? cmd : cmd.split(/\r\n|\r|\n/);
  return lines.filter((l) => l.trim() !== '');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => log.end(() => resolve()));
}

export async function executeStage(o: ExecOptions): Promise<ExecResult> {
  const { pipeline, stage } = o;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const fail = (error: MlopsError, exitCode?: number | null): ExecResult => ({ status: 'failed', durationMs: elapsed(), error, ...(exitCode === undefined ? {} : { exitCode }) });

  for (const d of stage.deps) {
    if (!(await exists(abs(pipeline, d)))) {
      return fail(new MlopsError('not-found', `dependency '${d.path}' of stage '${stage.name}' does not exist`, {
        location: { file: pipeline.file, line: d.line },
        hint: 'create it, or run the stage that produces it first',
      }));
    }
  }
  for (const out of stage.outs) {
    if (!out.persist) await fs.rm(abs(pipeline, out), { recursive: true, force: true });
  }

  const log = createWriteStream(path.join(o.runDir, 'output.log'), { flags: 'a' });
  const cwd = path.resolve(pipeline.dir, ...stage.wdir.split('/'));
  let last: number | null = 0;
  try {
    for (const cmd of commandLines(stage.cmd)) {
      o.onCommand?.(cmd);
      const r = await runShell(cmd, {
        cwd,
        env: o.env,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
        onOutput: (text, stream) => {
          log.write(text);
          o.onOutput?.(text, stream);
        },
      });
      last = r.exitCode;
      if (r.stopped) return { status: 'stopped', exitCode: r.exitCode, durationMs: elapsed() };
      if (r.error) {
        return fail(new MlopsError('io', `could not start the shell for stage '${stage.name}': ${r.error.message}`, {
          location: { file: pipeline.file, line: stage.line },
          hint: `check that the working directory ${stage.wdir} exists and /bin/sh (cmd.exe on Windows) is available`,
        }));
      }
      if (r.exitCode !== 0) {
        const how = r.exitCode === null ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`;
        return fail(new MlopsError('refused', `stage '${stage.name}' failed: \`${cmd}\` ${how}`, {
          location: { file: pipeline.file, line: stage.line },
          hint: `see its output in ${path.join(o.runDir, 'output.log')}`,
        }), r.exitCode);
      }
    }
  } finally {
    await closeLog(log);
  }

  try {
    const lock = await saveStage(o);
    return { status: 'succeeded', exitCode: last, durationMs: elapsed(), lock };
  } catch (e) {
    const error = e instanceof MlopsError ? e : new MlopsError('io', `stage '${stage.name}' ran, but saving it failed: ${describeError(e)}`, { cause: e });
    return fail(error, last);
  }
}

/** Hash deps and outs, put cached outs into the cache, then write the stage's lock entry. */
async function saveStage(o: ExecOptions): Promise<LockStage> {
  const { pipeline, stage } = o;
  const outs = await Promise.all(stage.outs.map((out) => saveOut(o, out)));
  const deps = await Promise.all(stage.deps.map(async (d: PathRef): Promise<LockEntry> => {
    const h = await o.hasher.hashPath(abs(pipeline, d), 'md5');
    if (!h) {
      throw new MlopsError('not-found', `dependency '${d.path}' of stage '${stage.name}' disappeared while the stage ran`, {
        location: { file: pipeline.file, line: d.line },
      });
    }
    return entry(d.path, h.hash, h.size, h.nfiles, h.isexec);
  }));
  const params = currentParams({ pipeline }, stage);
  const lock: LockStage = { cmd: stage.cmd, deps, params, outs };
  await writeLockStage(pipeline.lockFile, stage.name, lock);
  return lock;
}

function entry(p: string, md5: string, size: number, nfiles?: number, isexec?: boolean): LockEntry {
  return { path: p, hash: 'md5', md5, size, ...(nfiles !== undefined ? { nfiles } : {}), ...(isexec ? { isexec: true } : {}) };
}

async function saveOut(o: ExecOptions, out: OutDef): Promise<LockEntry> {
  const { pipeline, stage } = o;
  const file = abs(pipeline, out);
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    throw new MlopsError('not-found', `stage '${stage.name}' did not produce its output '${out.path}'`, {
      location: { file: pipeline.file, line: out.line },
      hint: 'make the command write it (relative to the stage\'s wdir), or remove it from the stage\'s outputs',
    });
  }
  if (out.cache && st.isDirectory()) {
    const info = await o.cache.putDir(file);
    return entry(out.path, info.oid, info.size, info.nfiles);
  }
  const h = await o.hasher.hashPath(file, 'md5');
  if (!h) throw new MlopsError('not-found', `output '${out.path}' of stage '${stage.name}' disappeared while being saved`, { location: { file: pipeline.file, line: out.line } });
  if (out.cache) await o.cache.put(file, { oid: h.hash });
  return entry(out.path, h.hash, h.size, h.nfiles, h.isexec);
}
