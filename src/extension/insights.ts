// The coach in the editor: the insights of a spec's latest run (src/coach/insights.ts) as information
// diagnostics on the line each concerns (`epochs`, `learningRate`, a layer), live while it trains, with
// quick fixes. Insights belong to the spec as it was trained: once the text no longer matches the run's
// spec (a fix applied, an edit), they are cleared until the next run.
import * as vscode from 'vscode';
import { fixEdits, fixTitle, insightSpan } from '../coach/fixes';
import type { Insight, InsightFix } from '../coach/insights';
import { parseSpecText } from '../format/parse';
import { hashJson } from '../runs/folder';
import { isSpecDocument } from './diagnostics';
import type { RunService } from './run-service';

const SOURCE = 'dlmodel coach';

interface Held {
  specHash?: string;
  runId?: string;
  insights: Insight[];
}

/** The spec text's hash as run.json records it, or undefined when the text does not parse. */
function specHashOf(text: string): string | undefined {
  const { spec } = parseSpecText(text);
  return spec ? hashJson(spec) : undefined;
}

export class InsightDiagnostics implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('dlmodel-coach');
  private readonly held = new Map<string, Held>();
  /** The fixes of each diagnostic shown (diagnostics carry no data of their own). */
  private readonly fixes = new WeakMap<vscode.Diagnostic, InsightFix[]>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a spec's insights were shown again (tests wait on it). */
  readonly onDidUpdate = this.changed.event;

  constructor(private readonly runs: RunService) {
    this.disposables.push(
      this.collection,
      this.changed,
      vscode.languages.registerCodeActionsProvider({ scheme: 'file', pattern: '**/*.dlmodel.json' }, this, { providedCodeActionKinds: InsightDiagnostics.kinds }),
      runs.onEvent(({ specPath, event }) => {
        if (event.type === 'epoch' && event.insights) this.set(specPath, { insights: event.insights, specHash: this.openHash(specPath) });
        else if (event.type === 'finished' || event.type === 'failed') void this.load(specPath);
        else if (event.type === 'started') this.set(specPath, { insights: [], specHash: this.openHash(specPath) });
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (isSpecDocument(d)) void this.load(d.uri.fsPath);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isSpecDocument(e.document) && this.held.has(e.document.uri.fsPath)) this.apply(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) if (isSpecDocument(d)) void this.load(d.uri.fsPath);
  }

  /** The insights shown for a spec (tests read them). */
  insightsOf(uri: vscode.Uri): Insight[] {
    return this.held.get(uri.fsPath)?.insights ?? [];
  }

  private openDoc(specPath: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === specPath);
  }

  private openHash(specPath: string): string | undefined {
    const doc = this.openDoc(specPath);
    return doc ? specHashOf(doc.getText()) : undefined;
  }

  /** The latest run that has insights to say (or a newer one that says nothing: then nothing is shown). */
  async load(specPath: string): Promise<void> {
    let runs;
    try {
      runs = await this.runs.listRuns(specPath);
    } catch {
      return;
    }
    const latest = runs.filter((r) => r.run.status !== 'running').sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt))[0];
    this.set(specPath, latest ? { insights: latest.run.insights ?? [], specHash: latest.run.specHash, runId: latest.run.id } : { insights: [] });
  }

  private set(specPath: string, held: Held): void {
    this.held.set(specPath, held);
    const doc = this.openDoc(specPath);
    if (doc) this.apply(doc);
  }

  private apply(doc: vscode.TextDocument): void {
    const held = this.held.get(doc.uri.fsPath);
    const text = doc.getText();
    if (!held || !held.insights.length || (held.specHash !== undefined && held.specHash !== specHashOf(text))) {
      this.collection.delete(doc.uri);
      this.changed.fire(doc.uri);
      return;
    }
    const list = held.insights.map((insight) => {
      const span = insightSpan(text, insight);
      const d = new vscode.Diagnostic(
        new vscode.Range(doc.positionAt(span.offset), doc.positionAt(span.offset + span.length)),
        insight.message,
        vscode.DiagnosticSeverity.Information,
      );
      d.source = SOURCE;
      d.code = insight.kind;
      if (insight.fixes?.length) this.fixes.set(d, insight.fixes);
      return d;
    });
    this.collection.set(doc.uri, list);
    this.changed.fire(doc.uri);
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    const shown = this.collection.get(doc.uri) ?? [];
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE) continue;
      // The context hands out copies: find the diagnostic this provider made.
      const own = shown.find((s) => s.message === d.message && s.range.isEqual(d.range));
      for (const fix of (own && this.fixes.get(own)) ?? []) out.push(this.action(doc, fix, d));
    }
    return out;
  }

  private action(doc: vscode.TextDocument, fix: InsightFix, diagnostic: vscode.Diagnostic): vscode.CodeAction {
    const a = new vscode.CodeAction(fixTitle(fix), vscode.CodeActionKind.QuickFix);
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : 2;
    const insertSpaces = editor?.options.insertSpaces !== false;
    const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const edit = new vscode.WorkspaceEdit();
    for (const e of fixEdits(doc.getText(), fix, { tabSize, insertSpaces, eol })) {
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
    }
    a.edit = edit;
    a.diagnostics = [diagnostic];
    a.isPreferred = fix.kind === 'earlyStopping';
    return a;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.held.clear();
  }
}
