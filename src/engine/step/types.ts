// What a training step is, for the trainer and the bench; the two implementations (dense-wasm.ts,
// layers-step.ts) import these types from here, not from index.ts, which imports them.

export interface Batch {
  xs: Float32Array;
  ys: Float32Array;
  b: number;
}

export interface TrainStep {
  /** `dense-wasm`: our own dense forward/backward on the wasm heap; `layers`: tfjs-layers' trainOnBatch. */
  readonly kind: 'dense-wasm' | 'layers';
  /** Why the dense path was not taken (shown in the log), when `kind` is `layers` on wasm. */
  readonly reason?: string;
  /** One optimizer step; resolves to [loss, ...metrics] of this batch before the update, as Keras reports them. */
  train(batch: Batch): Promise<number[]>;
  /** [loss, ...metrics] of this batch with the current weights. */
  evaluate(batch: Batch): Promise<number[]>;
}
