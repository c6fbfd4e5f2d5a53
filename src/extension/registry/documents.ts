import * as vscode from 'vscode';
import { simpleGit } from 'simple-git';
import { Disposable } from '../lifecycle.ts';
import type { RegistryModel } from './model.ts';
import type { ModelVersion } from '../../engine/registry/api.ts';
import { describeError } from '../../engine/errors.ts';
import { formatNumber } from '../../shared/experiments.ts';

const MAX_CHARS = 2_000_000;

/**
 * Read-only documents the lineage opens: a git commit (`git show`, as text) and the snapshot of a
 * source run kept with a version (the run itself may be gone). Virtual documents close without a
 * "save changes?" prompt and cannot be edited by mistake.
 */
export class RegistryDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'mlops-registry';
  private readonly model: RegistryModel;

  constructor(model: RegistryModel) {
    super();
    this.model = model;
    this.register(vscode.workspace.registerTextDocumentContentProvider(RegistryDocuments.scheme, this));
  }

  static commitUri(folder: vscode.WorkspaceFolder, commit: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RegistryDocuments.scheme, path: `/commit/${commit.slice(0, 12)}.diff`, query: new URLSearchParams({ folder: folder.uri.toString(), commit }).toString() });
  }

  static runUri(folder: vscode.WorkspaceFolder, model: string, version: number): vscode.Uri {
    return vscode.Uri.from({ scheme: RegistryDocuments.scheme, path: `/run/${model} v${version} source run.md`, query: new URLSearchParams({ folder: folder.uri.toString(), model, version: String(version) }).toString() });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const folder = q.get('folder') ?? '';
    try {
      const { folder: f, service } = this.model.service(folder);
      if (uri.path.startsWith('/commit/')) return await gitShow(f.uri.fsPath, q.get('commit') ?? '');
      return runSnapshot(service.getVersion(q.get('model') ?? '', Number(q.get('version'))));
    } catch (e) {
      return `Could not show this: ${describeError(e)}\n`;
    }
  }
}

/**
 * `git show` of one commit: header, stat and patch. Textconv and external diff drivers are off:
 * they are commands a repository's own config can name, and lineage must never run those.
 */
async function gitShow(root: string, commit: string): Promise<string> {
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) return `Not a commit id: ${commit}\n`;
  const git = simpleGit({ baseDir: root, timeout: { block: 30_000 } });
  const out = await git.raw(['-c', 'core.quotepath=off', 'show', '--no-textconv', '--no-ext-diff', '--no-color', '--format=fuller', '--stat', '--patch', commit, '--']);
  return out.length > MAX_CHARS ? `${out.slice(0, MAX_CHARS)}\n… (truncated at ${MAX_CHARS.toLocaleString('en-US')} characters; run git show ${commit} for the rest)\n` : out;
}

function runSnapshot(v: ModelVersion): string {
  const l = v.lineage;
  const lines = [`# Source run of ${v.model} v${v.version}`, ''];
  if (!l.runId || !l.run) return [...lines, 'This version was registered without a source run.', ''].join('\n');
  lines.push(
    'What the run was when the version was registered (the run itself may have changed or been deleted since).',
    '',
    `- **Run:** ${l.run.name} (\`${l.runId}\`)`,
    `- **Experiment:** ${l.run.experiment}`,
    `- **Status:** ${l.run.status}`,
    `- **Started:** ${l.run.startedAt ?? 'unknown'}${l.run.endedAt ? ` · ended ${l.run.endedAt}` : ''}`,
    `- **Commit:** ${l.gitCommit ?? 'not recorded'}${l.gitDirty ? ' (uncommitted changes in the tree)' : ''}`,
    '',
  );
  const metrics = Object.entries(l.metrics);
  if (metrics.length) lines.push('## Metrics', '', '| metric | value |', '|---|---|', ...metrics.map(([k, n]) => `| ${cell(k)} | ${formatNumber(n)} |`), '');
  const params = Object.entries(l.params);
  if (params.length) lines.push('## Params', '', '| param | value |', '|---|---|', ...params.map(([k, p]) => `| ${cell(k)} | ${cell(typeof p === 'number' ? formatNumber(p) : String(p))} |`), '');
  if (l.data.length) lines.push('## Data', '', ...l.data.map((d) => `- \`${d.path}\`${d.hash ? ` — md5 ${d.hash}` : ''}`), '');
  return lines.join('\n');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
