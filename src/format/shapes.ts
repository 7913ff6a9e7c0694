// Shape inference and learnable-parameter counts for hidden layers, without TensorFlow. The numbers are
// TensorFlow.js Layers' own (tests check them against known Keras counts).
import { LAYER_DEFAULTS, pair } from './layers';
import type { LayerSpec } from './types';

export interface LayerShape {
  index: number;
  spec: LayerSpec;
  /** Without the batch dimension. */
  outputShape: number[];
  params: number;
  /** Of `params`, those training does not change (batch-norm moving mean and variance). */
  nonTrainable: number;
  formula?: string;
}

export interface ShapeIssue {
  /** Index into the layer list; -1 for the whole model (e.g. before the output layer). */
  index: number;
  /** The option at fault, when one is. */
  option?: keyof LayerSpec;
  message: string;
}

export interface ShapeResult {
  layers: LayerShape[];
  /** Shape after the last layer that could be computed; undefined after an issue. */
  outputShape?: number[];
  issue?: ShapeIssue;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
export const shapeText = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;

const FLATTEN_HINT = 'add { "type": "flatten" } (or a global pooling layer) before it';

function convLength(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

function describeInput(shape: readonly number[]): string {
  if (shape.length === 3) return `an image ${shapeText(shape)} (height, width, channels)`;
  if (shape.length === 2) return `a sequence ${shapeText(shape)} (steps, features)`;
  return `a flat vector of ${shape[0]} values`;
}

/** One layer: its output shape and parameters, or why it cannot follow `input`. */
export function layerShape(spec: LayerSpec, input: readonly number[], index: number): LayerShape | ShapeIssue {
  const issue = (message: string, option?: keyof LayerSpec): ShapeIssue => (option ? { index, option, message } : { index, message });
  const rank = input.length;
  const last = input[rank - 1];
  const bias = spec.useBias ?? LAYER_DEFAULTS.useBias;
  const ok = (outputShape: number[], params = 0, formula?: string, nonTrainable = 0): LayerShape => {
    const r: LayerShape = { index, spec, outputShape, params, nonTrainable };
    if (formula !== undefined) r.formula = formula;
    return r;
  };
  switch (spec.type) {
    case 'dense': {
      const units = spec.units ?? 0;
      if (rank === 3) return issue(`a dense layer needs a flat input, but it gets ${describeInput(input)}: ${FLATTEN_HINT}`);
      const params = last * units + (bias ? units : 0);
      const formula = bias ? `${fmt(last)} x ${fmt(units)} + ${fmt(units)} = ${fmt(params)}` : `${fmt(last)} x ${fmt(units)} = ${fmt(params)}`;
      return ok([...input.slice(0, -1), units], params, formula);
    }
    case 'dropout':
      return ok([...input]);
    case 'batchNormalization': {
      const params = 4 * last;
      return ok([...input], params, `4 x ${fmt(last)} = ${fmt(params)} (${fmt(2 * last)} non-trainable)`, 2 * last);
    }
    case 'flatten': {
      if (rank < 2) return issue(`flatten needs an image or a sequence, but its input is already ${describeInput(input)}`);
      return ok([input.reduce((a, b) => a * b, 1)]);
    }
    case 'conv2d':
    case 'maxPooling2d':
    case 'averagePooling2d': {
      if (rank !== 3) {
        return issue(
          `${spec.type} needs an image [height, width, channels], but it gets ${describeInput(input)}: use an image folder, or a reshape layer before it (e.g. "targetShape": [28, 28, 1])`,
        );
      }
      const isConv = spec.type === 'conv2d';
      const [kh, kw] = isConv ? pair(spec.kernelSize, 1) : pair(spec.poolSize, LAYER_DEFAULTS.poolSize);
      const [sh, sw] = isConv ? pair(spec.strides, LAYER_DEFAULTS.strides) : pair(spec.strides ?? spec.poolSize, LAYER_DEFAULTS.poolSize);
      const padding = spec.padding ?? LAYER_DEFAULTS.padding;
      const h = convLength(input[0], kh, sh, padding);
      const w = convLength(input[1], kw, sw, padding);
      if (h < 1 || w < 1) {
        return issue(
          `${isConv ? 'kernel' : 'pool'} ${kh}x${kw} is larger than its ${input[0]}x${input[1]} input (use "padding": "same" or a smaller size)`,
          isConv ? 'kernelSize' : 'poolSize',
        );
      }
      if (!isConv) return ok([h, w, last]);
      const filters = spec.filters ?? 0;
      const params = kh * kw * last * filters + (bias ? filters : 0);
      const formula = `${kh} x ${kw} x ${fmt(last)} x ${fmt(filters)}${bias ? ` + ${fmt(filters)}` : ''} = ${fmt(params)}`;
      return ok([h, w, filters], params, formula);
    }
    case 'globalAveragePooling2d':
      if (rank !== 3) return issue(`globalAveragePooling2d needs an image [height, width, channels], but it gets ${describeInput(input)}`);
      return ok([last]);
    case 'globalAveragePooling1d':
      if (rank !== 2) return issue(`globalAveragePooling1d needs a sequence [steps, features], but it gets ${describeInput(input)}`);
      return ok([last]);
    case 'reshape': {
      const target = spec.targetShape ?? [];
      const total = input.reduce((a, b) => a * b, 1);
      const known = target.reduce((a, b) => a * b, 1);
      if (known !== total) {
        return issue(`targetShape ${shapeText(target)} holds ${fmt(known)} values, but the input ${shapeText(input)} has ${fmt(total)}`, 'targetShape');
      }
      return ok([...target]);
    }
    case 'embedding': {
      if (rank !== 1) return issue(`embedding needs a flat list of token ids, but it gets ${describeInput(input)}`);
      const inDim = spec.inputDim ?? 0;
      const outDim = spec.outputDim ?? 0;
      const params = inDim * outDim;
      return ok([input[0], outDim], params, `${fmt(inDim)} x ${fmt(outDim)} = ${fmt(params)}`);
    }
    case 'simpleRNN':
    case 'lstm':
    case 'gru': {
      if (rank !== 2) {
        return issue(
          `${spec.type} needs a sequence [steps, features], but it gets ${describeInput(input)}: put an embedding, or a reshape (e.g. "targetShape": [${rank === 1 ? input[0] : 'steps'}, 1]), before it`,
        );
      }
      const units = spec.units ?? 0;
      const gates = spec.type === 'lstm' ? 4 : spec.type === 'gru' ? 3 : 1;
      const one = units * last + units * units + (bias ? units : 0);
      const params = gates * one;
      const inner = `${fmt(units)} x ${fmt(last)} + ${fmt(units)} x ${fmt(units)}${bias ? ` + ${fmt(units)}` : ''}`;
      const formula = gates === 1 ? `${inner} = ${fmt(params)}` : `${gates} x (${inner}) = ${fmt(params)}`;
      const seq = spec.returnSequences ?? LAYER_DEFAULTS.returnSequences;
      return ok(seq ? [input[0], units] : [units], params, formula);
    }
    case 'conv1d': {
      if (rank !== 2) {
        return issue(`conv1d needs a sequence [steps, features], but it gets ${describeInput(input)}: put an embedding or a reshape before it`);
      }
      if (Array.isArray(spec.kernelSize)) return issue('conv1d takes a single kernelSize number', 'kernelSize');
      if (Array.isArray(spec.strides)) return issue('conv1d takes a single strides number', 'strides');
      const k = spec.kernelSize ?? 1;
      const s = spec.strides ?? LAYER_DEFAULTS.strides;
      const steps = convLength(input[0], k, s, spec.padding ?? LAYER_DEFAULTS.padding);
      if (steps < 1) return issue(`kernel ${k} is longer than the ${input[0]} steps of its input`, 'kernelSize');
      const filters = spec.filters ?? 0;
      const params = k * last * filters + (bias ? filters : 0);
      return ok([steps, filters], params, `${k} x ${fmt(last)} x ${fmt(filters)}${bias ? ` + ${fmt(filters)}` : ''} = ${fmt(params)}`);
    }
  }
}

export function inferShapes(inputShape: readonly number[], layers: readonly LayerSpec[], firstIndex = 0): ShapeResult {
  const out: LayerShape[] = [];
  let shape: number[] = [...inputShape];
  for (let i = 0; i < layers.length; i++) {
    const r = layerShape(layers[i], shape, firstIndex + i);
    if (!('outputShape' in r)) return { layers: out, issue: r };
    out.push(r);
    shape = r.outputShape;
  }
  return { layers: out, outputShape: shape };
}

/** Why the derived output layer (dense) cannot follow this shape, if it cannot. */
export function outputIssue(shape: readonly number[]): string | undefined {
  if (shape.length === 1) return undefined;
  return `the output layer needs a flat vector, but the last hidden layer gives ${describeInput(shape)}: add { "type": "flatten" } or a global pooling layer at the end`;
}

export function denseParams(inputs: number, units: number): { params: number; formula: string } {
  const params = inputs * units + units;
  return { params, formula: `${fmt(inputs)} x ${fmt(units)} + ${fmt(units)} = ${fmt(params)}` };
}
