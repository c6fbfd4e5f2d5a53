import * as vscode from 'vscode';
import { Disposable } from './lifecycle.ts';
import { Log } from './log.ts';
import { Commands } from './commands.ts';
import { CommandId, ContextKey } from './commandIds.ts';
import { WorkspaceFeature } from './workspace/feature.ts';
import { VersioningFeature } from './versioning/feature.ts';
import { PipelineFeature } from './pipeline/feature.ts';
import { ExperimentsFeature } from './experiments/feature.ts';
import { DriftFeature } from './drift/feature.ts';
import { RegistryFeature } from './registry/feature.ts';
import { ChecksFeature } from './checks/feature.ts';
import { runtimeDescription } from '../engine/store/native.ts';
import { VERSION } from '../engine/version.ts';

/**
 * The composition root: builds every service once and hands each its collaborators. Disposed by
 * the extension context, which disposes everything it registered.
 */
export class Container extends Disposable {
  readonly log: Log;
  readonly commands: Commands;
  readonly workspace: WorkspaceFeature;
  readonly versioning: VersioningFeature;
  readonly pipeline: PipelineFeature;
  readonly experiments: ExperimentsFeature;
  readonly drift: DriftFeature;
  readonly registry: RegistryFeature;
  readonly checks: ChecksFeature;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.log = this.register(new Log());
    this.log.info(`MLOps Workbench ${VERSION} activating in VS Code ${vscode.version} (${vscode.env.appName}); ${runtimeDescription()}; trusted=${vscode.workspace.isTrusted}`);
    this.commands = new Commands(this.log);
    this.register(this.commands.register(CommandId.showLog, () => this.log.show()));
    this.workspace = this.register(new WorkspaceFeature(this.commands, this.log));
    this.versioning = this.register(new VersioningFeature(context.extensionUri, this.workspace.model, this.commands, this.log));
    this.pipeline = this.register(new PipelineFeature(this.commands, this.log, (folder) => this.versioning.model.hasherFor(folder)));
    this.experiments = this.register(new ExperimentsFeature(context, this.workspace.model, this.commands, this.log, this.pipeline.model));
    this.drift = this.register(new DriftFeature(context.extensionUri, this.workspace.model, this.commands, this.log, () => this.pipeline.model.pipelines));
    this.registry = this.register(new RegistryFeature(context.extensionUri, this.workspace.model, this.versioning.model, this.commands, this.log, (folder) => this.experiments.model.forFolder(folder)?.tracking));
    this.register(this.experiments.model.onDidChange(() => this.registry.model.trackingChanged()));
    this.checks = this.register(new ChecksFeature(this.commands, this.log, this.pipeline.runs.onDidFinish));

    void vscode.commands.executeCommand('setContext', ContextKey.trusted, vscode.workspace.isTrusted);
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void vscode.commands.executeCommand('setContext', ContextKey.trusted, true);
      this.log.info('workspace trust granted');
    }));
  }

  /** Resolves when the first load of every model has finished (tests and the CLI-like flows wait on it). */
  async ready(): Promise<void> {
    await this.workspace.model.refresh();
    await this.versioning.model.refresh();
    await this.pipeline.model.refresh();
    await this.experiments.model.refresh();
    await this.drift.model.refresh();
    await this.registry.model.refresh();
    await this.checks.refresh();
  }
}
