/**
 * What versioning asks git (through simple-git): the commit a version was recorded at, who
 * recorded it, and pointer/lock files as they were at an older revision. Every answer is null
 * or empty outside a git repository, so versioning works without git too. simple-git is
 * loaded on first use: most CLI commands never ask git, and loading it (with its debug and
 * child-process machinery) was a tenth of the CLI's start-up.
 */
import type { SimpleGit } from 'simple-git';
import { MlopsError } from '../errors.ts';
import type { Revision } from './api.ts';

export interface GitHead {
  commit: string | null;
  /** Tracked files differ from HEAD (untracked files do not count). */
  dirty: boolean | null;
}

export class GitInfo {
  private readonly root: string;
  private client: Promise<SimpleGit> | undefined;
  private repo: Promise<boolean> | undefined;
  private email: Promise<string | null> | undefined;

  constructor(root: string) {
    this.root = root;
  }

  private git(): Promise<SimpleGit> {
    this.client ??= import('simple-git').then(({ simpleGit }) => simpleGit({ baseDir: this.root, timeout: { block: 30_000 } }));
    return this.client;
  }

  isRepo(): Promise<boolean> {
    this.repo ??= this.git().then((g) => g.checkIsRepo()).catch(() => false);
    return this.repo;
  }

  async head(): Promise<GitHead> {
    if (!(await this.isRepo())) return { commit: null, dirty: null };
    try {
      const git = await this.git();
      const commit = await git.revparse(['--verify', '-q', 'HEAD']).then((s) => s.trim() || null, () => null);
      const porcelain = await git.raw(['status', '--porcelain', '--untracked-files=no']);
      return { commit, dirty: commit === null ? null : porcelain.trim() !== '' };
    } catch {
      return { commit: null, dirty: null };
    }
  }

  /** `user.email`, asked once per instance. */
  actor(): Promise<string | null> {
    this.email ??= this.isRepo().then(async (repo) => {
      if (!repo) return null;
      const v = await (await this.git()).raw(['config', '--get', 'user.email']).catch(() => '');
      return v.trim() || null;
    });
    return this.email;
  }

  /** Full commit id of `rev`, or an MlopsError naming the revision. */
  async resolve(rev: string): Promise<string> {
    if (!(await this.isRepo())) {
      throw new MlopsError('usage', `${this.root} is not inside a git repository, so there is no revision ${JSON.stringify(rev)}`, {
        hint: 'initialize git (git init) and commit the .dvc files to check out older versions by revision',
      });
    }
    if (rev.startsWith('-')) throw new MlopsError('usage', `not a revision: ${JSON.stringify(rev)}`);
    const out = await (await this.git()).raw(['rev-parse', '--verify', '-q', `${rev}^{commit}`]).catch(() => '');
    if (!out.trim()) {
      throw new MlopsError('not-found', `unknown git revision ${JSON.stringify(rev)}`, { hint: 'use a commit hash, branch or tag (see `git log`)' });
    }
    return out.trim();
  }

  /** Files of the workspace folder at `commit`, relative to the workspace (not the git top level). */
  async files(commit: string): Promise<string[]> {
    const out = await (await this.git()).raw(['ls-tree', '-r', '--name-only', '-z', commit]);
    return out.split('\0').filter((s) => s !== '');
  }

  /** Text of a workspace-relative file at `commit`. */
  async show(commit: string, rel: string): Promise<string> {
    return (await this.git()).raw(['show', `${commit}:./${rel}`]);
  }

  /**
   * Every distinct version of every pointer file and dvc.lock in the history of all refs, as
   * text: what older commits may still check out. Empty outside git.
   */
  async historicRecords(): Promise<Array<{ path: string; text: string }>> {
    if (!(await this.isRepo())) return [];
    const git = await this.git();
    const commits = (await git.raw(['log', '--all', '--format=%H', '--', ':(glob)**/*.dvc', ':(glob)**/dvc.lock']).catch(() => ''))
      .split('\n').map((c) => c.trim()).filter(Boolean);
    const blobs = new Map<string, string>();
    for (const c of commits) {
      const tree = await git.raw(['ls-tree', '-r', '-z', c]).catch(() => '');
      for (const line of tree.split('\0')) {
        const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(line);
        if (m && (m[2]!.endsWith('.dvc') || m[2] === 'dvc.lock' || m[2]!.endsWith('/dvc.lock'))) blobs.set(m[1]!, m[2]!);
      }
    }
    const out: Array<{ path: string; text: string }> = [];
    for (const [blob, p] of blobs) out.push({ path: p, text: await git.raw(['cat-file', '-p', blob]) });
    return out;
  }

  /** Commits that touched pointer files or dvc.lock, newest first. */
  async log(limit: number): Promise<Revision[]> {
    if (!(await this.isRepo())) return [];
    const out = await (await this.git())
      .raw(['log', `-n${Math.max(1, Math.floor(limit))}`, '--format=%H%x1f%aI%x1f%an%x1f%s%x1e', '--', ':(glob)**/*.dvc', ':(glob)**/dvc.lock'])
      .catch(() => '');
    return out
      .split('\x1e')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((line) => {
        const [hash = '', date = '', author = '', message = ''] = line.split('\x1f');
        return { hash, date, author, message };
      });
  }
}
