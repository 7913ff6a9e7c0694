// `dlmodel validate FILE [--json]`: problems as `FILE:LINE:COL: message` on stderr; exit 2 on errors.
import { relative } from 'node:path';
import { EXIT } from '../protocol/trainer';
import { formatProblem, type Problem } from '../format/problems';
import { validateSpecFile } from '../format/validate';
import { booleanFlag, parseArgs } from './args';

export const VALIDATE_USAGE = 'dlmodel validate FILE [--json]';

/** Paths in messages: as the user would type them from here. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') ? rel : p;
}

export function printProblems(file: string, problems: readonly Problem[], write: (line: string) => void): void {
  for (const p of problems) write(formatProblem(file, p.file !== undefined ? { ...p, file: displayPath(p.file) } : p));
}

export function problemJson(p: Problem): Record<string, unknown> {
  const o: Record<string, unknown> = { path: p.path, line: p.line, column: p.column, message: p.message };
  if (p.file !== undefined) o.file = p.file;
  return o;
}

export async function validateCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { json: 'boolean' }, { names: ['FILE'] });
  const file = a.positional[0];
  const { problems } = await validateSpecFile(file, undefined, { trusted: true });
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  printProblems(file, problems, (l) => process.stderr.write(l + '\n'));
  if (booleanFlag(a, 'json')) {
    const out = { valid: errors.length === 0, errors: errors.map(problemJson), warnings: warnings.map(problemJson) };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else if (errors.length === 0) {
    process.stdout.write(`${file}: valid${warnings.length ? ` (${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'})` : ''}\n`);
  }
  return errors.length === 0 ? EXIT.ok : EXIT.invalid;
}
