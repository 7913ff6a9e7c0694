// JSONC text -> Spec plus problems with exact ranges. Syntax first (jsonc-parser, comments and trailing
// commas allowed), then the structure of every field (structure.ts). No I/O: semantic checks that need the
// data or other files live in validate.ts.
import { findNodeAtLocation, getLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { unsafeSegment } from '../common/names';
import { isLayerType, LAYER_INFO, OPTION_DOCS, type LayerOption } from './layers';
import { nestingProblem } from './nesting';
import { own } from './own';
import { ProblemSink, type Problem } from './problems';
import { SPEC_RULE, type Prop, type Rule } from './structure';
import { didYouMean, quoteList } from './suggest';
import type { LayerType, Spec } from './types';

export type JsonPath = (string | number)[];

export interface SpecDocument {
  text: string;
  /** Undefined for an empty or hopelessly broken file. */
  root?: Node;
  /** Present when there are no errors (warnings allowed). */
  spec?: Spec;
  problems: Problem[];
  sink: ProblemSink;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between items',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'unexpected text after the end of the top-level object',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'comment is not closed ("*/" missing)',
  UnexpectedEndOfString: 'string is not closed (closing quote missing)',
  UnexpectedEndOfNumber: 'number is not complete',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character in string',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

export function parseSpecText(text: string): { spec?: Spec; problems: Problem[] } {
  const doc = parseSpecDocument(text);
  return { spec: doc.spec, problems: doc.problems };
}

export function parseSpecDocument(text: string): SpecDocument {
  const sink = new ProblemSink(text);
  const deep = nestingProblem(text);
  if (deep) {
    // Refused before parsing: every recursive reader after the parser would overflow the stack.
    sink.at(deep.offset, 1, getLocation(text.slice(0, deep.offset), deep.offset).path, deep.message);
    return { text, problems: sink.problems, sink };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  for (const e of errors) {
    const name = printParseErrorCode(e.error);
    const msg = own(SYNTAX_MESSAGES, name) ?? name;
    sink.at(e.offset, Math.max(e.length, 0), getLocation(text, e.offset).path, `syntax error: ${msg}`);
  }
  const syntaxOk = errors.length === 0;
  if (!root) {
    if (syntaxOk) sink.at(0, 0, [], 'the file is empty: expected an object with "data" and "model"');
    return { text, problems: sink.problems, sink };
  }
  const syntaxCount = sink.problems.length;
  checkRule(root, SPEC_RULE, [], new Checker(sink, syntaxOk));
  const nameNode = root.type === 'object' ? findNodeAtLocation(root, ['name']) : undefined;
  const nameWhy = nameNode?.type === 'string' ? unsafeSegment(String(nameNode.value)) : undefined;
  if (nameNode && nameWhy) {
    sink.error(nameNode, ['name'], `the name ${nameWhy}; it names the runs folder (.dlmodel/runs/<name>), so it must be usable as one folder name`);
  }
  if (!syntaxOk) {
    // A value cut short by a syntax error ("abc with no closing quote) is not also a wrong value.
    const broken = errors.map((e) => e.offset);
    const structural = sink.problems.splice(syntaxCount);
    sink.problems.push(...structural.filter((p) => !broken.some((o) => o >= p.offset && o <= p.offset + p.length)));
  }
  const doc: SpecDocument = { text, root, problems: sink.problems, sink };
  if (!sink.problems.some((p) => p.severity === 'error')) {
    // getNodeValue builds prototype-less objects; a JSON round trip makes them plain (and keeps a
    // "__proto__" key an ordinary property).
    const value = JSON.parse(JSON.stringify(getNodeValue(root))) as Spec & { $schema?: string };
    delete value.$schema;
    doc.spec = value;
  }
  return doc;
}

class Checker {
  constructor(
    readonly sink: ProblemSink,
    /** With syntax errors the tree is partial: a "missing" property may just be unparsed. */
    readonly complete: boolean,
  ) {}
}

function describeGot(node: Node): string {
  switch (node.type) {
    case 'string': {
      const s = String(node.value);
      return `"${s.length > 40 ? s.slice(0, 37) + '...' : s}"`;
    }
    case 'number':
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    default:
      return node.type;
  }
}

function pathLabel(path: JsonPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s === '' ? 'the file' : `"${s}"`;
}

function describeNumberRule(r: Extract<Rule, { t: 'number' }>): string {
  if (r.enum) return `one of ${quoteList(r.enum)}`;
  const kind = r.int ? 'a whole number' : 'a number';
  // e.g. "a whole number, at least 1"
  const parts: string[] = [];
  if (r.min !== undefined && r.max !== undefined) {
    parts.push(`${r.minExclusive ? 'above' : 'from'} ${r.min} ${r.maxExclusive ? 'up to (not including)' : 'to'} ${r.max}`);
  } else if (r.min !== undefined) {
    parts.push(r.minExclusive ? `above ${r.min}` : `at least ${r.min}`);
  } else if (r.max !== undefined) {
    parts.push(r.maxExclusive ? `below ${r.max}` : `at most ${r.max}`);
  }
  return `${kind}${parts.length ? ', ' + parts.join(' ') : ''}`;
}

function expectedOf(rule: Rule): string {
  switch (rule.t) {
    case 'string':
      return rule.enum ? `one of ${quoteList(rule.enum)}` : rule.nonEmpty ? 'a non-empty string' : 'a string';
    case 'number':
      return describeNumberRule(rule);
    case 'boolean':
      return 'true or false';
    case 'array':
      return `a list${rule.what ? ` of ${rule.what}` : ''}`;
    case 'object':
      return 'an object { ... }';
    case 'union':
      return rule.expected;
    case 'row':
      return 'an object of column values';
  }
}

function matchesType(node: Node, rule: Rule): boolean {
  switch (rule.t) {
    case 'string':
      return node.type === 'string';
    case 'number':
      return node.type === 'number';
    case 'boolean':
      return node.type === 'boolean';
    case 'array':
      return node.type === 'array';
    case 'object':
    case 'row':
      return node.type === 'object';
    case 'union':
      return rule.options.some((o) => matchesType(node, o));
  }
}

function checkRule(node: Node, rule: Rule, path: JsonPath, c: Checker): void {
  const sink = c.sink;
  if (!matchesType(node, rule)) {
    sink.error(node, path, `${pathLabel(path)} must be ${expectedOf(rule)}; got ${describeGot(node)}`);
    return;
  }
  switch (rule.t) {
    case 'string': {
      const v = String(node.value);
      if (rule.enum && !rule.enum.includes(v)) {
        sink.error(node, path, `"${v}" is not ${rule.enumName ?? 'allowed here'}; allowed: ${quoteList(rule.enum)}${didYouMean(v, rule.enum)}`);
      } else if (rule.nonEmpty && v.trim() === '') {
        sink.error(node, path, `${pathLabel(path)} must not be empty`);
      }
      return;
    }
    case 'number': {
      const v = Number(node.value);
      const bad =
        (rule.enum !== undefined && !rule.enum.includes(v)) ||
        (rule.int === true && !Number.isInteger(v)) ||
        (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) ||
        (rule.max !== undefined && (rule.maxExclusive ? v >= rule.max : v > rule.max));
      if (bad) sink.error(node, path, `${pathLabel(path)} must be ${describeNumberRule(rule)}; got ${describeGot(node)}`);
      return;
    }
    case 'boolean':
      return;
    case 'array': {
      const items = node.children ?? [];
      if (rule.minItems !== undefined && items.length < rule.minItems) {
        sink.error(node, path, `${pathLabel(path)} needs at least ${rule.minItems} ${rule.minItems === 1 ? 'item' : 'items'}`);
      } else if (rule.maxItems !== undefined && items.length > rule.maxItems) {
        sink.error(node, path, `${pathLabel(path)} must have at most ${rule.maxItems} items`);
      }
      const seen = new Set<string>();
      items.forEach((item, i) => {
        checkRule(item, rule.items, [...path, i], c);
        if (rule.unique && item.type === 'string') {
          const v = String(item.value);
          if (seen.has(v)) sink.error(item, [...path, i], `"${v}" is listed twice in ${pathLabel(path)}`);
          seen.add(v);
        }
      });
      return;
    }
    case 'union': {
      const option = rule.options.find((o) => matchesType(node, o));
      if (option) checkRule(node, option, path, c);
      return;
    }
    case 'row':
      checkRow(node, path, c);
      return;
    case 'object':
      checkObject(node, rule, path, c);
      return;
  }
}

function properties(node: Node): { key: string; keyNode: Node; value?: Node }[] {
  const out: { key: string; keyNode: Node; value?: Node }[] = [];
  for (const p of node.children ?? []) {
    const [k, v] = p.children ?? [];
    if (k) out.push({ key: String(k.value), keyNode: k, value: v });
  }
  return out;
}

function checkRow(node: Node, path: JsonPath, c: Checker): void {
  for (const { key, value } of properties(node)) {
    if (value && (value.type === 'object' || value.type === 'array')) {
      c.sink.error(value, [...path, key], `column "${key}" must hold a number, a string, true/false or null; got ${describeGot(value)}`);
    }
  }
}

function checkObject(node: Node, rule: Extract<Rule, { t: 'object' }>, path: JsonPath, c: Checker): void {
  const sink = c.sink;
  const props = properties(node);
  const names = Object.keys(rule.props).filter((n) => n !== '$schema');
  const layerType = rule.kind === 'layer' ? layerTypeOf(props) : undefined;
  const allowedForLayer = layerType ? new Set<string>(['type', ...LAYER_INFO[layerType].options]) : undefined;
  const seen = new Set<string>();

  for (const { key, keyNode, value } of props) {
    const here = [...path, key];
    if (seen.has(key)) {
      sink.error(keyNode, here, `"${key}" is given twice in ${rule.what}; only the last one would count`, 'value');
      continue;
    }
    seen.add(key);
    const prop: Prop | undefined = own(rule.props, key);
    if (!prop) {
      const candidates = allowedForLayer ? [...allowedForLayer] : names;
      sink.node(keyNode, here, `unknown property "${key}" in ${rule.what}${didYouMean(key, candidates)}`, 'warning');
      continue;
    }
    if (allowedForLayer && layerType && !allowedForLayer.has(key)) {
      const opts = LAYER_INFO[layerType].options;
      sink.node(keyNode, here, `"${key}" is not an option of a ${layerType} layer; its options: ${opts.join(', ')}`, 'error');
      continue;
    }
    if (value) checkRule(value, prop.rule, here, c);
  }

  if (rule.exactlyOne) {
    const [a, b] = rule.exactlyOne.names;
    const second = props.find((p) => p.key === b);
    if (seen.has(a) && second) sink.node(second.keyNode, [...path, b], `give either "${a}" or "${b}", not both`, 'error');
    else if (c.complete && !seen.has(a) && !seen.has(b)) sink.error(node, [...path], rule.exactlyOne.missing);
  }
  if (!c.complete) return;
  const required = Object.entries(rule.props)
    .filter(([, p]) => p.required)
    .map(([n]) => n);
  if (layerType) required.push(...LAYER_INFO[layerType].required.filter((o: LayerOption) => !required.includes(o)));
  for (const name of required) {
    if (seen.has(name)) continue;
    const prop = own(rule.props, name);
    const what = layerType ? `a ${layerType} layer` : rule.what;
    const doc = prop?.doc ? ` (${prop.doc})` : layerOptionDoc(name);
    sink.error(node, [...path], `${what} needs "${name}"${doc}`);
  }
}

function layerOptionDoc(name: string): string {
  const doc = OPTION_DOCS[name as LayerOption];
  return doc ? ` (${doc})` : '';
}

function layerTypeOf(props: { key: string; value?: Node }[]): LayerType | undefined {
  const t = props.find((p) => p.key === 'type')?.value;
  if (t?.type !== 'string') return undefined;
  const v = String(t.value);
  return isLayerType(v) ? v : undefined;
}
