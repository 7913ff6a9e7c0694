// Names derived from file names. Neutral: no vscode, Node or DOM imports (both / and \ separate folders).

/** The last segment of a path, whatever the platform's separator. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/** An experiment's name when the spec gives none: the file name without `.dlmodel.json`. */
export function nameFromPath(specPath: string): string {
  const b = baseName(specPath);
  return b.replace(/\.dlmodel\.json$/i, '').replace(/\.jsonc?$/i, '') || 'experiment';
}

/**
 * Why `name` cannot be one folder name (undefined when it can). An experiment's name becomes a folder
 * (`.dlmodel/runs/<name>/`): a separator or `.`/`..` would write elsewhere, a leading dot hides the folder
 * from listings, and some characters are not allowed in file names on Windows.
 */
export function unsafeSegment(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 120) return 'is longer than 120 characters';
  if (name === '.' || name === '..') return `is "${name}"`;
  if (/[/\\]/.test(name)) return 'contains "/" or "\\"';
  if (name.startsWith('.')) return 'starts with "."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (/[<>:"|?*]/.test(name)) return 'contains one of < > : " | ? * (not allowed in file names on Windows)';
  if (/[. ]$/.test(name)) return 'ends with a dot or a space';
  return undefined;
}
