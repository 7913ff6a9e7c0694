// The table of layer descriptors (descriptor.ts), and the functions everyone uses on it: filling in a
// layer's defaults, its output shape, the option lists for the parser and the schema.
import { LAYER_TYPES, type LayerSpec, type LayerType } from '../types';
import { batchNormalization, dense, dropout, flatten, repeatVector, reshape } from './core';
import {
  averagePooling2d, conv1d, conv2d, conv2dTranspose, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d,
  maxPooling1d, maxPooling2d, upSampling2d,
} from './conv';
import { embedding, gru, lstm, simpleRNN } from './recurrent';
import { fmt, ok, type LayerContext, type LayerDescriptor, type LayerOption, type LayerShapeIssue, type LayerShapeOk } from './descriptor';

export * from './descriptor';

export const RECURRENT_TYPES: ReadonlySet<LayerType> = new Set<LayerType>(['simpleRNN', 'lstm', 'gru']);

const bidirectional: LayerDescriptor = {
  doc: 'Runs a recurrent `layer` over the sequence forwards and backwards and merges both (mergeMode).',
  options: ['layer', 'mergeMode', 'name'],
  required: ['layer'],
  defaults: (l, ctx) => ({ mergeMode: 'concat', ...(l.layer ? { layer: resolveLayer(l.layer, ctx) } : {}) }),
  shape(l, input) {
    const inner = l.layer;
    if (!inner || !RECURRENT_TYPES.has(inner.type)) {
      return { issue: `bidirectional runs a recurrent layer (simpleRNN, lstm or gru), not ${inner ? inner.type : 'nothing'}`, option: 'layer' };
    }
    const r = LAYERS[inner.type].shape(inner, input);
    if ('issue' in r) return { issue: r.issue, option: 'layer' };
    const out = [...r.outputShape];
    if (l.mergeMode === 'concat') out[out.length - 1] *= 2;
    return ok(out, 2 * r.params, `2 x ${fmt(r.params)} = ${fmt(2 * r.params)}`);
  },
  tfjs: { className: 'Bidirectional', factory: 'bidirectional', config: (l) => ({ layer: l.layer, mergeMode: l.mergeMode }) },
};

/** The same `layer` at every position of a sequence: the derived output of a sequence target. */
const timeDistributed: LayerDescriptor = {
  doc: 'Applies `layer` at every position of a sequence.',
  options: ['layer', 'name'],
  required: ['layer'],
  defaults: (l, ctx) => (l.layer ? { layer: resolveLayer(l.layer, ctx) } : {}),
  shape(l, input) {
    if (input.length !== 2 || !l.layer) return { issue: `timeDistributed needs a sequence [steps, features] and a layer` };
    const r = LAYERS[l.layer.type].shape(l.layer, input.slice(1));
    if ('issue' in r) return r;
    return ok([input[0], ...r.outputShape], r.params, r.formula, r.nonTrainable);
  },
  tfjs: { className: 'TimeDistributed', factory: 'timeDistributed', config: (l) => ({ layer: l.layer }) },
  internal: true,
};

/** Every layer type, user-facing and internal. Adding a layer type is one entry here (and its name in types.ts). */
export const LAYERS: Record<LayerType | 'timeDistributed', LayerDescriptor> = {
  dense, dropout, batchNormalization, flatten, conv2d, maxPooling2d, averagePooling2d, globalAveragePooling2d, reshape,
  embedding, simpleRNN, lstm, gru, conv1d, globalAveragePooling1d, globalMaxPooling1d, maxPooling1d, repeatVector,
  bidirectional, upSampling2d, conv2dTranspose, timeDistributed,
};

export type AnyLayerType = keyof typeof LAYERS;

/** What users may write, for the parser and the schema. */
export const LAYER_INFO: Record<LayerType, Pick<LayerDescriptor, 'options' | 'required' | 'doc'>> = Object.fromEntries(
  LAYER_TYPES.map((t) => [t, LAYERS[t]]),
) as Record<LayerType, LayerDescriptor>;

export function isLayerType(v: string): v is LayerType {
  return (LAYER_TYPES as readonly string[]).includes(v);
}

/** A layer with every option its type has filled in: the user's values, then the type's defaults. */
export function resolveLayer(l: LayerSpec, ctx: LayerContext = {}): LayerSpec {
  const d = LAYERS[l.type as AnyLayerType];
  const out: LayerSpec = { ...d.defaults(l, ctx), type: l.type } as LayerSpec;
  for (const [k, v] of Object.entries(l)) if (v !== undefined && k !== 'layer') (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

/** One resolved layer after `input`: its output shape and parameters, or why it cannot follow. */
export function layerShape(l: LayerSpec, input: readonly number[]): LayerShapeOk | LayerShapeIssue {
  return LAYERS[l.type as AnyLayerType].shape(l, input);
}

/** The TensorFlow.js class name of each type, for reading a trained model back (model.from). */
export const CLASS_TO_TYPE: Readonly<Record<string, LayerType>> = Object.fromEntries(
  LAYER_TYPES.map((t) => [LAYERS[t].tfjs.className, t]),
);

/** Short phrase for a missing required option: `a dense layer needs "units" (the number of neurons)`. */
export const OPTION_DOCS: Partial<Record<LayerOption, string>> = {
  units: 'the number of neurons',
  rate: 'the fraction of inputs to drop, e.g. 0.2',
  filters: 'the number of kernels',
  kernelSize: 'e.g. 3 for 3x3 kernels',
  targetShape: 'e.g. [28, 28, 1]',
  inputDim: 'the number of distinct token ids',
  outputDim: 'the length of each token vector',
  layer: 'e.g. { "type": "lstm", "units": 32 }',
  n: 'how many copies',
};
