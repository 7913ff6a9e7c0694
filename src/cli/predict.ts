// `dlmodel predict FILE [--run DIR] [--input PATH] [--backend NAME] [--json]`: a saved run's model on the
// spec's `predict` inputs (or a CSV/JSON/JSONL file, an image, or a folder of images), without training.
import * as path from 'node:path';
import { EXIT, type TrainerEvent } from '../protocol/trainer';
import type { Prediction } from '../runs/types';
import { startTrainer } from '../engine/client';
import { trainerScriptPath } from '../engine/locate';
import { booleanFlag, parseArgs, stringFlag } from './args';
import { backendFlag } from './args';
import { describePrediction, trainerStderr } from './output';
import { displayPath } from './validate';

export const PREDICT_USAGE = 'dlmodel predict FILE [--run DIR] [--input PATH] [--backend NAME] [--json]';

export async function predictCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { run: 'string', input: 'string', backend: 'string', json: 'boolean' }, { names: ['FILE'] });
  const file = a.positional[0];
  const json = booleanFlag(a, 'json');
  const run = stringFlag(a, 'run');
  const input = stringFlag(a, 'input');
  // Prediction is small: the pure-JS or wasm backend starts faster than probing for a GPU.
  const backend = backendFlag(stringFlag(a, 'backend') ?? 'wasm');
  let predictions: Prediction[] | undefined;
  let runDir: string | undefined;
  let failed: Extract<TrainerEvent, { type: 'failed' }> | undefined;
  const warnings: string[] = [];
  const stderrSink = trainerStderr();
  const handle = startTrainer(
    {
      kind: 'predict',
      specPath: path.resolve(file),
      backend,
      runDir: run ? path.resolve(run) : undefined,
      inputPath: input ? path.resolve(input) : undefined,
      nativeBackendDir: process.env.DLMODEL_NATIVE_BACKEND_DIR || undefined,
    },
    {
      trainerScript: trainerScriptPath(),
      onEvent(e) {
        if (e.type === 'predictions') {
          predictions = e.predictions;
          runDir = e.runDir;
        } else if (e.type === 'failed') failed = e;
        else if (e.type === 'log' && e.level !== 'info') warnings.push(e.message);
      },
      onStderr: stderrSink.write,
    },
  );
  const onSigint = () => handle.kill();
  process.on('SIGINT', onSigint);
  const result = await handle.done;
  process.off('SIGINT', onSigint);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);

  if (failed) {
    process.stderr.write(`dlmodel predict: ${failed.message}\n`);
    if (json) process.stdout.write(JSON.stringify({ error: failed.message, reason: failed.reason }) + '\n');
    return failed.reason === 'invalid' ? EXIT.invalid : EXIT.failed;
  }
  if (!predictions) {
    const how = result.signal ? `was killed (${result.signal})` : `exited with code ${result.exitCode}`;
    process.stderr.write(stderrSink.tail());
    process.stderr.write(`dlmodel predict: the trainer process ${how} without predictions\n`);
    return EXIT.failed;
  }
  if (json) {
    const out = predictions.map((p) => {
      // An autoencoder's prediction is its code, its reconstruction error and its cluster (format, Command line).
      if (p.reconstructionError !== undefined) {
        const o: Record<string, unknown> = { input: p.input, code: p.code, reconstructionError: p.reconstructionError };
        if (p.cluster !== undefined) o.cluster = p.cluster;
        return o;
      }
      const o: Record<string, unknown> = { input: p.input, output: p.output };
      if (p.label !== undefined) o.label = p.label;
      if (p.confidence !== undefined) o.confidence = p.confidence;
      return o;
    });
    process.stdout.write(JSON.stringify({ runDir, predictions: out }) + '\n');
  } else {
    process.stdout.write(`Predictions of ${displayPath(runDir ?? '')}:\n`);
    for (const p of predictions) process.stdout.write(`${JSON.stringify(p.input)} -> ${describePrediction(p)}\n`);
  }
  return EXIT.ok;
}
