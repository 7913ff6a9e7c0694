// Deeply nested JSON overflows the stack of every recursive reader after the parser (3,000 levels did). No
// dlmodel file needs more than a handful of levels, so text nested deeper than MAX_NESTING is refused
// before it is parsed, with the place where the limit is crossed. Pure (no I/O): used for specs, data files
// and run folder files alike.
export const MAX_NESTING = 100;

/**
 * Where `text` (JSON or JSONC) first opens its MAX_NESTING + 1st level of `[`/`{`, or undefined. Strings and
 * comments are skipped, so brackets inside them do not count.
 */
export function nestingProblem(text: string, limit = MAX_NESTING): { offset: number; message: string } | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return { offset: i, message: `nested more than ${limit} levels deep; no dlmodel file needs that many` };
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return undefined;
}
