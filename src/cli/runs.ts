// `dlmodel runs FILE [--json]`: the runs of an experiment, newest first. Runs left "running" by a process
// that is gone are reported (and recorded) as interrupted; a run folder whose run.json cannot be read is
// listed as unreadable, with the reason, after the others.
import { EXIT } from '../protocol/trainer';
import { listRunFolders } from '../runs/folder';
import { booleanFlag, parseArgs } from './args';
import { formatNumber } from './output';
import { displayPath } from './validate';

export const RUNS_USAGE = 'dlmodel runs FILE [--json]';

export async function runsCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { json: 'boolean' }, { names: ['FILE'] });
  const file = a.positional[0];
  // The command line is the user's own: it may record what it finds (through the safe writer).
  const { runs, unreadable } = await listRunFolders(file, { write: true });
  if (booleanFlag(a, 'json')) {
    const out = runs.map(({ dir, run }) => ({
      id: run.id,
      dir,
      status: run.status,
      backend: run.backend,
      epochs: run.epochs,
      epochsDone: run.epochsDone,
      startedAt: run.startedAt,
      endedAt: run.endedAt ?? null,
      metrics: run.finalMetrics ?? {},
      error: run.error ?? null,
    }));
    const bad = unreadable.map((u) => ({ id: u.id, dir: u.dir, status: 'unreadable', error: u.error }));
    process.stdout.write(JSON.stringify({ runs: [...out, ...bad] }) + '\n');
    return EXIT.ok;
  }
  if (runs.length === 0 && unreadable.length === 0) {
    process.stdout.write(`${file}: no runs yet (dlmodel train ${file})\n`);
    return EXIT.ok;
  }
  for (const { dir, run } of runs) {
    const m = run.finalMetrics ?? {};
    const shown = ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae', 'val_mae'].filter((k) => m[k] !== undefined);
    const metrics = shown.map((k) => `${k} ${formatNumber(m[k])}`).join('  ');
    process.stdout.write(
      `${run.id}  ${run.status.padEnd(11)} ${String(run.epochsDone).padStart(4)}/${run.epochs} epochs  ${(run.backendLabel ?? run.backend ?? '').padEnd(12)} ${metrics}\n` +
        `    ${displayPath(dir)}${run.error ? `\n    ${run.error}` : ''}\n`,
    );
  }
  for (const u of unreadable) process.stdout.write(`${u.id}  unreadable\n    ${displayPath(u.dir)}\n    ${u.error}\n`);
  return EXIT.ok;
}
