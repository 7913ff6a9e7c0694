// Problems are data, never exceptions: every message carries where it is (JSON path and exact text range)
// so the editor can squiggle it and the command line can print `FILE:LINE:COL: message`.
import type { Node } from 'jsonc-parser';

export type Severity = 'error' | 'warning';

export interface Problem {
  path: (string | number)[];
  message: string;
  /**
   * Offset and length of the offending text in the spec (0-based, UTF-16 code units). For a problem in a
   * data file (`file` set) this is the spec text that names the file (the `source` value).
   */
  offset: number;
  length: number;
  /** 1-based; in `file` when it is set, else in the spec. */
  line: number;
  column: number;
  severity: Severity;
  /** Set when the problem is in a data file rather than in the spec itself; `line`/`column` are there. */
  file?: string;
}

/** `FILE:LINE:COL: message`; warnings say so after the position. */
export function formatProblem(file: string, p: Problem): string {
  const where = p.file ?? file;
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  return `${where}:${p.line}:${p.column}: ${sev}${p.message}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Maps offsets of one text to 1-based line and column. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  /** Offset of a 1-based line's first character. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))];
  }
}

/** What part of a property to point at. */
export type Target = 'value' | 'key' | 'property';

/** Collects problems for one document, resolving ranges once. */
export class ProblemSink {
  readonly problems: Problem[] = [];
  private readonly index: LineIndex;

  constructor(readonly text: string) {
    this.index = new LineIndex(text);
  }

  position(offset: number): { line: number; column: number } {
    return this.index.position(offset);
  }

  at(offset: number, length: number, path: (string | number)[], message: string, severity: Severity = 'error', file?: string): Problem {
    const { line, column } = this.index.position(offset);
    const p: Problem = { path, message, offset, length, line, column, severity };
    if (file !== undefined) p.file = file;
    this.problems.push(p);
    return p;
  }

  /** A problem on a node: its value (default), its property key, or the whole property. */
  node(node: Node, path: (string | number)[], message: string, severity: Severity = 'error', target: Target = 'value'): Problem {
    const r = rangeOf(node, target);
    return this.at(r.offset, r.length, path, message, severity);
  }

  error(node: Node, path: (string | number)[], message: string, target: Target = 'value'): Problem {
    return this.node(node, path, message, 'error', target);
  }

  warn(node: Node, path: (string | number)[], message: string, target: Target = 'value'): Problem {
    return this.node(node, path, message, 'warning', target);
  }
}

/** The range to underline for a value node, given what part of its property is meant. */
export function rangeOf(node: Node, target: Target): { offset: number; length: number } {
  const prop = node.parent?.type === 'property' ? node.parent : undefined;
  if (target === 'key' && prop?.children?.[0]) {
    const k = prop.children[0];
    return { offset: k.offset, length: k.length };
  }
  if (target === 'property' && prop) return { offset: prop.offset, length: prop.length };
  return { offset: node.offset, length: node.length };
}
