/** Every command id in one table; package.json contributes the same ids (a test keeps them in sync). */
export const CommandId = {
  initializeWorkspace: 'mlops.initializeWorkspace',
  showLog: 'mlops.showLog',
  openConfig: 'mlops.openConfig',
  refresh: 'mlops.refresh',
  showDiagnostics: 'mlops.showDiagnostics',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** Context keys used in `when` clauses. */
export const ContextKey = {
  state: 'mlops.state',
  trusted: 'mlops.trusted',
} as const;
