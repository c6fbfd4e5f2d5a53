/** A real workspace for engine tests: temp folder, real git repository, store and config. */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { simpleGit } from 'simple-git';
import { loadConfig } from '../../../src/engine/config/config.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { initWorkspace } from '../../../src/engine/workspace/workspace.ts';
import { openVersioning } from '../../../src/engine/versioning/versioning.ts';
import type { Versioning } from '../../../src/engine/versioning/versioning.ts';
import { md5Hex } from '../../../src/engine/versioning/hash.ts';
import { tempDir, writeTree } from './helpers.ts';

export interface Ws {
  root: string;
  store: Store;
  v: Versioning;
  git: ReturnType<typeof simpleGit>;
  /** Reopen (new store connection and engine), e.g. after the config changed. */
  reopen(): Versioning;
}

const open: Store[] = [];
after(() => {
  for (const s of open) s.close();
});

export async function makeWorkspace(options: { git?: boolean; files?: Record<string, string | Uint8Array>; config?: string; dvc?: boolean } = {}): Promise<Ws> {
  const root = await fs.realpath(await tempDir('mlops-vws-'));
  if (options.config !== undefined) await fs.writeFile(path.join(root, 'mlops.yaml'), options.config);
  if (options.dvc) {
    await fs.mkdir(path.join(root, '.dvc'));
    await fs.writeFile(path.join(root, '.dvc', 'config'), '');
    await fs.writeFile(path.join(root, '.dvc', '.gitignore'), '/config.local\n/tmp\n/cache\n');
  }
  if (options.files) await writeTree(root, options.files);
  const git = simpleGit({ baseDir: root });
  if (options.git !== false) {
    await git.init();
    await git.addConfig('user.email', 'tester@example.com');
    await git.addConfig('user.name', 'Tester');
    await git.addConfig('commit.gpgsign', 'false');
  }
  // As `mlops init` leaves it: .mlops/ git-ignored, a commented mlops.yaml unless the test wrote one.
  initWorkspace(root, 'test');
  const store = Store.open(root, { origin: 'test' });
  open.push(store);
  const ws: Ws = {
    root,
    store,
    git,
    v: openVersioning(root, { store, config: loadConfig(root) }),
    reopen() {
      ws.v = openVersioning(root, { store, config: loadConfig(root) });
      return ws.v;
    },
  };
  return ws;
}

export async function read(root: string, rel: string): Promise<string> {
  return fs.readFile(path.join(root, ...rel.split('/')), 'utf8');
}

export async function write(root: string, rel: string, content: string | Uint8Array): Promise<void> {
  const abs = path.join(root, ...rel.split('/'));
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, content);
}

/** Make a file look old, so the state cache may remember its hash (fresh files are re-hashed). */
export async function age(root: string, rel: string, seconds = 60): Promise<void> {
  const abs = path.join(root, ...rel.split('/'));
  const t = new Date(Date.now() - seconds * 1000);
  const st = await fs.stat(abs);
  if (st.isDirectory()) {
    for (const d of await fs.readdir(abs)) await age(root, `${rel}/${d}`, seconds);
  }
  await fs.utimes(abs, t, t);
}

/** Every object in a cache folder hashes to its name (no corrupt object); returns how many. */
export async function verifyCacheObjects(cacheDir: string): Promise<{ count: number; corrupt: string[] }> {
  const corrupt: string[] = [];
  let count = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const abs = path.join(dir, d.name);
      if (d.isDirectory()) await walk(abs, rel ? `${rel}/${d.name}` : d.name);
      else if (/^[0-9a-f]{2}$/.test(path.basename(dir)) && /^[0-9a-f]{30}(\.dir)?$/.test(d.name)) {
        count++;
        const name = path.basename(dir) + d.name.replace(/\.dir$/, '');
        if (md5Hex(await fs.readFile(abs)) !== name) corrupt.push(`${rel}/${d.name}`);
      }
    }
  };
  await walk(cacheDir, '');
  return { count, corrupt };
}

export function gitCommitAll(root: string, message: string): string {
  execFileSync('git', ['add', '-A'], { cwd: root });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: root });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
}
