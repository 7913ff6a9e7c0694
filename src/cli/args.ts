// Command-line arguments: `--name value` / `--name=value`, boolean `--flag`, positional arguments.
// A mistake is a UsageError: the dispatcher prints it with the command's usage and exits 2.
import { BACKENDS, type BackendName } from '../format/types';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'string' | 'number' | 'boolean';

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | number | boolean>;
}

/**
 * @param flags the accepted flags without dashes, e.g. `{ json: 'boolean', epochs: 'number', backend: 'string' }`
 * @param positional how many positional arguments, and their names for messages
 */
export function parseArgs(
  args: readonly string[],
  flags: Record<string, FlagKind>,
  positional: { names: string[]; min?: number } = { names: [] },
): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: {} };
  let onlyPositional = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (onlyPositional || !a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositional = true;
      continue;
    }
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    const name = m?.[1] ?? a;
    const kind = flags[name];
    if (!m || !kind) {
      const known = Object.keys(flags).map((f) => `--${f}`);
      throw new UsageError(`unknown option ${a}${known.length ? ` (options: ${known.join(', ')})` : ''}`);
    }
    if (kind === 'boolean') {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      out.flags[name] = true;
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value`);
      value = args[++i];
    }
    if (kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number; got "${value}"`);
      out.flags[name] = n;
    } else {
      out.flags[name] = value;
    }
  }
  const min = positional.min ?? positional.names.length;
  if (out.positional.length < min) {
    throw new UsageError(`missing ${positional.names.slice(out.positional.length, min).join(' ')}`);
  }
  if (out.positional.length > positional.names.length) {
    throw new UsageError(`unexpected argument "${out.positional[positional.names.length]}"`);
  }
  return out;
}

export function stringFlag(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function numberFlag(a: ParsedArgs, name: string): number | undefined {
  const v = a.flags[name];
  return typeof v === 'number' ? v : undefined;
}

export function booleanFlag(a: ParsedArgs, name: string): boolean {
  return a.flags[name] === true;
}

/** --backend: one of the format's backends; `auto` when not given. */
export function backendFlag(value: string | undefined): BackendName {
  if (value === undefined) return 'auto';
  if (!(BACKENDS as readonly string[]).includes(value)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  return value as BackendName;
}
