// Training, prediction and export read the workspace's data files and write into it: only in a trusted
// workspace. The commands say so with a button to manage trust; the run manager refuses every other caller
// (the dashboard's Train button, its decision boundary and predict form) with the same words.
import * as vscode from 'vscode';

export type TrustedAction = 'Training' | 'Prediction' | 'Export to PyTorch';

const WRITES: Record<TrustedAction, string> = {
  Training: 'writes run folders',
  Prediction: 'writes run folders',
  'Export to PyTorch': 'writes a program and the prepared data',
};

export function needsTrustMessage(action: TrustedAction): string {
  return `${action} needs a trusted workspace: it reads the data files and ${WRITES[action]}. Validation, summaries and viewing runs work without trust.`;
}

/** Throws the refusal when the workspace is not trusted. */
export function requireTrust(action: TrustedAction): void {
  if (!vscode.workspace.isTrusted) throw new Error(needsTrustMessage(action));
}
