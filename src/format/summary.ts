// A Keras-like model summary computed from the spec and the data description alone: derived input layer,
// hidden layers, derived output layer, with output shapes and learnable-parameter counts.
import type { DataDescription } from '../data/columns';
import type { ParamCounts } from '../runs/types';
import type { LayerSummary } from '../protocol/trainer';
import type { BaseModel } from './base-model';
import { derivedOutput } from './defaults';
import { LAYER_DEFAULTS, RECURRENT_TYPES } from './layers';
import { denseParams, inferShapes } from './shapes';
import type { Activation, LayerSpec, Spec } from './types';

export class SummaryError extends Error {
  constructor(message: string, readonly layerIndex: number) {
    super(message);
    this.name = 'SummaryError';
  }
}

function inputLabels(d: DataDescription): string[] {
  if (d.inputShape.length === 3) {
    const [h, w, c] = d.inputShape;
    return [`${w}x${h} image, ${c} ${c === 1 ? 'channel' : 'channels'}`];
  }
  return [...d.inputNames];
}

function outputLabels(d: DataDescription, units: number): string[] {
  const names = d.classNames;
  if (d.task === 'classification' && names) {
    return units === 1 && names.length === 2 ? [`${names[1]} (vs ${names[0]})`] : [...names];
  }
  return [...d.target];
}

function defaultActivation(l: LayerSpec): Activation | undefined {
  switch (l.type) {
    case 'dense':
    case 'conv2d':
    case 'conv1d':
      return l.activation ?? LAYER_DEFAULTS.activation;
    default:
      return RECURRENT_TYPES.has(l.type) ? (l.activation ?? LAYER_DEFAULTS.rnnActivation) : undefined;
  }
}

/**
 * The layers of the model the spec describes. `base` is the model named by `model.from` (read with
 * readBaseModel); its first `freeze` layers are not trainable. Throws SummaryError when the shapes do
 * not fit (validateSpecFile reports the same with ranges).
 */
export function summarizeModel(spec: Spec, description: DataDescription, base?: BaseModel): LayerSummary[] {
  const out: LayerSummary[] = [];
  const inputShape = base ? base.preprocess.inputShape : description.inputShape;
  out.push({
    name: 'input',
    type: 'input',
    outputShape: [null, ...inputShape],
    params: 0,
    trainable: false,
    derived: 'input',
    units: inputShape.reduce((a, b) => a * b, 1),
    labels: inputLabels(description),
  });

  const baseLayers = base?.layers ?? [];
  const freeze = base ? Math.min(spec.model.freeze ?? 0, baseLayers.length) : 0;
  const all = [...baseLayers, ...spec.model.layers];
  const shapes = inferShapes(inputShape, all);
  if (shapes.issue) {
    const i = shapes.issue.index;
    const where = i < baseLayers.length ? `base layer ${i + 1}` : `layer ${i - baseLayers.length + 1}`;
    throw new SummaryError(`${where}: ${shapes.issue.message}`, i);
  }
  const counters = new Map<string, number>();
  shapes.layers.forEach((s, i) => {
    const fromBase = i < baseLayers.length;
    const frozen = fromBase && i < freeze;
    const n = (counters.get(s.spec.type) ?? 0) + 1;
    counters.set(s.spec.type, n);
    const l: LayerSummary = {
      name: s.spec.name ?? `${s.spec.type}_${n}`,
      type: s.spec.type,
      outputShape: [null, ...s.outputShape],
      params: s.params,
      trainable: !frozen,
    };
    const nonTrainable = frozen ? s.params : s.nonTrainable;
    if (nonTrainable > 0) l.nonTrainableParams = nonTrainable;
    if (s.formula) l.formula = s.formula;
    if (s.spec.units !== undefined) l.units = s.spec.units;
    else if (s.spec.filters !== undefined) l.units = s.spec.filters;
    const act = defaultActivation(s.spec);
    if (act) l.activation = act;
    if (fromBase) l.labels = [frozen ? 'from base model, frozen' : 'from base model'];
    out.push(l);
  });

  const last = shapes.outputShape ?? inputShape;
  if (last.length !== 1) {
    throw new SummaryError(`the output layer needs a flat vector, but the last hidden layer gives [${last.join(', ')}]`, all.length);
  }
  const derived = derivedOutput(description.task, description.classNames?.length ?? 0, description.target.length, spec.training?.loss);
  const { params, formula } = denseParams(last[0], derived.units);
  out.push({
    name: 'output',
    type: 'dense',
    outputShape: [null, derived.units],
    params,
    trainable: true,
    formula,
    derived: 'output',
    units: derived.units,
    activation: spec.model.output?.activation ?? derived.activation,
    labels: outputLabels(description, derived.units),
  });
  return out;
}

export function countParams(layers: readonly LayerSummary[]): ParamCounts {
  let total = 0;
  let nonTrainable = 0;
  for (const l of layers) {
    total += l.params;
    nonTrainable += l.trainable ? (l.nonTrainableParams ?? 0) : l.params;
  }
  return { total, trainable: total - nonTrainable, nonTrainable };
}
