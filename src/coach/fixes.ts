// Where an insight belongs in a spec's text, and the edits of its quick fixes. Pure (jsonc-parser only, no
// vscode): the editor turns offsets into ranges; comments and the user's formatting are kept.
import { applyEdits, findNodeAtLocation, modify, parseTree, type Edit, type Node } from 'jsonc-parser';
import type { Insight, InsightFix } from './insights';

type JsonPath = (string | number)[];

export interface Span {
  offset: number;
  length: number;
}

function tree(text: string): Node | undefined {
  return parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
}

/** The property (key and value) at `path`, or undefined. */
function property(root: Node, path: JsonPath): Span | undefined {
  const value = findNodeAtLocation(root, path);
  if (!value) return undefined;
  const prop = value.parent?.type === 'property' ? value.parent : value;
  return { offset: prop.offset, length: prop.length };
}

/** The key of a property only: a short range for a whole block such as "training". */
function key(root: Node, path: JsonPath): Span | undefined {
  const value = findNodeAtLocation(root, path);
  const k = value?.parent?.type === 'property' ? value.parent.children?.[0] : undefined;
  return k ? { offset: k.offset, length: k.length } : undefined;
}

/** The spec text an insight concerns: `epochs`, the learning rate, a layer, or the layers. */
export function insightSpan(text: string, insight: Pick<Insight, 'about' | 'layer'>): Span {
  const root = tree(text);
  if (!root) return { offset: 0, length: 0 };
  const first = (...spans: (Span | undefined)[]) => spans.find((s) => s !== undefined) ?? { offset: root.offset, length: 1 };
  switch (insight.about) {
    case 'epochs':
      return first(property(root, ['training', 'epochs']), key(root, ['training']), key(root, ['model']));
    case 'learningRate':
      return first(
        property(root, ['training', 'optimizer', 'learningRate']),
        property(root, ['training', 'learningRate']),
        property(root, ['training', 'optimizer']),
        key(root, ['training']),
        key(root, ['model']),
      );
    case 'layer':
      return first(insight.layer !== undefined ? layerSpan(root, insight.layer) : undefined, key(root, ['model', 'layers']), key(root, ['model']));
    case 'layers':
      return first(key(root, ['model', 'layers']), key(root, ['model']));
  }
}

/** A layer's `"type": ...` property: one line even when the layer object spans several. */
function layerSpan(root: Node, index: number): Span | undefined {
  return property(root, ['model', 'layers', index, 'type']) ?? property(root, ['model', 'layers', index]);
}

export function fixTitle(fix: InsightFix): string {
  switch (fix.kind) {
    case 'earlyStopping':
      return `Add earlyStopping (patience ${fix.patience}) with restoreBestWeights`;
    case 'setEpochs':
      return `Set epochs to ${fix.epochs} (the best epoch)`;
    case 'setLearningRate':
      return `Set learningRate to ${fix.learningRate}`;
  }
}

/** The edits that apply `fix` to `text`, in the document's own indentation. */
export function fixEdits(text: string, fix: InsightFix, formatting = { tabSize: 2, insertSpaces: true, eol: '\n' }): Edit[] {
  const opts = { formattingOptions: formatting };
  switch (fix.kind) {
    case 'earlyStopping': {
      const root = tree(text);
      const existing = root ? findNodeAtLocation(root, ['training', 'earlyStopping']) : undefined;
      // An earlyStopping already there keeps its settings: only restoreBestWeights is added.
      if (existing?.type === 'object') return modify(text, ['training', 'earlyStopping', 'restoreBestWeights'], true, opts);
      return modify(text, ['training', 'earlyStopping'], { monitor: 'val_loss', patience: fix.patience, restoreBestWeights: true }, opts);
    }
    case 'setEpochs':
      return modify(text, ['training', 'epochs'], fix.epochs, opts);
    case 'setLearningRate': {
      const root = tree(text);
      const inOptimizer = root && findNodeAtLocation(root, ['training', 'optimizer', 'learningRate']);
      return modify(text, inOptimizer ? ['training', 'optimizer', 'learningRate'] : ['training', 'learningRate'], fix.learningRate, opts);
    }
  }
}

export function applyFix(text: string, fix: InsightFix): string {
  return applyEdits(text, fixEdits(text, fix));
}
