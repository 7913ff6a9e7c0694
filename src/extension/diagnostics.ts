// Live problems for every open `*.dlmodel.json`: as the user types (debounced), on open and on save.
// Problems in a data file are shown twice: at their line in the data file, and summarized on the spec's
// `data.source` value, so the user sees them from the spec without opening the CSV.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Problem } from '../format/problems';
import * as settings from './settings';
import { dataSource, isSpecPath } from './spec-text';
import type { ValidationCache } from './validation';

const DEBOUNCE_MS = 300;

export function isSpecDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && isSpecPath(doc.uri.fsPath);
}

export class SpecDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('dlmodel');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Validation generation per spec: a slower, older validation never overwrites a newer one. */
  private readonly generation = new Map<string, number>();
  /** Data files each spec put problems on, so they are cleared with the spec. */
  private readonly dataFiles = new Map<string, Set<string>>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a spec has been validated (tests wait on it). */
  readonly onDidValidate = this.changed.event;

  constructor(private readonly validation: ValidationCache) {
    this.disposables.push(
      this.collection,
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.validateSoon(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (settings.validateOnType()) this.validateSoon(e.document, DEBOUNCE_MS);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (isSpecDocument(d)) this.validateSoon(d, 0);
        else {
          this.validation.invalidate();
          this.revalidateUsersOf(d.uri.fsPath);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.validation.invalidate();
        this.validateAllOpen();
      }),
    );
    this.validateAllOpen();
  }

  validateAllOpen(): void {
    for (const d of vscode.workspace.textDocuments) this.validateSoon(d, 0);
  }

  validateSoon(doc: vscode.TextDocument, delayMs: number): void {
    if (!isSpecDocument(doc)) return;
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.validate(doc);
      }, delayMs),
    );
  }

  /** Validates now; resolves when the diagnostics are set. */
  async validate(doc: vscode.TextDocument): Promise<void> {
    if (doc.isClosed) return;
    const key = doc.uri.toString();
    const gen = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, gen);
    let problems: Problem[];
    try {
      problems = (await this.validation.get(doc)).problems;
    } catch (err) {
      // validateSpecFile reports problems as data; an exception is a bug, shown rather than lost.
      problems = [{ path: [], message: `dlmodel could not validate this file: ${(err as Error).message}`, offset: 0, length: 0, line: 1, column: 1, severity: 'error' }];
    }
    if (this.generation.get(key) !== gen || doc.isClosed) return;
    this.apply(doc, problems);
    this.changed.fire(doc.uri);
  }

  private apply(doc: vscode.TextDocument, problems: Problem[]): void {
    const specPath = doc.uri.fsPath;
    const own: vscode.Diagnostic[] = [];
    const byData = new Map<string, Problem[]>();
    for (const p of problems) {
      if (p.file) {
        const file = path.resolve(path.dirname(specPath), p.file);
        const list = byData.get(file) ?? [];
        list.push(p);
        byData.set(file, list);
      } else {
        own.push(toDiagnostic(doc, p));
      }
    }
    for (const [file, list] of byData) {
      // The spec-side range is the node naming the file (data.source, predict.source, model.from).
      const first = list[0];
      const range = new vscode.Range(doc.positionAt(first.offset), doc.positionAt(first.offset + first.length));
      const more = list.length > 1 ? ` (and ${list.length - 1} more problem${list.length === 2 ? '' : 's'} in ${path.basename(file)})` : '';
      const d = new vscode.Diagnostic(range, `${first.message}${more}`, list.some((p) => p.severity === 'error') ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'dlmodel';
      if (isFile(file)) {
        d.relatedInformation = list.slice(0, 20).map(
          (p) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(file), dataRange(p)), p.message),
        );
      }
      own.push(d);
    }
    this.collection.set(doc.uri, own);

    // Data files: replace what this spec put there last time.
    const previous = this.dataFiles.get(specPath) ?? new Set<string>();
    for (const file of previous) if (!byData.has(file)) this.collection.delete(vscode.Uri.file(file));
    for (const [file, list] of byData) {
      // A missing file gets no entry of its own: the spec-side problem says it is missing.
      if (!isFile(file)) continue;
      this.collection.set(
        vscode.Uri.file(file),
        list.map((p) => {
          const d = new vscode.Diagnostic(dataRange(p), p.message, severity(p));
          d.source = 'dlmodel';
          d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, new vscode.Position(0, 0)), `used by ${path.basename(specPath)}`)];
          return d;
        }),
      );
    }
    this.dataFiles.set(specPath, new Set(byData.keys()));
  }

  private revalidateUsersOf(file: string): void {
    for (const [specPath, files] of this.dataFiles) {
      if (!files.has(file)) continue;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
      if (doc) this.validateSoon(doc, 0);
    }
    // A data file that had no problems yet: re-check open specs that name it.
    for (const doc of vscode.workspace.textDocuments) {
      if (!isSpecDocument(doc)) continue;
      const src = dataSource(doc.getText());
      if (src && path.resolve(path.dirname(doc.uri.fsPath), src.value) === file) this.validateSoon(doc, 0);
    }
  }

  private clear(uri: vscode.Uri): void {
    const key = uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
    if (!isSpecPath(uri.fsPath)) return;
    this.collection.delete(uri);
    for (const file of this.dataFiles.get(uri.fsPath) ?? []) this.collection.delete(vscode.Uri.file(file));
    this.dataFiles.delete(uri.fsPath);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

function severity(p: Problem): vscode.DiagnosticSeverity {
  return p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error;
}

function toDiagnostic(doc: vscode.TextDocument, p: Problem): vscode.Diagnostic {
  const start = doc.positionAt(p.offset);
  const end = doc.positionAt(p.offset + Math.max(p.length, 0));
  const d = new vscode.Diagnostic(new vscode.Range(start, end), p.message, severity(p));
  d.source = 'dlmodel';
  return d;
}

/**
 * A data-file problem's place: from its column to the end of its line (VS Code clamps the end to the line).
 * Its offset and length belong to the spec node naming the file, not to the data file.
 */
function dataRange(p: Problem): vscode.Range {
  const line = Math.max(0, p.line - 1);
  const col = Math.max(0, p.column - 1);
  return new vscode.Range(line, col, line, col + 10_000);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
