// Training and prediction read the workspace's data files and write run folders: only in a trusted
// workspace. The commands say so with a button to manage trust; the run manager refuses every other caller
// (the dashboard's Train button, its decision boundary and predict form) with the same words.
import * as vscode from 'vscode';

export function needsTrustMessage(action: 'Training' | 'Prediction'): string {
  return `${action} needs a trusted workspace: it reads the data files and writes run folders. Validation, summaries and viewing runs work without trust.`;
}

/** Throws the refusal when the workspace is not trusted. */
export function requireTrust(action: 'Training' | 'Prediction'): void {
  if (!vscode.workspace.isTrusted) throw new Error(needsTrustMessage(action));
}
