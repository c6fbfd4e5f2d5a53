/**
 * Crash safety: a child process runs add / checkout / gc on a folder of 300+ files and a 24 MiB
 * file and is killed with SIGKILL at a random moment, many times. After every kill: no cache
 * object is corrupt, objects that versions refer to are still there, every workspace file holds
 * its old or its new content (a folder is the old or the new tree as a whole), pointers parse,
 * and the next operation succeeds and leaves the workspace exactly as asked.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { md5Hex } from '../../../src/engine/versioning/hash.ts';
import { buildManifest } from '../../../src/engine/versioning/manifest.ts';
import { parsePointer } from '../../../src/engine/versioning/pointer.ts';
import { makeWorkspace, verifyCacheObjects } from './workspace.ts';
import type { Ws } from './workspace.ts';

const ITERATIONS = Number(process.env['MLOPS_CRASH_ITERATIONS'] ?? 30);
const CHILD = path.join(import.meta.dirname, 'crashChild.ts');
const BIG = 24 << 20;

type Tree = Map<string, string>; // relpath → md5
interface Version { set: Tree; big: string; setOid: string }

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeTreeOf(root: string, files: Map<string, Buffer>): Promise<Tree> {
  const tree: Tree = new Map();
  for (const [rel, data] of files) {
    const abs = path.join(root, ...rel.split('/'));
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, data);
    tree.set(rel, md5Hex(data));
  }
  return tree;
}

async function treeOf(dir: string): Promise<Tree | undefined> {
  if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) return undefined;
  const out: Tree = new Map();
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const d of await fs.readdir(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(path.join(abs, d.name), r);
      else out.set(r, md5Hex(await fs.readFile(path.join(abs, d.name))));
    }
  };
  await walk(dir, '');
  return out;
}

const same = (a: Tree | undefined, b: Tree): boolean => !!a && a.size === b.size && [...b].every(([k, v]) => a.get(k) === v);

function runChild(root: string, args: string[], killAfterMs: number | undefined): Promise<{ killed: boolean; ms?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== undefined && out.includes('ready\n') && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve({ killed: true });
      if (code !== 0) return reject(new Error(`child ${args.join(' ')} failed (${code}): ${err}`));
      resolve({ killed: false, ms: Number(/done (\d+)/.exec(out)?.[1] ?? 0) });
    });
  });
}

function setFiles(seedTag: string, names: string[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const n of names) m.set(n, Buffer.concat([Buffer.from(`${seedTag}:${n}\n`), randomBytes((8 << 10) + (n.length % 3) * 8192)]));
  return m;
}

async function setup(): Promise<{ ws: Ws; v1: Version; v2: Version }> {
  const ws = await makeWorkspace({});
  const names1 = Array.from({ length: 300 }, (_, i) => `${i % 3 === 0 ? 'sub/' : ''}f${String(i).padStart(3, '0')}`);
  const names2 = [...names1.slice(0, 250), ...Array.from({ length: 100 }, (_, i) => `new/g${i}`)];
  const setDir = path.join(ws.root, 'data', 'set');
  const version = async (tag: string, names: string[]): Promise<Version> => {
    await fs.rm(setDir, { recursive: true, force: true });
    const set = await writeTreeOf(setDir, setFiles(tag, names));
    const bigData = randomBytes(BIG);
    await fs.writeFile(path.join(ws.root, 'data', 'big.bin'), bigData);
    const set2 = await ws.v.add('data/set', 'cli');
    await ws.v.add('data/big.bin', 'cli');
    return { set, big: md5Hex(bigData), setOid: set2.version.hash };
  };
  const v1 = await version('v1', names1);
  const v2 = await version('v2', names2);
  return { ws, v1, v2 };
}

test(`kill -9 during add / checkout / gc, ${ITERATIONS} times: no corruption, next operation succeeds`, { timeout: 15 * 60_000 }, async (t) => {
  const seed = Number(process.env['MLOPS_CRASH_SEED'] ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (rerun with MLOPS_CRASH_SEED=${seed})`);
  const rnd = mulberry32(seed);
  const { ws, v1, v2 } = await setup();
  const root = ws.root;
  const setDir = path.join(root, 'data', 'set');
  const bigFile = path.join(root, 'data', 'big.bin');
  const recorded = (): Set<string> => new Set((ws.store.db.prepare('SELECT hash FROM versions').all() as Array<{ hash: string }>).map((r) => r.hash));

  // How long each operation takes un-killed, so kill moments spread over its whole run.
  const calib = {
    checkout: (await runChild(root, ['checkout', 'data/set', v1.setOid], undefined)).ms!,
    add: 0,
    addBig: 0,
    gc: (await runChild(root, ['gc'], undefined)).ms!,
  };
  await ws.v.restore('data/big.bin', v1.big, { force: true });
  await fs.appendFile(bigFile, 'x');
  await fs.appendFile(path.join(setDir, 'f001'), 'x');
  calib.add = (await runChild(root, ['add', 'data/set', 'data/big.bin'], undefined)).ms!;
  await fs.appendFile(bigFile, 'y');
  calib.addBig = (await runChild(root, ['add', 'data/big.bin'], undefined)).ms!;
  t.diagnostic(`un-killed durations (ms): ${JSON.stringify(calib)}`);
  let current: Version = { set: (await treeOf(setDir))!, big: md5Hex(await fs.readFile(bigFile)), setOid: (await buildManifest(setDir)).oid };

  const stats = { killed: 0, finished: 0, swapWindow: 0, byOp: { add: 0, checkout: 0, gc: 0 } as Record<string, number> };
  for (let i = 0; i < ITERATIONS; i++) {
    // Every operation gets its share of kills; the moments and targets are random.
    const op = (['checkout', 'add', 'gc', 'checkout', 'add'] as const)[i % 5]!;
    stats.byOp[op]!++;
    let target: Version = current;
    let args: string[];
    const pointerBefore = { set: await fs.readFile(path.join(root, 'data/set.dvc'), 'utf8'), big: await fs.readFile(path.join(root, 'data/big.bin.dvc'), 'utf8') };
    let allowedPointerHashes = new Set([...recorded()]);
    if (op === 'checkout') {
      const which = rnd() < 0.6 ? 'set' : 'big';
      // Always a real change, so every kill can land in the middle of writing.
      target = which === 'set' ? (current.setOid === v1.setOid ? v2 : v1) : current.big === v1.big ? v2 : v1;
      args = which === 'set' ? ['checkout', 'data/set', target.setOid] : ['checkout', 'data/big.bin', target.big];
      if (which === 'set') target = { ...current, set: target.set, setOid: target.setOid };
      else target = { ...current, big: target.big };
    } else if (op === 'add') {
      // New content to version: a changed big file, and every other time a few files of the folder.
      const data = randomBytes(BIG);
      await fs.writeFile(bigFile, data);
      const withSet = i % 2 === 0;
      const set = new Map(current.set);
      if (withSet) {
        const changed = new Map<string, Buffer>();
        for (const rel of [...current.set.keys()].slice(0, 10)) changed.set(rel, randomBytes(4096));
        for (const [rel, md5] of await writeTreeOf(setDir, changed)) set.set(rel, md5);
      }
      const info = await buildManifest(setDir);
      current = { set, big: md5Hex(data), setOid: info.oid };
      target = current;
      allowedPointerHashes = new Set([...allowedPointerHashes, info.oid, current.big]);
      args = withSet ? ['add', 'data/set', 'data/big.bin'] : ['add', 'data/big.bin'];
    } else {
      for (let k = 0; k < 5; k++) {
        const tmp = path.join(root, `orphan-${k}`);
        await fs.writeFile(tmp, randomBytes(64 << 10));
        await ws.v.cache.put(tmp);
        await fs.rm(tmp);
      }
      args = ['gc'];
    }
    const budget = 0.9 * (op === 'add' ? (args.length === 2 ? calib.addBig : calib.add) : op === 'gc' ? calib.gc : calib.checkout);
    const r = await runChild(root, args, Math.floor(rnd() * Math.max(5, budget)));
    if (r.killed) stats.killed++;
    else stats.finished++;

    // 1. No corrupt object anywhere in the cache; every recorded version is still complete.
    const objs = await verifyCacheObjects(ws.v.cacheDir);
    assert.deepEqual(objs.corrupt, [], `iteration ${i} (${op}): corrupt objects`);
    for (const h of [v1.setOid, v2.setOid, v1.big, v2.big]) assert.ok(await ws.v.hasComplete(h, 'md5'), `iteration ${i} (${op}): ${h} lost`);

    // 2. Workspace: old or new content, folders as a whole.
    const bigNow = md5Hex(await fs.readFile(bigFile));
    assert.ok(bigNow === current.big || bigNow === target.big, `iteration ${i} (${op}): big.bin is neither old nor new`);
    const setNow = await treeOf(setDir);
    if (setNow === undefined) {
      // Killed between the two renames of a folder swap: the old tree waits beside it, complete.
      stats.swapWindow++;
      assert.ok(same(await treeOf(path.join(root, 'data/.set.mlops-old')), current.set), `iteration ${i}: swap leftover incomplete`);
    } else {
      assert.ok(same(setNow, current.set) || same(setNow, target.set), `iteration ${i} (${op}): data/set is a mix of versions`);
    }

    // 3. Pointers are whole and name a known version.
    for (const [rel, before] of [['data/set.dvc', pointerBefore.set], ['data/big.bin.dvc', pointerBefore.big]] as const) {
      const text = await fs.readFile(path.join(root, rel), 'utf8');
      const p = parsePointer(text, rel);
      assert.ok(text === before || allowedPointerHashes.has(p.pointer.outs[0]!.md5!) || [current.setOid, current.big, target.setOid, target.big].includes(p.pointer.outs[0]!.md5!), `iteration ${i} (${op}): ${rel} names an unknown hash`);
    }

    // 4. The next operation succeeds (fresh engine, as after a restart) and does what it says.
    const v = ws.reopen();
    if (op === 'add') {
      await v.add('data/set', 'cli');
      await v.add('data/big.bin', 'cli');
    } else {
      if (op === 'gc') await v.gc({ dryRun: false });
      const next = rnd() < 0.5 ? v1 : v2;
      await v.restore('data/set', next.setOid, { force: true });
      await v.restore('data/big.bin', next.big, { force: true });
      current = next;
    }
    assert.ok(same(await treeOf(setDir), current.set), `iteration ${i} (${op}): follow-up left data/set wrong`);
    assert.equal(md5Hex(await fs.readFile(bigFile)), current.big);
    const l = await v.list();
    assert.deepEqual(l.artifacts.map((a) => a.status), ['up-to-date', 'up-to-date'], `iteration ${i} (${op}): status after follow-up`);
    const leftovers = (await fs.readdir(path.join(root, 'data'))).filter((n) => n.startsWith('.'));
    assert.deepEqual(leftovers.filter((n) => n !== '.gitignore'), [], `iteration ${i}: temp files left in data/`);
  }
  t.diagnostic(`results: ${JSON.stringify(stats)}`);
  assert.ok(stats.killed >= ITERATIONS / 2, `most runs must really be killed mid-way (${stats.killed}/${ITERATIONS})`);
});
