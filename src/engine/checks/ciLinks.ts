/**
 * Links for the Markdown report when it runs in CI: GitHub Actions and GitLab CI say where the
 * repository is and which commit is being built, so a failing check can link to the exact line of
 * the data file at that commit, and the footer to the job. Outside CI (or with `--link-base`) the
 * caller decides.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MarkdownLinks } from './markdown.ts';

/** The folder holding `.git` at or above `dir`, if any. */
export function gitRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * `base` + the path from the repository root, so a workspace in a subfolder (examples/churn) still
 * links to the right file; `#L<line>` as both GitHub and GitLab understand it.
 */
function fileLinker(base: string, root: string): (rel: string, line?: number) => string {
  const repo = gitRoot(root) ?? root;
  const prefix = path.relative(repo, root).split(path.sep).join('/');
  const b = base.endsWith('/') ? base : `${base}/`;
  return (rel, line) => `${b}${prefix ? `${prefix}/` : ''}${rel}${line !== undefined ? `#L${line}` : ''}`;
}

export function ciLinks(env: NodeJS.ProcessEnv, root: string, linkBase?: string): MarkdownLinks {
  const links: MarkdownLinks = {};
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) {
    const repo = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;
    if (env.GITHUB_SHA) links.file = fileLinker(`${repo}/blob/${env.GITHUB_SHA}`, root);
    links.commit = (sha) => `${repo}/commit/${sha}`;
    if (env.GITHUB_RUN_ID) links.job = `${repo}/actions/runs/${env.GITHUB_RUN_ID}`;
  } else if (env.GITLAB_CI === 'true' && env.CI_PROJECT_URL) {
    const repo = env.CI_PROJECT_URL;
    if (env.CI_COMMIT_SHA) links.file = fileLinker(`${repo}/-/blob/${env.CI_COMMIT_SHA}`, root);
    links.commit = (sha) => `${repo}/-/commit/${sha}`;
    if (env.CI_JOB_URL) links.job = env.CI_JOB_URL;
  }
  if (linkBase) links.file = fileLinker(linkBase, root);
  return links;
}
