// `dlmodel train FILE [--backend NAME] [--threads N] [--epochs N] [--seed N] [--resume RUN] [--json]`
// --resume continues a run (folder or id) from its last checkpoint in the SAME run folder: metrics.jsonl
// goes on from the checkpoint's epoch and run.json keeps its id; `--epochs N` can extend a finished run.
// Validates the spec, then forks dist/trainer.js through engine/client.ts (the same path the extension
// takes) and shows its progress. Ctrl+C stops at the next batch boundary and keeps the finished epochs:
// the run ends "stopped" and the command exits 0 (a stop the user asked for is not a failure); a second
// Ctrl+C kills the trainer.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { listRuns } from '../runs/folder';
import { EXIT, type TrainerEvent } from '../protocol/trainer';
import { validateSpecFile } from '../format/validate';
import { startTrainer } from '../engine/client';
import { trainerScriptPath } from '../engine/locate';
import { backendFlag, booleanFlag, numberFlag, parseArgs, stringFlag, UsageError } from './args';
import { formatDuration } from '../common/format';
import { describePrediction, formatNumber, trainerStderr } from './output';
import { displayPath, printProblems, problemJson } from './validate';
import { describeBaseline } from '../coach/baseline';

export const TRAIN_USAGE = 'dlmodel train FILE [--backend NAME] [--threads N] [--epochs N] [--seed N] [--resume RUN] [--json]';

function metricText(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join('  ');
}

/** Human progress: a bar redrawn in place on a terminal, one line per epoch otherwise. */
class Progress {
  private startedAt = Date.now();
  private initialEpoch = 0;
  private epochs = 0;
  private barShown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly live: boolean,
  ) {}

  line(text: string): void {
    this.clearBar();
    this.out.write(text + '\n');
  }

  private clearBar(): void {
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  handle(e: TrainerEvent): void {
    switch (e.type) {
      case 'started': {
        this.startedAt = Date.now();
        this.initialEpoch = e.initialEpoch;
        this.epochs = e.epochs;
        this.line(
          `Training on ${e.backend.label}: ${e.params.trainable} learnable parameters, ` +
            `${e.samples.train} training / ${e.samples.validation} validation samples, ${e.epochs} epochs` +
            (e.initialEpoch ? ` (resuming after epoch ${e.initialEpoch})` : ''),
        );
        this.line(`Run folder: ${displayPath(e.runDir)}`);
        break;
      }
      case 'batch': {
        if (!this.live) return;
        const done = (e.epoch - 1 - this.initialEpoch) * e.batchesPerEpoch + e.batch;
        const total = (this.epochs - this.initialEpoch) * e.batchesPerEpoch;
        const eta = done > 0 ? ((Date.now() - this.startedAt) / done) * (total - done) : 0;
        const width = 20;
        const filled = Math.round((e.batch / e.batchesPerEpoch) * width);
        const bar = '='.repeat(filled) + ' '.repeat(width - filled);
        const text = `epoch ${e.epoch}/${this.epochs} [${bar}] ${e.batch}/${e.batchesPerEpoch}  loss ${formatNumber(e.loss)}  ${metricText(e.metrics)}  ETA ${formatDuration(eta)}`;
        const cols = this.out.columns || 120;
        this.out.write('\r\x1b[2K' + text.slice(0, cols - 1));
        this.barShown = true;
        break;
      }
      case 'epoch': {
        const { epoch, ms, round, ...rest } = e.record;
        const inRound = round !== undefined ? `  (round ${round})` : '';
        this.line(`epoch ${epoch}/${e.epochs}${inRound}  ${metricText(rest as Record<string, number>)}  (${formatDuration(ms)}, ETA ${formatDuration(e.etaMs)})`);
        break;
      }
      case 'log':
        this.line(e.level === 'info' ? e.message : `${e.level}: ${e.message}`);
        break;
      case 'predictions':
        // The predict block's inputs; validation rows (those with an expected answer) are in predictions.json.
        for (const p of e.predictions.filter((x) => x.expected === undefined).slice(0, 20)) {
          this.line(`predict ${JSON.stringify(p.input)} -> ${describePrediction(p)}`);
        }
        break;
      case 'weights':
      case 'exported':
        break;
      case 'finished':
        // The baseline beside the metrics: a number means little until it is compared with doing nothing.
        const base = e.baseline ? ` (baseline, ${describeBaseline(e.baseline)})` : '';
        this.line(`${e.status}: ${e.epochsDone} epochs${Object.keys(e.metrics).length ? `, ${metricText(e.metrics)}` : ''}${base}`);
        if (e.restoredEpoch !== undefined) this.line(`restoreBestWeights: the saved model is epoch ${e.restoredEpoch}'s (the metrics above are its)`);
        if (e.epochsDone > 0) this.line(`Model saved in ${displayPath(path.join(e.runDir, 'model'))}`);
        if (e.insights?.length) {
          this.line('Insights:');
          for (const i of e.insights) this.line(`  ${i.kind}${i.epoch !== undefined ? ` (epoch ${i.epoch})` : ''}: ${i.message}`);
        }
        break;
      case 'failed':
        this.line(`failed: ${e.message}`);
        for (const p of e.problems?.slice(1) ?? []) this.line(p);
        break;
    }
  }

  done(): void {
    this.clearBar();
  }
}


/** --resume takes a run folder, or the id of one of this spec's runs (as `dlmodel runs` lists them). */
async function resolveResume(file: string, value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (existsSync(path.join(value, 'run.json'))) return path.resolve(value);
  const match = (await listRuns(file)).find((r) => r.run.id === value);
  if (!match) throw new UsageError(`--resume ${value}: neither a run folder nor the id of a run of ${file} (see dlmodel runs ${file})`);
  return match.dir;
}

export async function trainCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { backend: 'string', threads: 'number', epochs: 'number', seed: 'number', resume: 'string', json: 'boolean' }, { names: ['FILE'] });
  const file = a.positional[0];
  const json = booleanFlag(a, 'json');
  const backend = backendFlag(stringFlag(a, 'backend'));
  const epochs = numberFlag(a, 'epochs');
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new UsageError('--epochs must be a whole number >= 1');
  const threads = numberFlag(a, 'threads');
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) throw new UsageError('--threads must be a whole number from 1 to 256');
  const seed = numberFlag(a, 'seed');
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  const resume = await resolveResume(file, stringFlag(a, 'resume'));

  if (!resume) {
    const { problems } = await validateSpecFile(file, undefined, { trusted: true });
    const errors = problems.filter((p) => p.severity === 'error');
    printProblems(file, problems, (l) => process.stderr.write(l + '\n'));
    if (errors.length) {
      if (json) process.stdout.write(JSON.stringify({ status: 'invalid', errors: errors.map(problemJson) }) + '\n');
      return EXIT.invalid;
    }
  }

  const human = json ? process.stderr : process.stdout;
  const stderrSink = trainerStderr();
  const progress = new Progress(human, !!human.isTTY);
  let last: TrainerEvent | undefined;
  let started: Extract<TrainerEvent, { type: 'started' }> | undefined;
  const handle = startTrainer(
    {
      kind: 'train',
      specPath: path.resolve(file),
      backend,
      threads,
      epochs,
      seed,
      resume,
      nativeBackendDir: process.env.DLMODEL_NATIVE_BACKEND_DIR || undefined,
      // The command line shows neither the weights nor the code space: the trainer need not send them.
      weightsIntervalMs: 24 * 3600_000,
      liveCodes: false,
    },
    {
      trainerScript: trainerScriptPath(),
      onEvent(e) {
        if (e.type === 'started') started = e;
        if (e.type === 'finished' || e.type === 'failed') last = e;
        progress.handle(e);
      },
      onStderr: stderrSink.write,
    },
  );
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      progress.line('stopping after the current batch (Ctrl+C again to kill)...');
      handle.cancel();
    } else {
      handle.kill();
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const result = await handle.done;
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  progress.done();

  let code: number;
  let summary: Record<string, unknown>;
  if (last?.type === 'finished') {
    code = EXIT.ok;
    summary = {
      status: last.status,
      runDir: last.runDir,
      backend: started?.backend.name ?? null,
      epochs: last.epochsDone,
      metrics: last.metrics,
      insights: (last.insights ?? []).map(({ kind, epoch, message }) => (epoch === undefined ? { kind, message } : { kind, epoch, message })),
    };
    if (last.baseline) summary.baseline = last.baseline;
    if (last.restoredEpoch !== undefined) summary.restoredEpoch = last.restoredEpoch;
    if (last.rounds) summary.rounds = last.rounds;
  } else if (last?.type === 'failed') {
    code = last.reason === 'invalid' ? EXIT.invalid : EXIT.failed;
    summary = {
      status: last.reason === 'invalid' ? 'invalid' : 'failed',
      reason: last.reason,
      message: last.message,
      runDir: last.runDir ?? started?.runDir ?? null,
      backend: started?.backend.name ?? null,
      epochs: last.epoch !== undefined ? last.epoch - 1 : 0,
      metrics: {},
    };
    if (last.problems) summary.errors = last.problems;
  } else {
    code = EXIT.failed;
    const how = result.signal ? `was killed (${result.signal})` : `exited with code ${result.exitCode}`;
    const message = `the trainer ${how} before finishing; the finished epochs are kept in the run folder`;
    process.stderr.write(stderrSink.tail());
    if (!json) process.stdout.write(`failed: ${message}\n`);
    summary = { status: 'failed', reason: 'crash', message, runDir: started?.runDir ?? null, backend: started?.backend.name ?? null, epochs: 0, metrics: {} };
  }
  if (json) process.stdout.write(JSON.stringify(summary) + '\n');
  return code;
}
