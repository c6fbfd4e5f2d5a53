import * as vscode from 'vscode';

/**
 * Workspace Trust for commands that write: in Restricted Mode they say why they do nothing and
 * offer to manage trust; browsing stays available. (Running anything taken from workspace files
 * is refused separately, where it would start: pipeline runs.)
 */
export function requireTrust(what: string, changes = 'workspace files'): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(`MLOps: ${what} changes ${changes}, which Restricted Mode does not allow. Browsing works without trust.`, 'Manage Workspace Trust')
    .then((pick) => { if (pick) void vscode.commands.executeCommand('workbench.trust.manage'); });
  return false;
}
