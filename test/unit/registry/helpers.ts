import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { loadConfig } from '../../../src/engine/config/config.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { openVersioning } from '../../../src/engine/versioning/versioning.ts';
import { initWorkspace } from '../../../src/engine/workspace/workspace.ts';
import type { TrackingService } from '../../../src/engine/tracking/api.ts';
import type { RegistryService } from '../../../src/engine/registry/api.ts';
import { openRegistry } from '../../../src/engine/registry/registry.ts';
import { tempDir } from '../helpers/tmp.ts';

export { tempDir };

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export function write(root: string, rel: string, text: string): void {
  const abs = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

/** A git repo with an initialized workspace, `files` written and committed. */
export function workspace(files: Record<string, string> = {}, email = 'alice@example.com'): string {
  const root = realpathSync(tempDir('mlops-registry-'));
  git(root, 'init', '-q');
  git(root, 'config', 'user.email', email);
  git(root, 'config', 'user.name', 'Test');
  initWorkspace(root, 'test');
  for (const [rel, text] of Object.entries(files)) write(root, rel, text);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'init');
  return root;
}

export interface Opened {
  registry: RegistryService;
  store: Store;
  close(): void;
}

export async function open(root: string, options: { actor?: string; tracking?: TrackingService; origin?: string; now?: () => Date } = {}): Promise<Opened> {
  const store = Store.open(root, { origin: options.origin ?? 'test' });
  const config = loadConfig(root);
  const versioning = openVersioning(root, { store, config });
  const registry = await openRegistry(root, store, { config, versioning, ...options });
  const o = { registry, store, close: () => { registry.close(); store.close(); } };
  after(() => o.close());
  return o;
}
