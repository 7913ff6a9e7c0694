// Convolutions and pooling, over images [height, width, channels] and sequences [steps, features].
import type { LayerSpec } from '../types';
import { convLength, describeInput, fmt, ok, pair, type LayerDescriptor, type LayerShapeIssue, type LayerShapeOk } from './descriptor';

const needImage = (type: string, input: readonly number[]): LayerShapeIssue => ({
  issue: `${type} needs an image [height, width, channels], but it gets ${describeInput(input)}: use an image folder, or a reshape layer before it (e.g. "targetShape": [28, 28, 1])`,
});
const needSequence = (type: string, input: readonly number[]): LayerShapeIssue => ({
  issue: `${type} needs a sequence [steps, features], but it gets ${describeInput(input)}: put an embedding or a reshape before it`,
});

const convConfig = (l: LayerSpec) => ({
  filters: l.filters,
  kernelSize: l.kernelSize,
  strides: l.strides,
  padding: l.padding,
  activation: l.activation,
  useBias: l.useBias,
});

export const conv2d: LayerDescriptor = {
  doc: '2D convolution: `filters` small kernels slid over the image.',
  options: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'name'],
  required: ['filters', 'kernelSize'],
  defaults: () => ({ strides: 1, padding: 'valid', activation: 'linear', useBias: true }),
  shape(l, input) {
    if (input.length !== 3) return needImage('conv2d', input);
    const [kh, kw] = pair(l.kernelSize, 1);
    const [sh, sw] = pair(l.strides, 1);
    const h = convLength(input[0], kh, sh, l.padding ?? 'valid');
    const w = convLength(input[1], kw, sw, l.padding ?? 'valid');
    if (h < 1 || w < 1) return { issue: `kernel ${kh}x${kw} is larger than its ${input[0]}x${input[1]} input (use "padding": "same" or a smaller size)`, option: 'kernelSize' };
    const c = input[2];
    const filters = l.filters ?? 0;
    const params = kh * kw * c * filters + (l.useBias ? filters : 0);
    return ok([h, w, filters], params, `${kh} x ${kw} x ${fmt(c)} x ${fmt(filters)}${l.useBias ? ` + ${fmt(filters)}` : ''} = ${fmt(params)}`);
  },
  tfjs: { className: 'Conv2D', factory: 'conv2d', config: convConfig, seeded: ['kernel'] },
};

/** TensorFlow.js's deconvolution length: each input position spreads over `stride` outputs. */
function deconvLength(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? size * stride : size * stride + Math.max(kernel - stride, 0);
}

export const conv2dTranspose: LayerDescriptor = {
  doc: 'Transposed 2D convolution: grows an image (strides 2 doubles it), as in a decoder.',
  options: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'name'],
  required: ['filters', 'kernelSize'],
  defaults: () => ({ strides: 1, padding: 'valid', activation: 'linear', useBias: true }),
  shape(l, input) {
    if (input.length !== 3) return needImage('conv2dTranspose', input);
    const [kh, kw] = pair(l.kernelSize, 1);
    const [sh, sw] = pair(l.strides, 1);
    const pad = l.padding ?? 'valid';
    const c = input[2];
    const filters = l.filters ?? 0;
    const params = kh * kw * c * filters + (l.useBias ? filters : 0);
    return ok(
      [deconvLength(input[0], kh, sh, pad), deconvLength(input[1], kw, sw, pad), filters],
      params,
      `${kh} x ${kw} x ${fmt(c)} x ${fmt(filters)}${l.useBias ? ` + ${fmt(filters)}` : ''} = ${fmt(params)}`,
    );
  },
  tfjs: { className: 'Conv2DTranspose', factory: 'conv2dTranspose', config: convConfig, seeded: ['kernel'] },
};

function pooling2d(type: 'maxPooling2d' | 'averagePooling2d', className: string, doc: string): LayerDescriptor {
  return {
    doc,
    options: ['poolSize', 'strides', 'padding', 'name'],
    required: [],
    // TensorFlow.js: strides default to the pool size.
    defaults: (l) => ({ poolSize: 2, strides: l.poolSize ?? 2, padding: 'valid' }),
    shape(l, input): LayerShapeOk | LayerShapeIssue {
      if (input.length !== 3) return needImage(type, input);
      const [kh, kw] = pair(l.poolSize, 2);
      const [sh, sw] = pair(l.strides, 2);
      const h = convLength(input[0], kh, sh, l.padding ?? 'valid');
      const w = convLength(input[1], kw, sw, l.padding ?? 'valid');
      if (h < 1 || w < 1) return { issue: `pool ${kh}x${kw} is larger than its ${input[0]}x${input[1]} input (use "padding": "same" or a smaller size)`, option: 'poolSize' };
      return ok([h, w, input[2]]);
    },
    tfjs: { className, factory: type, config: (l) => ({ poolSize: l.poolSize, strides: l.strides, padding: l.padding }) },
  };
}

export const maxPooling2d = pooling2d('maxPooling2d', 'MaxPooling2D', 'Keeps the largest value of each poolSize window (no parameters).');
export const averagePooling2d = pooling2d('averagePooling2d', 'AveragePooling2D', 'Averages each poolSize window (no parameters).');

export const globalAveragePooling2d: LayerDescriptor = {
  doc: 'Averages each channel over the whole image: one value per channel.',
  options: ['name'],
  required: [],
  defaults: () => ({}),
  shape: (_l, input) => (input.length !== 3 ? { issue: `globalAveragePooling2d needs an image [height, width, channels], but it gets ${describeInput(input)}` } : ok([input[2]])),
  tfjs: { className: 'GlobalAveragePooling2D', factory: 'globalAveragePooling2d', config: () => ({}) },
};

export const upSampling2d: LayerDescriptor = {
  doc: 'Repeats each pixel `size` times in height and width: grows an image (no parameters).',
  options: ['size', 'name'],
  required: [],
  defaults: () => ({ size: [2, 2] }),
  shape(l, input) {
    if (input.length !== 3) return needImage('upSampling2d', input);
    const [sh, sw] = pair(l.size, 2);
    return ok([input[0] * sh, input[1] * sw, input[2]]);
  },
  tfjs: { className: 'UpSampling2D', factory: 'upSampling2d', config: (l) => ({ size: pair(l.size, 2) }) },
};

export const conv1d: LayerDescriptor = {
  doc: '1D convolution over a sequence.',
  options: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'name'],
  required: ['filters', 'kernelSize'],
  defaults: () => ({ strides: 1, padding: 'valid', activation: 'linear', useBias: true }),
  shape(l, input) {
    if (input.length !== 2) return needSequence('conv1d', input);
    if (Array.isArray(l.kernelSize)) return { issue: 'conv1d takes a single kernelSize number', option: 'kernelSize' };
    if (Array.isArray(l.strides)) return { issue: 'conv1d takes a single strides number', option: 'strides' };
    const k = l.kernelSize ?? 1;
    const steps = convLength(input[0], k, l.strides ?? 1, l.padding ?? 'valid');
    if (steps < 1) return { issue: `kernel ${k} is longer than the ${input[0]} steps of its input`, option: 'kernelSize' };
    const last = input[1];
    const filters = l.filters ?? 0;
    const params = k * last * filters + (l.useBias ? filters : 0);
    return ok([steps, filters], params, `${k} x ${fmt(last)} x ${fmt(filters)}${l.useBias ? ` + ${fmt(filters)}` : ''} = ${fmt(params)}`);
  },
  tfjs: { className: 'Conv1D', factory: 'conv1d', config: convConfig, seeded: ['kernel'] },
};

export const maxPooling1d: LayerDescriptor = {
  doc: 'Keeps the largest value of each poolSize window along a sequence (no parameters).',
  options: ['poolSize', 'strides', 'padding', 'name'],
  required: [],
  defaults: (l) => ({ poolSize: 2, strides: l.poolSize ?? 2, padding: 'valid' }),
  shape(l, input) {
    if (input.length !== 2) return needSequence('maxPooling1d', input);
    if (Array.isArray(l.poolSize)) return { issue: 'maxPooling1d takes a single poolSize number', option: 'poolSize' };
    if (Array.isArray(l.strides)) return { issue: 'maxPooling1d takes a single strides number', option: 'strides' };
    const steps = convLength(input[0], l.poolSize ?? 2, l.strides ?? 2, l.padding ?? 'valid');
    if (steps < 1) return { issue: `pool ${l.poolSize} is longer than the ${input[0]} steps of its input`, option: 'poolSize' };
    return ok([steps, input[1]]);
  },
  tfjs: { className: 'MaxPooling1D', factory: 'maxPooling1d', config: (l) => ({ poolSize: l.poolSize, strides: l.strides, padding: l.padding }) },
};

export const globalAveragePooling1d: LayerDescriptor = {
  doc: 'Averages each feature over the whole sequence.',
  options: ['name'],
  required: [],
  defaults: () => ({}),
  shape: (_l, input) => (input.length !== 2 ? { issue: `globalAveragePooling1d needs a sequence [steps, features], but it gets ${describeInput(input)}` } : ok([input[1]])),
  tfjs: { className: 'GlobalAveragePooling1D', factory: 'globalAveragePooling1d', config: () => ({}) },
};

export const globalMaxPooling1d: LayerDescriptor = {
  doc: 'Keeps the largest value of each feature over the whole sequence.',
  options: ['name'],
  required: [],
  defaults: () => ({}),
  shape: (_l, input) => (input.length !== 2 ? { issue: `globalMaxPooling1d needs a sequence [steps, features], but it gets ${describeInput(input)}` } : ok([input[1]])),
  tfjs: { className: 'GlobalMaxPooling1D', factory: 'globalMaxPooling1d', config: () => ({}) },
};
