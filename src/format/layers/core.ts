// Dense, dropout, batch normalization and the layers that only move values around.
import { describeInput, fmt, FLATTEN_HINT, ok, shapeText, type LayerDescriptor } from './descriptor';

export const dense: LayerDescriptor = {
  doc: 'Fully connected layer: every neuron has one weight per input and a bias.',
  options: ['units', 'activation', 'useBias', 'name'],
  required: ['units'],
  defaults: () => ({ activation: 'linear', useBias: true }),
  shape(l, input) {
    if (input.length === 3) return { issue: `a dense layer needs a flat input, but it gets ${describeInput(input)}: ${FLATTEN_HINT}` };
    const last = input[input.length - 1];
    const units = l.units ?? 0;
    const params = last * units + (l.useBias ? units : 0);
    const formula = l.useBias ? `${fmt(last)} x ${fmt(units)} + ${fmt(units)} = ${fmt(params)}` : `${fmt(last)} x ${fmt(units)} = ${fmt(params)}`;
    return ok([...input.slice(0, -1), units], params, formula);
  },
  tfjs: {
    className: 'Dense',
    factory: 'dense',
    config: (l) => ({ units: l.units, activation: l.activation, useBias: l.useBias }),
    seeded: ['kernel'],
  },
};

export const dropout: LayerDescriptor = {
  doc: 'During training, sets a random fraction `rate` of its inputs to 0 (no parameters).',
  options: ['rate', 'name'],
  required: ['rate'],
  defaults: () => ({}),
  shape: (_l, input) => ok([...input]),
  // No seed: tfjs would reuse one fixed mask for every batch. The trainer seeds Math.random instead.
  tfjs: { className: 'Dropout', factory: 'dropout', config: (l) => ({ rate: l.rate }) },
};

export const batchNormalization: LayerDescriptor = {
  doc: 'Normalizes its inputs per channel: a learned scale and shift, plus a moving mean and variance.',
  options: ['name'],
  required: [],
  defaults: () => ({}),
  shape(_l, input) {
    const last = input[input.length - 1];
    const params = 4 * last;
    return ok([...input], params, `4 x ${fmt(last)} = ${fmt(params)} (${fmt(2 * last)} non-trainable)`, 2 * last);
  },
  tfjs: { className: 'BatchNormalization', factory: 'batchNormalization', config: () => ({}) },
};

export const flatten: LayerDescriptor = {
  doc: 'Turns an image or sequence into one flat vector (no parameters).',
  options: ['name'],
  required: [],
  defaults: () => ({}),
  shape(_l, input) {
    if (input.length < 2) return { issue: `flatten needs an image or a sequence, but its input is already ${describeInput(input)}` };
    return ok([input.reduce((a, b) => a * b, 1)]);
  },
  tfjs: { className: 'Flatten', factory: 'flatten', config: () => ({}) },
};

export const reshape: LayerDescriptor = {
  doc: 'Rearranges its input into `targetShape` (same number of values).',
  options: ['targetShape', 'name'],
  required: ['targetShape'],
  defaults: () => ({}),
  shape(l, input) {
    const target = l.targetShape ?? [];
    const total = input.reduce((a, b) => a * b, 1);
    const known = target.reduce((a, b) => a * b, 1);
    if (known !== total) {
      return { issue: `targetShape ${shapeText(target)} holds ${fmt(known)} values, but the input ${shapeText(input)} has ${fmt(total)}`, option: 'targetShape' };
    }
    return ok([...target]);
  },
  tfjs: { className: 'Reshape', factory: 'reshape', config: (l) => ({ targetShape: l.targetShape }) },
};

export const repeatVector: LayerDescriptor = {
  doc: 'Repeats its input vector `n` times: a sequence of n copies (n is derived for a sequence target).',
  options: ['n', 'name'],
  required: [],
  defaults: (_l, ctx) => (ctx.targetLength !== undefined ? { n: ctx.targetLength } : {}),
  shape(l, input) {
    if (input.length !== 1) return { issue: `repeatVector needs a flat vector, but it gets ${describeInput(input)}` };
    if (l.n === undefined) return { issue: 'repeatVector needs "n" (how many copies): it is derived only for a sequence target ("task": "sequence")' };
    return ok([l.n, input[0]]);
  },
  tfjs: { className: 'RepeatVector', factory: 'repeatVector', config: (l) => ({ n: l.n }) },
};
