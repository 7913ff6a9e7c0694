// One validation per document version, shared by the diagnostics, the summary lens and the dashboard:
// validating reads the data file, so typing in a spec must not read it twice per change.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateSpecFile, type ValidationResult } from '../format/validate';

export class ValidationCache implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; trusted: boolean; result: Promise<ValidationResult> }>();
  private readonly subscription = vscode.workspace.onDidCloseTextDocument((d) => this.cache.delete(d.uri.toString()));

  /** The validation of `doc` as it is now (an unsaved text included). */
  get(doc: vscode.TextDocument): Promise<ValidationResult> {
    const key = doc.uri.toString();
    const trusted = vscode.workspace.isTrusted;
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.trusted === trusted) return hit.result;
    const result = validateText(doc.uri, doc.getText());
    this.cache.set(key, { version: doc.version, trusted, result });
    return result;
  }

  /** The validation of the spec at `specPath`: its open document's (shared with the editor), else the file's. */
  forFile(specPath: string): Promise<ValidationResult> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === path.resolve(specPath));
    return doc ? this.get(doc) : validateText(vscode.Uri.file(specPath));
  }

  /** A data file changed on disk, or trust changed: validate again on the next request. */
  invalidate(): void {
    this.cache.clear();
  }

  dispose(): void {
    this.subscription.dispose();
    this.cache.clear();
  }
}

/** Validates `text`, or the file on disk when no text is given. */
export function validateText(uri: vscode.Uri, text?: string): Promise<ValidationResult> {
  return validateSpecFile(uri.fsPath, text, {
    trusted: vscode.workspace.isTrusted,
    workspaceRoot: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath,
  });
}
