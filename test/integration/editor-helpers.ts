// Shared by the editor integration tests (test/integration/editor*.test.ts): the extension's API, spec files
// written into the workspace copy, and waiting on run events.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { DlmodelApi } from '../../src/extension/main';
import type { RunEvent } from '../../src/extension/run-service';
import { templateFiles } from '../../src/extension/templates';

export const EXTENSION_ID = 'dlmodel.dlmodel';

export async function api(): Promise<DlmodelApi> {
  const ext = vscode.extensions.getExtension<DlmodelApi | undefined>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const a = await ext.activate();
  if (!a) throw new Error('dlmodel failed to activate (see its log)');
  return a;
}

export function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder open');
  return f.uri.fsPath;
}

/**
 * Writes the course spec (2 inputs, 2 hidden, 1 output; 40 inline rows) as `<dir>/<name>.dlmodel.json`
 * with the given epochs and batch size; returns its path.
 */
export function writeCourseSpec(dir: string, name: string, epochs: number, batchSize = 8): string {
  const [spec] = templateFiles('course', name);
  const text = (spec.content as string).replace('"epochs": 100', `"epochs": ${epochs}`).replace('"batchSize": 8', `"batchSize": ${batchSize}`);
  const file = join(workspaceRoot(), dir, spec.path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

export function writeFile(rel: string, text: string): string {
  const file = join(workspaceRoot(), rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Resolves with the first run event of `specPath` that matches, within `timeoutMs`. */
export function waitForEvent(a: DlmodelApi, specPath: string, match: (e: RunEvent) => boolean, timeoutMs = 90_000): Promise<RunEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching run event for ${specPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = a.runs.onEvent((e) => {
      if (e.specPath !== specPath || !match(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  let lenses: vscode.CodeLens[];
  // The lens command needs the document open (a model), else it answers "Illegal argument".
  await vscode.workspace.openTextDocument(uri);
  try {
    lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10)) ?? [];
  } catch (err) {
    throw new Error(`code lenses of ${uri.fsPath}: ${(err as Error).stack ?? err}`);
  }
  return lenses.map((l) => l.command?.title ?? '').filter(Boolean);
}

/** Uses the pure-JS backend: it always loads, and these tests check the editor, not speed. */
export async function useCpuBackend(): Promise<void> {
  await vscode.workspace.getConfiguration('dlmodel').update('backend', 'cpu', vscode.ConfigurationTarget.Global);
}

export type CommandResult = { ok: true; detail?: string } | { ok: false; reason: string };

export async function run(id: string, ...args: unknown[]): Promise<CommandResult> {
  return (await vscode.commands.executeCommand<CommandResult>(id, ...args)) as CommandResult;
}
