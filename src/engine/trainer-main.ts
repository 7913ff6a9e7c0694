// The trainer process (bundled to dist/trainer.js, started with child_process.fork by engine/client.ts).
// It takes exactly one job over IPC, streams TrainerEvents back, and exits with the protocol's exit code.
// All TensorFlow.js work of the product happens here, never in the extension host.
import * as path from 'node:path';
import { EXIT, isHostMessage, TRAINER_PROTOCOL_VERSION, type Job, type TrainerEvent } from '../protocol/trainer';
import { classifyError, RunFailure, runTraining, type TrainerContext } from './train';
import { runPrediction } from './predict-job';
import { findPackageRoot } from './locate';
import { runExport, runTorchTraining } from './torch/index';
import { chooseTrainer } from './torch/choose';

/** The folder holding dist/ and node_modules/ (for the wasm binaries and the native backends). */
export function findExtensionRoot(start = __dirname): string {
  return findPackageRoot(start) ?? path.dirname(start);
}

let cancelled = false;
let pending = 0;

/**
 * Snapshots that the next one of their kind replaces. While the channel to the host is backed up (a slow
 * host, large weight matrices), they are dropped rather than queued, so that the events that count (epochs,
 * predictions, finished) are never stuck behind megabytes of stale weights when the process exits.
 */
const SNAPSHOT_EVENTS: ReadonlySet<TrainerEvent['type']> = new Set(['batch', 'weights', 'codes']);
const MAX_PENDING_FOR_SNAPSHOTS = 4;

function emit(e: TrainerEvent): void {
  if (!process.send || !process.connected) return;
  if (SNAPSHOT_EVENTS.has(e.type) && pending >= MAX_PENDING_FOR_SNAPSHOTS) return;
  pending++;
  process.send(e, undefined, {}, () => {
    pending--;
  });
}

/**
 * Waits until every queued event has left, so the host sees `finished`/`failed` before exit. The cap is
 * generous: on a machine loaded many times over, 5 s was seen to drop the last epochs and `finished` of a
 * completed run (the host reported an exit before finishing). A host that is gone fails the sends at once.
 */
async function drain(): Promise<void> {
  const until = Date.now() + 60_000;
  while (pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

async function runJob(job: Job): Promise<number> {
  const ctx: TrainerContext = { emit, cancelled: () => cancelled, extensionRoot: findExtensionRoot(), backlog: () => pending };
  try {
    if (job.kind === 'train') {
      const trainer = await chooseTrainer(job, ctx);
      if (trainer.kind === 'torch') await runTorchTraining(job, ctx, trainer.probe);
      else await runTraining(job, ctx);
    } else if (job.kind === 'export') {
      await runExport(job, ctx);
    } else {
      await runPrediction(job, ctx);
    }
    return EXIT.ok;
  } catch (err) {
    const failure = err instanceof RunFailure ? err : undefined;
    const { reason, message } = failure ? { reason: failure.reason, message: failure.message } : classifyError(err);
    if (reason === 'crash' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    const runDir = (err as { runDir?: string }).runDir;
    emit({ type: 'failed', reason, message, runDir, epoch: failure?.extra.epoch, problems: failure?.extra.problems });
    return reason === 'invalid' ? EXIT.invalid : EXIT.failed;
  }
}

function main(): void {
  if (!process.send) {
    process.stderr.write('dist/trainer.js is started by the dlmodel extension or command line (child_process.fork), not directly.\n');
    process.exit(EXIT.invalid);
  }
  let started = false;
  const stop = () => {
    cancelled = true;
  };
  // Anything thrown outside the job's own error handling still ends as one `failed` event and exit 1.
  const crash = (err: unknown) => {
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    emit({ type: 'failed', reason: 'crash', message: classifyError(err).message });
    void drain().then(() => process.exit(EXIT.failed));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // The host went away (closed window, crashed): stop at the next batch and keep what is finished.
  process.on('disconnect', stop);
  process.on('message', (msg: unknown) => {
    if (!isHostMessage(msg)) return;
    if (msg.type === 'cancel') {
      stop();
      return;
    }
    if (started) return;
    started = true;
    if (msg.version !== TRAINER_PROTOCOL_VERSION) {
      emit({ type: 'failed', reason: 'invalid', message: `trainer protocol ${TRAINER_PROTOCOL_VERSION}, host sent ${msg.version}: reinstall dlmodel` });
      void drain().then(() => process.exit(EXIT.invalid));
      return;
    }
    void runJob(msg.job).then(async (code) => {
      await drain();
      process.exit(code);
    });
  });
}

main();
