// `dlmodel export FILE [--to pytorch] [--out DIR] [--json]`: writes train.py, a standalone PyTorch program
// equivalent to the spec, with the prepared data, its split and the plan (src/export/pytorch.ts). The work
// is done in the trainer process, which has TensorFlow.js to read the network's topology.
import * as path from 'node:path';
import { EXIT, type TrainerEvent } from '../protocol/trainer';
import { validateSpecFile } from '../format/validate';
import { startTrainer } from '../engine/client';
import { trainerScriptPath } from '../engine/locate';
import { booleanFlag, numberFlag, parseArgs, stringFlag, UsageError } from './args';
import { trainerStderr } from './output';
import { displayPath, printProblems, problemJson } from './validate';

export const EXPORT_USAGE = 'dlmodel export FILE [--to pytorch] [--out DIR] [--seed N] [--json]';

export async function exportCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { to: 'string', out: 'string', seed: 'number', json: 'boolean' }, { names: ['FILE'] });
  const file = a.positional[0];
  const json = booleanFlag(a, 'json');
  const to = stringFlag(a, 'to') ?? 'pytorch';
  if (to !== 'pytorch') throw new UsageError(`--to must be pytorch (the only target so far); got "${to}"`);
  const seed = numberFlag(a, 'seed');
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  const out = stringFlag(a, 'out');

  const { problems } = await validateSpecFile(file, undefined, { trusted: true });
  const errors = problems.filter((p) => p.severity === 'error');
  printProblems(file, problems, (l) => process.stderr.write(l + '\n'));
  if (errors.length) {
    if (json) process.stdout.write(JSON.stringify({ status: 'invalid', errors: errors.map(problemJson) }) + '\n');
    return EXIT.invalid;
  }

  let exported: Extract<TrainerEvent, { type: 'exported' }> | undefined;
  let failed: Extract<TrainerEvent, { type: 'failed' }> | undefined;
  const stderrSink = trainerStderr();
  const handle = startTrainer(
    { kind: 'export', specPath: path.resolve(file), to: 'pytorch', outDir: out ? path.resolve(out) : undefined, seed },
    {
      trainerScript: trainerScriptPath(),
      onEvent(e) {
        if (e.type === 'exported') exported = e;
        else if (e.type === 'failed') failed = e;
        else if (e.type === 'log' && e.level !== 'info') process.stderr.write(`warning: ${e.message}\n`);
      },
      onStderr: stderrSink.write,
    },
  );
  const result = await handle.done;
  if (failed) {
    process.stderr.write(`dlmodel export: ${failed.message}\n`);
    if (json) process.stdout.write(JSON.stringify({ status: failed.reason === 'invalid' ? 'invalid' : 'failed', message: failed.message }) + '\n');
    return failed.reason === 'invalid' ? EXIT.invalid : EXIT.failed;
  }
  if (!exported) {
    process.stderr.write(stderrSink.tail());
    process.stderr.write(`dlmodel export: the trainer process ${result.signal ? `was killed (${result.signal})` : `exited with code ${result.exitCode}`} without exporting\n`);
    return EXIT.failed;
  }
  if (json) {
    process.stdout.write(JSON.stringify({ script: exported.script, run: exported.run, dir: exported.dir, files: exported.files }) + '\n');
  } else {
    process.stdout.write(`Wrote ${displayPath(exported.script)} and ${exported.files.length - 1} files it reads.\n`);
    process.stdout.write(`Train:               ${exported.run}\n`);
    process.stdout.write(`Data-parallel (DDP): torchrun --standalone --nproc_per_node 2 ${displayPath(exported.script)}\n`);
  }
  return EXIT.ok;
}
