// Places in a spec's text that the editor decorates: the `predict` block, each `predict.inputs` object, the
// `data.source` value. Offsets come from jsonc-parser's tree, so comments and trailing commas are fine.
// Pure (no vscode): the callers turn offsets into positions with their TextDocument.
import { findNodeAtLocation, getNodeValue, parseTree, type Node } from 'jsonc-parser';

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

/** The `predict.inputs` object whose text holds `offset`: its index and its value (comments ignored). */
export function predictInputAt(text: string, offset: number): { index: number; span: Span; value: unknown } | undefined {
  const root = tree(text);
  const arr = root ? findNodeAtLocation(root, ['predict', 'inputs']) : undefined;
  if (!arr || arr.type !== 'array') return undefined;
  const items = arr.children ?? [];
  const index = items.findIndex((c) => offset >= c.offset && offset <= c.offset + c.length);
  if (index < 0) return undefined;
  const node = items[index];
  return { index, span: { offset: node.offset, length: node.length }, value: getNodeValue(node) };
}

/** The text column named by `data.text` (a string, or an object's `column`), when the spec has one. */
export function textColumnOf(text: string): string | undefined {
  const root = tree(text);
  const node = root ? findNodeAtLocation(root, ['data', 'text']) : undefined;
  if (!node) return undefined;
  const v = getNodeValue(node) as unknown;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { column?: unknown }).column === 'string') return (v as { column: string }).column;
  return undefined;
}
