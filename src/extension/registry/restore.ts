import * as vscode from 'vscode';
import type { RegistryModel } from './model.ts';
import type { VersionTarget } from './target.ts';
import type { VersioningModel } from '../versioning/model.ts';
import type { RestoreArtifactResult } from '../../engine/registry/api.ts';
import { isMlopsError } from '../../engine/errors.ts';
import { formatBytes, shortHash } from '../versioning/format.ts';

export interface RestoreArgs {
  /** Pull from the default remote (or this one) when the cache lacks the content. */
  pull?: boolean | string;
  /** Discard workspace content that is not in the cache. */
  force?: boolean;
  /** Workspace-relative destination (default: where it was registered from). */
  target?: string;
}

export interface RestoreOutcome {
  outcome: 'restored' | 'missing' | 'cancelled';
  message: string;
  result?: RestoreArtifactResult;
}

/**
 * Put a version's artifact back. Content missing from the cache is not an error to dismiss but a
 * question: the notification offers "Pull from Remote" (and the command returns at once, so
 * nothing waits on a person). Overwriting uncached workspace content asks first.
 */
export async function restoreFlow(model: RegistryModel, versioning: VersioningModel, t: VersionTarget, args: RestoreArgs, retryWithPull: (arg: { folder: string; model: string; version: number }) => unknown): Promise<RestoreOutcome> {
  const v = t.version;
  const what = `${t.model} v${v.version}`;
  const available = await t.service.availability(t.model, v.version);
  if (available === 'missing' && !args.pull) return offerPull(t, retryWithPull);
  const run = (force: boolean) => vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MLOps: restoring ${what} to ${args.target ?? v.artifactPath}`, cancellable: true },
    (_p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      const o = versioning.forFolder(t.folder);
      const doIt = () => model.run(() => t.service.restoreArtifact(t.model, v.version, {
        ...(args.pull ? { pull: args.pull } : {}), ...(args.target ? { target: args.target } : {}), force, signal: ac.signal,
      }));
      // A restore is not a new version: keep the data watcher quiet about the path while writing.
      return o ? versioning.quietly(o, args.target ?? v.artifactPath, doIt) : doIt();
    },
  );
  let result: RestoreArtifactResult;
  try {
    result = await run(Boolean(args.force));
  } catch (e) {
    if (!isMlopsError(e)) throw e;
    if (e.code === 'not-found' && /not in the local cache/.test(e.message) && !args.pull) return offerPull(t, retryWithPull);
    if (e.code !== 'refused' || args.force) throw e;
    const pick = await vscode.window.showWarningMessage(`${e.message}.`, { modal: true, detail: 'The files there now are not versioned; restoring discards them.' }, 'Discard and Restore');
    if (pick !== 'Discard and Restore') return { outcome: 'cancelled', message: 'cancelled' };
    result = await run(true);
  }
  const message = `MLOps: restored ${result.path} to ${what} (${shortHash(result.hash)}${result.pulled ? `, ${result.pulled} object(s) pulled from the remote` : ''}).`;
  void vscode.window.showInformationMessage(message);
  return { outcome: 'restored', message, result };
}

function offerPull(t: VersionTarget, retry: (arg: { folder: string; model: string; version: number }) => unknown): RestoreOutcome {
  const v = t.version;
  const message = `MLOps: the artifact of ${t.model} v${v.version} (${v.artifactPath}, ${shortHash(v.hash)}, ${formatBytes(v.size)}) is not in the local cache.`;
  void vscode.window.showWarningMessage(message, 'Pull from Remote').then((p) => {
    if (p) void retry({ folder: t.folder.uri.toString(), model: t.model, version: v.version });
  });
  return { outcome: 'missing', message };
}
