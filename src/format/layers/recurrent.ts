// Token embeddings and recurrent layers, for text and other sequences.
import type { LayerSpec } from '../types';
import { describeInput, fmt, ok, type LayerDescriptor } from './descriptor';

export const embedding: LayerDescriptor = {
  doc: 'Maps each integer token id (0 .. inputDim-1) to a learned vector of outputDim values.',
  options: ['inputDim', 'outputDim', 'name'],
  // inputDim is derived from the vocabulary when the data has a text column.
  required: ['outputDim'],
  defaults: (_l, ctx) => (ctx.vocabularySize !== undefined ? { inputDim: ctx.vocabularySize } : {}),
  shape(l, input) {
    if (input.length !== 1) return { issue: `embedding needs a flat list of token ids, but it gets ${describeInput(input)}` };
    if (l.inputDim === undefined) return { issue: 'embedding needs "inputDim" (the number of distinct token ids)' };
    const outDim = l.outputDim ?? 0;
    const params = l.inputDim * outDim;
    return ok([input[0], outDim], params, `${fmt(l.inputDim)} x ${fmt(outDim)} = ${fmt(params)}`);
  },
  tfjs: { className: 'Embedding', factory: 'embedding', config: (l) => ({ inputDim: l.inputDim, outputDim: l.outputDim }), seeded: ['embeddings'] },
};

function recurrent(type: 'simpleRNN' | 'lstm' | 'gru', className: string, gates: number, doc: string): LayerDescriptor {
  return {
    doc,
    options: ['units', 'activation', 'useBias', 'returnSequences', 'name'],
    required: ['units'],
    defaults: () => ({ activation: 'tanh', useBias: true, returnSequences: false }),
    shape(l, input) {
      if (input.length !== 2) {
        return {
          issue: `${type} needs a sequence [steps, features], but it gets ${describeInput(input)}: put an embedding, or a reshape (e.g. "targetShape": [${input.length === 1 ? input[0] : 'steps'}, 1]), before it`,
        };
      }
      const last = input[1];
      const units = l.units ?? 0;
      const one = units * last + units * units + (l.useBias ? units : 0);
      const params = gates * one;
      const inner = `${fmt(units)} x ${fmt(last)} + ${fmt(units)} x ${fmt(units)}${l.useBias ? ` + ${fmt(units)}` : ''}`;
      const formula = gates === 1 ? `${inner} = ${fmt(params)}` : `${gates} x (${inner}) = ${fmt(params)}`;
      return ok(l.returnSequences ? [input[0], units] : [units], params, formula);
    },
    tfjs: {
      className,
      factory: type,
      // recurrentActivation: Keras 2 and PyTorch gate with the logistic sigmoid; tfjs still defaults to the hard
      // sigmoid. Only LSTM and GRU have gates.
      config: (l: LayerSpec) => ({
        units: l.units,
        activation: l.activation,
        useBias: l.useBias,
        returnSequences: l.returnSequences,
        ...(gates > 1 ? { recurrentActivation: 'sigmoid' } : {}),
      }),
      seeded: ['kernel', 'recurrent'],
    },
  };
}

export const simpleRNN = recurrent('simpleRNN', 'SimpleRNN', 1, 'Recurrent layer: reads a sequence step by step, keeping a state of `units` values.');
export const lstm = recurrent('lstm', 'LSTM', 4, 'Long short-term memory: a recurrent layer with gates that keep information over long sequences.');
export const gru = recurrent('gru', 'GRU', 3, 'Gated recurrent unit: a lighter gated recurrent layer.');
