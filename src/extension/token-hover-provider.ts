// Registers the token hover (token-hover.ts) on the `predict.inputs` objects of text specs.
import * as vscode from 'vscode';
import type { RunManager } from './runs/manager';
import { own } from '../format/own';
import { readPreprocess } from '../runs/folder';
import { predictInputAt, textColumnOf } from './spec-text';
import { noRunHoverMarkdown, tokenHoverMarkdown } from './token-hover';

export function registerTokenHover(runs: Pick<RunManager, 'latestCompletedRun'>): vscode.Disposable {
  return vscode.languages.registerHoverProvider({ scheme: 'file', pattern: '**/*.dlmodel.json' }, {
    async provideHover(doc, pos) {
      const text = doc.getText();
      const column = textColumnOf(text);
      if (column === undefined) return undefined;
      const input = predictInputAt(text, doc.offsetAt(pos));
      if (!input) return undefined;
      const range = new vscode.Range(doc.positionAt(input.span.offset), doc.positionAt(input.span.offset + input.span.length));
      const run = await runs.latestCompletedRun(doc.uri.fsPath).catch(() => undefined);
      const pre = run ? await readPreprocess(run.dir).catch(() => undefined) : undefined;
      // The column name comes from the spec: own properties only (a column named `constructor` finds nothing).
      const value = input.value && typeof input.value === 'object' ? own(input.value as Record<string, unknown>, pre?.text?.column ?? column) : undefined;
      // Everything from data is escaped in the markdown; no command links, no HTML.
      const md = new vscode.MarkdownString(run && pre?.text ? tokenHoverMarkdown(pre.text, value, run.run.id) : noRunHoverMarkdown(column), false);
      md.isTrusted = false;
      md.supportHtml = false;
      return new vscode.Hover(md, range);
    },
  });
}
