// Parameter totals of a layer table: one count for the CLI summary, the editor's summary, the plan and the
// dashboard, so they never disagree. Neutral: no vscode, Node or DOM imports.

export interface ParamCounts {
  trainable: number;
  nonTrainable: number;
  total: number;
}

export interface CountedLayer {
  params: number;
  /** False for a frozen layer: all its parameters are non-trainable. */
  trainable: boolean;
  /** Of `params`, those training never changes even in a trainable layer (batch-norm moving statistics). */
  nonTrainableParams?: number;
}

export function countParams(layers: readonly CountedLayer[]): ParamCounts {
  let total = 0;
  let nonTrainable = 0;
  for (const l of layers) {
    total += l.params;
    nonTrainable += l.trainable ? (l.nonTrainableParams ?? 0) : l.params;
  }
  return { total, trainable: total - nonTrainable, nonTrainable };
}
