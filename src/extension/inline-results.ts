// After Predict, each object of `predict.inputs` shows its answer after its line (`-> Man 97%`, `-> 11.02`);
// the hover lists every class probability and the run that answered. Cleared when the inputs change.
import * as vscode from 'vscode';
import type { Prediction } from '../runs/types';
import { predictionHover, predictionText } from './format';
import { predictInputs, predictInputsText } from './spec-text';

interface Shown {
  runId: string;
  runDir: string;
  inputsText: string;
  items: { offset: number; length: number; prediction: Prediction }[];
  classNames?: string[];
  target?: string[];
}

export class InlineResults implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    after: {
      margin: '0 0 0 2em',
      color: new vscode.ThemeColor('editorCodeLens.foreground'),
      fontStyle: 'italic',
    },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly shown = new Map<string, Shown>();
  /** Why results were last cleared (tests print it). */
  lastClear = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      this.decoration,
      vscode.workspace.onDidChangeTextDocument((e) => {
        const s = this.shown.get(e.document.uri.toString());
        if (s && predictInputsText(e.document.getText()) !== s.inputsText) {
          this.lastClear = `inputs changed: ${JSON.stringify(s.inputsText)} -> ${JSON.stringify(predictInputsText(e.document.getText()))}`;
          this.clear(e.document.uri);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.shown.delete(d.uri.toString())) this.lastClear = `closed ${d.uri.toString()}`;
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const ed of editors) this.apply(ed);
      }),
    );
  }

  /**
   * Shows `predictions` (in the order of `predict.inputs` in `doc`'s current text) from run `runId`.
   * Returns how many inputs got a result.
   */
  show(doc: vscode.TextDocument, predictions: Prediction[], run: { runId: string; runDir: string; classNames?: string[]; target?: string[] }): number {
    const text = doc.getText();
    const spans = predictInputs(text);
    const n = Math.min(spans.length, predictions.length);
    this.shown.set(doc.uri.toString(), {
      runId: run.runId,
      runDir: run.runDir,
      classNames: run.classNames,
      target: run.target,
      inputsText: predictInputsText(text),
      items: spans.slice(0, n).map((s, i) => ({ ...s, prediction: predictions[i] })),
    });
    for (const ed of vscode.window.visibleTextEditors) if (ed.document === doc) this.apply(ed);
    return n;
  }

  /** The texts shown for a document, in input order (tests read them). */
  texts(uri: vscode.Uri): string[] {
    return this.shown.get(uri.toString())?.items.map((i) => predictionText(i.prediction)) ?? [];
  }

  runOf(uri: vscode.Uri): string | undefined {
    return this.shown.get(uri.toString())?.runId;
  }

  /** A deleted run takes its results with it. */
  clearRun(runDir: string): void {
    for (const [key, s] of this.shown) if (s.runDir === runDir) this.clear(vscode.Uri.parse(key));
  }

  clear(uri: vscode.Uri): void {
    this.shown.delete(uri.toString());
    for (const ed of vscode.window.visibleTextEditors) if (ed.document.uri.toString() === uri.toString()) ed.setDecorations(this.decoration, []);
  }

  private apply(editor: vscode.TextEditor): void {
    const s = this.shown.get(editor.document.uri.toString());
    if (!s) return;
    const doc = editor.document;
    const options: vscode.DecorationOptions[] = s.items.map((item) => {
      const start = doc.positionAt(item.offset);
      const endOfObject = doc.positionAt(item.offset + item.length);
      // The text goes after the object's last line; the hover covers the whole object.
      const lineEnd = doc.lineAt(endOfObject.line).range.end;
      // Everything from data is escaped in predictionHover; no command links, no HTML, no theme icons.
      const hover = new vscode.MarkdownString(predictionHover(item.prediction, s.runId, s.classNames, s.target), false);
      hover.isTrusted = false;
      hover.supportHtml = false;
      return {
        range: new vscode.Range(start, lineEnd),
        hoverMessage: hover,
        renderOptions: { after: { contentText: predictionText(item.prediction) } },
      };
    });
    editor.setDecorations(this.decoration, options);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.shown.clear();
  }
}
