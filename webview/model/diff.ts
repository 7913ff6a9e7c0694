// Differences between two runs, as the paths that changed with old -> new values. Runs are compared by
// their plans (every choice as used, defaults filled in), so a default and the same value written out
// are no difference; runs from before plans existed fall back to their spec snapshots.

export interface Change {
  path: string;
  kind: 'changed' | 'added' | 'removed';
  old?: unknown;
  new?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

/** Paths like `training.epochs` or `model.layers[0].units`, in document order of `a` then new keys of `b`. */
export function diffJson(a: unknown, b: unknown, path = ''): Change[] {
  if (isObject(a) && isObject(b)) {
    const out: Change[] = [];
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const k of keys) {
      const p = join(path, k);
      if (!(k in b)) out.push({ path: p, kind: 'removed', old: a[k] });
      else if (!(k in a)) out.push({ path: p, kind: 'added', new: b[k] });
      else out.push(...diffJson(a[k], b[k], p));
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: Change[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = join(path, i);
      if (i >= b.length) out.push({ path: p, kind: 'removed', old: a[i] });
      else if (i >= a.length) out.push({ path: p, kind: 'added', new: b[i] });
      else out.push(...diffJson(a[i], b[i], p));
    }
    return out;
  }
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return [];
  return [{ path: path || '(root)', kind: 'changed', old: a, new: b }];
}

/** "training.epochs: 50 -> 100" */
export function formatChange(c: Change): string {
  const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));
  switch (c.kind) {
    case 'changed':
      return `${c.path}: ${show(c.old)} -> ${show(c.new)}`;
    case 'added':
      return `${c.path}: (none) -> ${show(c.new)}`;
    case 'removed':
      return `${c.path}: ${show(c.old)} -> (none)`;
    default: {
      const never: never = c.kind;
      return never;
    }
  }
}

/** What differs between two runs: their plans when both have one, else their spec snapshots. */
export function runDifferences(a: { spec: unknown; plan?: unknown }, b: { spec: unknown; plan?: unknown }): Change[] {
  return a.plan !== undefined && b.plan !== undefined ? diffJson(a.plan, b.plan) : diffJson(a.spec, b.spec);
}
