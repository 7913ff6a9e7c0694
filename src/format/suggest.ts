// "Did you mean" for misspelled names: Levenshtein distance, case differences nearly free.

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest candidate, if it is close enough to be a likely typo. */
const ALIASES: Record<string, string> = { lr: 'learningRate', hidden: 'layers', label: 'target', labels: 'target', y: 'target' };

export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const alias = ALIASES[name.toLowerCase()];
  if (alias !== undefined && candidates.includes(alias)) return alias;
  // snake_case and kebab-case spellings of camelCase options (batch_size -> batchSize).
  const camel = name.replace(/[_-]+([a-z0-9])/gi, (_m, ch: string) => ch.toUpperCase());
  if (camel !== name && candidates.includes(camel)) return camel;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const d = cl === lower ? 0.5 : levenshtein(lower, cl);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return bestD <= limit ? best : undefined;
}

/** `; did you mean "x"?` or nothing. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const n = nearest(name, candidates);
  return n !== undefined && n !== name ? `; did you mean "${n}"?` : '';
}

export function quoteList(values: readonly (string | number)[]): string {
  return values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');
}
