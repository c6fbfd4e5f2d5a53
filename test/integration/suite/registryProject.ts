/**
 * The registry suites work on the example project (examples/churn): its dvc.yaml, params, code and
 * raw data are put into the fixture workspace for the length of the suite, in a fresh git
 * repository, and the fixture is put back afterwards so later suites see what they expect.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const FILES = ['dvc.yaml', 'dvc.lock', 'params.yaml', 'mlops.yaml', '.gitignore', 'data/.gitignore', 'mlflow.db'];
const ADDED_DIRS = ['src', 'data/raw', 'data/prepared', 'data/features', 'models', 'dvclive', 'metrics', 'plots', '.git'];
const ADDED_FILES = ['data/raw.dvc'];

export interface Project {
  root: string;
  remote: string;
  git(...args: string[]): string;
  restore(): void;
}

export const GATES = `
registry:
  gates:
    production:
      - { name: accuracy floor, check: metrics.accuracy >= 0.85 }
`;

export function setUpChurn(root: string, repo: string): Project {
  const saved = new Map<string, Buffer | null>(FILES.map((f) => [f, existsSync(path.join(root, f)) ? readFileSync(path.join(root, f)) : null]));
  const churn = path.join(repo, 'examples/churn');
  const remote = mkdtempSync(path.join(os.tmpdir(), 'mlops-it-remote-'));
  // dvc.yaml first: its outputs must be known before the code and data arrive (the watcher skips them).
  copyFileSync(path.join(churn, 'dvc.yaml'), path.join(root, 'dvc.yaml'));
  copyFileSync(path.join(churn, 'params.yaml'), path.join(root, 'params.yaml'));
  copyFileSync(path.join(churn, '.gitignore'), path.join(root, '.gitignore'));
  writeFileSync(path.join(root, '.gitignore'), `${readFileSync(path.join(root, '.gitignore'), 'utf8')}/out/\n`);
  rmSync(path.join(root, 'dvc.lock'), { force: true });
  cpSync(path.join(churn, 'src'), path.join(root, 'src'), { recursive: true, filter: (s) => !s.includes('__pycache__') });
  mkdirSync(path.join(root, 'data/raw'), { recursive: true });
  copyFileSync(path.join(churn, 'data/raw/customers.csv'), path.join(root, 'data/raw/customers.csv'));
  const mlopsYaml = path.join(root, 'mlops.yaml');
  writeFileSync(mlopsYaml, `${readFileSync(mlopsYaml, 'utf8')}\nremotes:\n  default: shared\n  shared: { url: ${JSON.stringify(remote)} }\n${GATES}`);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Integration', '-c', 'user.email=tester@example.com', ...args], { cwd: root, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'tester@example.com');
  git('config', 'user.name', 'Integration');
  return {
    root,
    remote,
    git,
    restore() {
      for (const d of ADDED_DIRS) rmSync(path.join(root, d), { recursive: true, force: true });
      for (const f of ADDED_FILES) rmSync(path.join(root, f), { force: true });
      for (const [f, content] of saved) {
        if (content === null) rmSync(path.join(root, f), { force: true });
        else writeFileSync(path.join(root, f), content);
      }
      rmSync(remote, { recursive: true, force: true });
    },
  };
}

/** Commit everything (what a person does before training for a clean lineage). */
export function commitAll(p: Project, message: string): string {
  p.git('add', '-A');
  p.git('commit', '-q', '-m', message);
  return p.git('rev-parse', 'HEAD');
}

/** Move a cache object to the remote (as `mlops push` would leave it) and drop it from the local cache. */
export function moveObjectToRemote(cacheDir: string, remote: string, hash: string): void {
  const rel = path.join('files', 'md5', hash.slice(0, 2), hash.slice(2));
  const local = path.join(cacheDir, rel);
  mkdirSync(path.dirname(path.join(remote, rel)), { recursive: true });
  copyFileSync(local, path.join(remote, rel));
  chmodSync(local, 0o644);
  rmSync(local);
}
