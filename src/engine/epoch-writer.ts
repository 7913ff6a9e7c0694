// What a training run writes after every epoch, in this order: the checkpoint, the metrics line (fsync'd),
// run.json, then the `epoch` event. On wasm and cpu the weights are copied at the epoch boundary and the
// files are written while the next epoch trains, one epoch in flight at a time; elsewhere (WebGPU, native)
// tensor reads are asynchronous, so the writes are awaited before the next step as they always were.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainerEvent } from '../protocol/trainer';
import type { EpochRecord, RunJson } from '../runs/types';
import { MetricsLog, stageRunJson } from '../runs/folder';
import { CheckpointWriter, writeBestModel, type CheckpointOptions, type LoopState } from './checkpoint';
import type { TF } from './tf';

export class EpochWriter {
  /** True when an epoch's writes overlap the next epoch's training. */
  readonly background: boolean;
  private readonly checkpoint: CheckpointWriter;
  private readonly metrics: MetricsLog;
  private inFlight?: Promise<void>;
  /** Events emitted while an epoch's writes are in flight: sent after its `epoch` event, in order. */
  private held?: TrainerEvent[];

  constructor(
    tf: TF,
    model: LayersModel,
    private readonly runDir: string,
    private readonly send: (e: TrainerEvent) => void,
    opts: CheckpointOptions = {},
  ) {
    this.checkpoint = new CheckpointWriter(tf, model, runDir, opts);
    this.metrics = new MetricsLog(runDir);
    this.background = this.checkpoint.sync;
  }

  /** The run's emit while this writer is in use, so that the host sees events in the order they happened. */
  readonly emit = (e: TrainerEvent): void => {
    if (this.held) this.held.push(e);
    else this.send(e);
  };

  /**
   * At the epoch boundary, before the next step: copies the weights and the optimizer's state, then writes
   * the checkpoint (and, with `best`, the best epoch's model for restoreBestWeights), `record` and `run`,
   * and sends `event`. Throws the previous epoch's write error, if any.
   */
  async epochEnd(state: LoopState, record: EpochRecord, run: RunJson, event: TrainerEvent, opts: { best?: boolean } = {}): Promise<void> {
    const snap = await this.checkpoint.snapshot(state);
    await this.flush();
    const held: TrainerEvent[] = [];
    this.held = held;
    const writes = (async () => {
      try {
        // The best model first: a checkpoint never names a best epoch whose weights are not on disk.
        if (opts.best) await writeBestModel(this.runDir, snap);
        await this.checkpoint.write(snap);
        const staged = stageRunJson(this.runDir, run);
        try {
          await this.metrics.append(record);
        } catch (err) {
          staged.discard();
          throw err;
        }
        await staged.commit();
        this.send(event);
      } finally {
        this.held = undefined;
        for (const e of held) this.send(e);
      }
    })();
    // flush() reports the error; until then it must not count as an unhandled rejection (a crash).
    writes.catch(() => undefined);
    this.inFlight = writes;
    if (!this.background) await this.flush();
  }

  /** Waits for the epoch in flight; its write error is thrown here. */
  async flush(): Promise<void> {
    const p = this.inFlight;
    this.inFlight = undefined;
    await p;
  }

  /** End of the run (completed or stopped): the last epoch's files land, then the writer lets go of its files. */
  async finish(): Promise<void> {
    await this.flush();
    await this.close();
  }

  /** Before a failure is recorded: the writes in flight land (their own error is dropped), then cleanup. */
  async abort(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.close().catch(() => undefined);
  }

  private async close(): Promise<void> {
    await Promise.all([this.checkpoint.close(), this.metrics.close()]);
  }
}
