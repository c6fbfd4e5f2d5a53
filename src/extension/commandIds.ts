/** Every command id in one table; package.json contributes the same ids (a test keeps them in sync). */
export const CommandId = {
  initializeWorkspace: 'mlops.initializeWorkspace',
  showLog: 'mlops.showLog',
  openConfig: 'mlops.openConfig',
  refresh: 'mlops.refresh',
  showDiagnostics: 'mlops.showDiagnostics',
  // versioning
  track: 'mlops.track',
  stopTracking: 'mlops.stopTracking',
  restoreVersion: 'mlops.restoreVersion',
  compareWithCurrent: 'mlops.compareWithCurrent',
  revealPointer: 'mlops.revealPointer',
  copyHash: 'mlops.copyHash',
  restoreAtCommit: 'mlops.restoreAtCommit',
  pushData: 'mlops.pushData',
  pullData: 'mlops.pullData',
  cleanUpCache: 'mlops.cleanUpCache',
  refreshData: 'mlops.refreshData',
  // pipelines
  runPipeline: 'mlops.runPipeline',
  runStage: 'mlops.runStage',
  runDownstream: 'mlops.runDownstream',
  forceRunStage: 'mlops.forceRunStage',
  stopPipeline: 'mlops.stopPipeline',
  showStageOutput: 'mlops.showStageOutput',
  openStageDefinition: 'mlops.openStageDefinition',
  showPipeline: 'mlops.showPipeline',
  showDag: 'mlops.showDag',
  refreshPipeline: 'mlops.refreshPipeline',
  // experiments
  showExperiments: 'mlops.showExperiments',
  compareRuns: 'mlops.compareRuns',
  openRunInTable: 'mlops.openRunInTable',
  showRunCommit: 'mlops.showRunCommit',
  deleteRun: 'mlops.deleteRun',
  refreshExperiments: 'mlops.refreshExperiments',
  // drift monitoring
  openDriftReport: 'mlops.openDriftReport',
  compareDatasetsForDrift: 'mlops.compareDatasetsForDrift',
  retrain: 'mlops.retrain',
  checkBatches: 'mlops.checkBatches',
  // model registry
  registryRegister: 'mlops.registry.register',
  registryRegisterFromRun: 'mlops.registry.registerFromRun',
  registryShow: 'mlops.registry.show',
  registryOpenLineage: 'mlops.registry.openLineage',
  registryPromote: 'mlops.registry.promote',
  registrySetAlias: 'mlops.registry.setAlias',
  registryRemoveAlias: 'mlops.registry.removeAlias',
  registryRestoreArtifact: 'mlops.registry.restoreArtifact',
  registryEditModelCard: 'mlops.registry.editModelCard',
  registryShowAuditTrail: 'mlops.registry.showAuditTrail',
  registryVerifyAudit: 'mlops.registry.verifyAudit',
  registryRefresh: 'mlops.registry.refresh',
  // quality gates
  runChecks: 'mlops.runChecks',
  refreshChecks: 'mlops.refreshChecks',
  copyChecksReport: 'mlops.copyChecksReport',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** Context keys used in `when` clauses. */
export const ContextKey = {
  state: 'mlops.state',
  trusted: 'mlops.trusted',
} as const;
