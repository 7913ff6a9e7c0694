// The `predict` job of the trainer process: a saved run's model on new inputs, no training.
import * as path from 'node:path';
import type { PredictJob } from '../protocol/trainer';
import { parseSpecText } from '../format/parse';
import type { Spec } from '../format/types';
import { LIMITS, readRegularFile } from '../runs/safe-fs';
import { loadBackend } from './backends/index';
import { loadRunModel } from './checkpoint';
import { predictRows, resolvePredictInputs, resolveRunDir } from './predict';
import { RunFailure, type TrainerContext } from './train';
import { readAutoencoder, readPreprocess, readRun } from '../runs/folder';

async function specFor(specPath: string, runDir: string): Promise<Spec | undefined> {
  // The predict block as the file says now; the run's snapshot when the file no longer parses.
  try {
    const { spec } = parseSpecText((await readRegularFile(specPath, LIMITS.spec)).toString('utf8'));
    if (spec) return spec;
  } catch {
    // fall back below
  }
  return (await readRun(runDir)).spec;
}

export async function runPrediction(job: PredictJob, ctx: TrainerContext): Promise<void> {
  const specPath = path.resolve(job.specPath);
  const runDir = await resolveRunDir(specPath, job.runDir, job.runsRoot);
  const pre = await readPreprocess(runDir);
  const spec = await specFor(specPath, runDir);
  const inputs = await resolvePredictInputs(pre, { specPath, spec, inputs: job.inputs, inputPath: job.inputPath });
  const { tf, report } = await loadBackend(job.backend === 'torch' ? 'auto' : job.backend, { nativeBackendDir: job.nativeBackendDir, extensionRoot: ctx.extensionRoot, threads: job.threads ?? 1 });
  let model;
  try {
    model = await loadRunModel(tf, runDir);
  } catch (err) {
    throw new RunFailure('invalid', (err as Error).message.split('\n')[0]);
  }
  const centroids = pre.task === 'autoencoder' ? (await readAutoencoder(runDir))?.clusters?.centroids : undefined;
  const { predictions, warnings } = await predictRows(tf, model, pre, inputs.rows, inputs.baseDir, inputs.where, centroids);
  for (const w of warnings) ctx.emit({ type: 'log', level: 'warn', message: w });
  ctx.emit({ type: 'log', level: 'info', message: `predicted ${predictions.length} inputs with ${path.basename(runDir)} on ${report.label}` });
  ctx.emit({ type: 'predictions', runDir, predictions, classNames: pre.classNames });
}
