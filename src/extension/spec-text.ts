// Places in a spec's text that the editor decorates: the `predict` block, each `predict.inputs` object, the
// `data.source` value. Offsets come from jsonc-parser's tree, so comments and trailing commas are fine.
// Pure (no vscode): the callers turn offsets into positions with their TextDocument.
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';

export const SPEC_SUFFIX = '.dlmodel.json';

export function isSpecPath(p: string): boolean {
  return p.toLowerCase().endsWith(SPEC_SUFFIX);
}

export interface Span {
  offset: number;
  length: number;
}

function tree(text: string): Node | undefined {
  return parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
}

/** The `"predict"` property (key and value), for the Predict lens. */
export function predictBlock(text: string): Span | undefined {
  const value = findNodeAtLocation(tree(text) ?? ({} as Node), ['predict']);
  const prop = value?.parent;
  if (!value || !prop) return undefined;
  return { offset: prop.offset, length: prop.length };
}

/** Each object of `predict.inputs`, in order. */
export function predictInputs(text: string): Span[] {
  const root = tree(text);
  if (!root) return [];
  const arr = findNodeAtLocation(root, ['predict', 'inputs']);
  if (!arr || arr.type !== 'array') return [];
  return (arr.children ?? []).map((c) => ({ offset: c.offset, length: c.length }));
}

/** The exact text of `predict.inputs` (or '' when absent): inline results are cleared when it changes. */
export function predictInputsText(text: string): string {
  const root = tree(text);
  const arr = root ? findNodeAtLocation(root, ['predict', 'inputs']) : undefined;
  return arr ? text.slice(arr.offset, arr.offset + arr.length) : '';
}

/** The `data.source` string value, where data-file problems are summarized. */
export function dataSource(text: string): (Span & { value: string }) | undefined {
  const root = tree(text);
  const node = root ? findNodeAtLocation(root, ['data', 'source']) : undefined;
  if (!node || node.type !== 'string' || typeof node.value !== 'string') return undefined;
  return { offset: node.offset, length: node.length, value: node.value };
}
