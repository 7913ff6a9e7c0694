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
