// Every `dlmodel.*` setting, read through one typed getter each. Declared in package.json
// (`contributes.configuration`); a value of the wrong type falls back to the default.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKENDS, type BackendName } from '../format/types';

const SECTION = 'dlmodel';

function config(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION, scope);
}

export function backend(scope?: vscode.Uri): BackendName {
  const v = config(scope).get<string>('backend', 'auto');
  return (BACKENDS as readonly string[]).includes(v) ? (v as BackendName) : 'auto';
}

export async function setBackend(value: BackendName): Promise<void> {
  await config().update('backend', value, vscode.ConfigurationTarget.Global);
}

export function maxConcurrentRuns(): number {
  const v = config().get<number>('maxConcurrentRuns', 1);
  return typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : 1;
}

/**
 * A folder holding node_modules/@tensorflow/tfjs-node[-gpu]. Machine scope: a workspace can never set it,
 * so opening a folder never makes the trainer load code from that folder.
 */
export function nativeBackendPath(): string | undefined {
  const inspected = config().inspect<string>('nativeBackendPath');
  const v = inspected?.globalValue ?? inspected?.defaultValue;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/**
 * The Python for the `torch` backend. Machine scope, like nativeBackendPath: a workspace cannot choose
 * which program runs. DLMODEL_PYTHON (the environment) still wins, as the format says.
 */
export function pythonPath(): string | undefined {
  const inspected = config().inspect<string>('pythonPath');
  const v = inspected?.globalValue ?? inspected?.defaultValue;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/**
 * Where runs go: undefined means `.dlmodel/runs` beside the spec. A relative setting is taken relative to the
 * spec's workspace folder. Ignored in a restricted workspace (it decides where files are written).
 */
export function runsRoot(specUri: vscode.Uri): string | undefined {
  const v = config(specUri).get<string>('runsFolder', '');
  if (typeof v !== 'string' || !v.trim()) return undefined;
  if (!vscode.workspace.isTrusted) return undefined;
  if (path.isAbsolute(v)) return v;
  const folder = vscode.workspace.getWorkspaceFolder(specUri)?.uri.fsPath ?? path.dirname(specUri.fsPath);
  return path.resolve(folder, v);
}

/** Minimum interval between live updates (lenses, sidebar, progress), in ms. */
export function progressIntervalMs(): number {
  const v = config().get<number>('progressIntervalMs', 250);
  return typeof v === 'number' && v >= 50 ? v : 250;
}

export function showInlinePredictions(): boolean {
  return config().get<boolean>('inlinePredictions', true) !== false;
}

export function validateOnType(): boolean {
  return config().get<boolean>('validateOnType', true) !== false;
}

/** How long a trainer may take to save and exit after Stop before it is killed, in ms. */
export function stopTimeoutMs(): number {
  const v = config().get<number>('stopTimeoutSeconds', 15);
  return (typeof v === 'number' && v > 0 ? v : 15) * 1000;
}

export function affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
  return e.affectsConfiguration(`${SECTION}.${key}`);
}
