// The shape of a `.dlmodel.json` file as rules the structural checker walks (parse.ts). The JSON schema in
// schemas/dlmodel.schema.json says the same for the editor; a unit test keeps their enum lists equal.
import { ACTIVATIONS, LAYER_TYPES, LOSSES, MERGE_MODES, METRICS, OPTIMIZERS, TASKS, TOKENS } from './types';

export { TASKS };
export const NORMALIZE = ['standard', 'minmax', 'none'] as const;
export const MISSING = ['drop', 'mean', 'error'] as const;
export const PADDING = ['valid', 'same'] as const;
export const CHANNELS = [1, 3, 4] as const;

export type Rule =
  | { t: 'string'; enum?: readonly string[]; enumName?: string; nonEmpty?: boolean }
  | {
      t: 'number';
      int?: boolean;
      min?: number;
      max?: number;
      /** `max` itself is not allowed. */
      maxExclusive?: boolean;
      minExclusive?: boolean;
      enum?: readonly number[];
    }
  | { t: 'boolean' }
  | { t: 'array'; items: Rule; minItems?: number; maxItems?: number; unique?: boolean; what?: string }
  | {
      t: 'object';
      props: Record<string, Prop>;
      what: string;
      kind?: 'layer';
      /** Exactly one of these two properties; `missing` is the message when neither is given. */
      exactlyOne?: { names: [string, string]; missing: string };
    }
  | { t: 'union'; options: Rule[]; expected: string }
  /** An object of column -> number | string | boolean | null (a data row). */
  | { t: 'row' };

export interface Prop {
  rule: Rule;
  required?: boolean;
  /** Short phrase used when it is missing: `data needs "target" (the column to predict)`. */
  doc?: string;
}

const posInt: Rule = { t: 'number', int: true, min: 1 };
const intOrPair: Rule = {
  t: 'union',
  expected: 'a whole number or a pair [height, width]',
  options: [posInt, { t: 'array', items: posInt, minItems: 2, maxItems: 2, what: '[height, width]' }],
};
const stringList: Rule = { t: 'array', items: { t: 'string', nonEmpty: true }, unique: true, what: 'column names' };

export const LAYER_RULE: Rule = {
  t: 'object',
  what: 'a layer',
  kind: 'layer',
  props: {
    type: { rule: { t: 'string', enum: LAYER_TYPES, enumName: 'a layer type' }, required: true, doc: 'the layer type, e.g. "dense"' },
    units: { rule: posInt },
    activation: { rule: { t: 'string', enum: ACTIVATIONS, enumName: 'an activation' } },
    useBias: { rule: { t: 'boolean' } },
    rate: { rule: { t: 'number', min: 0, max: 1, maxExclusive: true } },
    filters: { rule: posInt },
    kernelSize: { rule: intOrPair },
    strides: { rule: intOrPair },
    padding: { rule: { t: 'string', enum: PADDING, enumName: 'a padding' } },
    poolSize: { rule: intOrPair },
    // No -1 entries: TensorFlow.js leaves such a dimension unknown, and a later flatten or dense fails.
    targetShape: { rule: { t: 'array', items: { t: 'number', int: true, min: 1 }, minItems: 1, what: 'a shape' } },
    inputDim: { rule: posInt },
    outputDim: { rule: posInt },
    returnSequences: { rule: { t: 'boolean' } },
    n: { rule: posInt },
    size: { rule: intOrPair },
    mergeMode: { rule: { t: 'string', enum: MERGE_MODES, enumName: 'a merge mode' } },
    name: { rule: { t: 'string', nonEmpty: true } },
  },
};
// bidirectional's `layer` is itself a layer.
(LAYER_RULE as Extract<Rule, { t: 'object' }>).props.layer = { rule: LAYER_RULE };

const textOptions = (what: string, withColumn: boolean): Rule => ({
  t: 'object',
  what,
  props: {
    ...(withColumn ? { column: { rule: { t: 'string', nonEmpty: true }, required: true, doc: 'the text column' } as Prop } : {}),
    tokens: { rule: { t: 'string', enum: TOKENS, enumName: 'a tokenization' } },
    lowercase: { rule: { t: 'boolean' } },
    maxLength: { rule: posInt },
    vocabularySize: { rule: posInt },
  },
});

export const SPEC_RULE: Rule = {
  t: 'object',
  what: 'the experiment',
  props: {
    $schema: { rule: { t: 'string' } },
    name: { rule: { t: 'string', nonEmpty: true } },
    description: { rule: { t: 'string' } },
    task: { rule: { t: 'string', enum: TASKS, enumName: 'a task' } },
    data: {
      required: true,
      doc: 'where the examples come from and which column to predict',
      rule: {
        t: 'object',
        what: 'data',
        exactlyOne: {
          names: ['source', 'rows'],
          missing: 'data needs "source" (a .csv/.tsv/.json/.jsonl file or an image folder) or "rows" (the examples inline)',
        },
        props: {
          source: { rule: { t: 'string', nonEmpty: true } },
          rows: { rule: { t: 'array', items: { t: 'row' }, minItems: 1, what: 'rows' } },
          target: {
            doc: 'the column to predict',
            rule: {
              t: 'union',
              expected: 'a column name or a list of column names',
              options: [{ t: 'string', nonEmpty: true }, { ...stringList, minItems: 1 } as Rule],
            },
          },
          features: { rule: { ...stringList, minItems: 1 } as Rule },
          ignore: { rule: stringList },
          normalize: { rule: { t: 'string', enum: NORMALIZE, enumName: 'a normalization' } },
          missing: { rule: { t: 'string', enum: MISSING, enumName: 'a missing-value policy' } },
          validationSplit: { rule: { t: 'number', min: 0, max: 1, maxExclusive: true } },
          shuffle: { rule: { t: 'boolean' } },
          text: {
            rule: { t: 'union', expected: 'a column name or { "column": ..., "tokens": ... }', options: [{ t: 'string', nonEmpty: true }, textOptions('text', true)] },
          },
          targetText: { rule: textOptions('targetText', false) },
          categorical: { rule: stringList },
          label: { rule: { t: 'string', nonEmpty: true } },
          image: {
            rule: {
              t: 'object',
              what: 'image',
              props: {
                width: { rule: posInt, required: true, doc: 'pixels' },
                height: { rule: posInt, required: true, doc: 'pixels' },
                channels: { rule: { t: 'number', enum: CHANNELS }, required: true, doc: '1 grey, 3 RGB, 4 RGBA' },
              },
            },
          },
        },
      },
    },
    model: {
      required: true,
      doc: 'the hidden layers',
      rule: {
        t: 'object',
        what: 'model',
        props: {
          layers: { required: true, doc: 'the hidden layers; may be empty: []', rule: { t: 'array', items: LAYER_RULE, what: 'layers' } },
          output: {
            rule: {
              t: 'object',
              what: 'output',
              props: { activation: { rule: { t: 'string', enum: ACTIVATIONS, enumName: 'an activation' } } },
            },
          },
          from: { rule: { t: 'string', nonEmpty: true } },
          freeze: { rule: { t: 'number', int: true, min: 0 } },
          clusters: { rule: { t: 'number', int: true, min: 2 } },
        },
      },
    },
    training: {
      rule: {
        t: 'object',
        what: 'training',
        props: {
          epochs: { rule: posInt },
          batchSize: { rule: posInt },
          optimizer: {
            rule: {
              t: 'union',
              expected: 'an optimizer name or { "type": ..., "learningRate": ... }',
              options: [
                { t: 'string', enum: OPTIMIZERS, enumName: 'an optimizer' },
                {
                  t: 'object',
                  what: 'optimizer',
                  props: {
                    type: { rule: { t: 'string', enum: OPTIMIZERS, enumName: 'an optimizer' }, required: true, doc: 'e.g. "adam"' },
                    learningRate: { rule: { t: 'number', min: 0, minExclusive: true } },
                  },
                },
              ],
            },
          },
          learningRate: { rule: { t: 'number', min: 0, minExclusive: true } },
          loss: { rule: { t: 'string', enum: LOSSES, enumName: 'a loss' } },
          metrics: { rule: { t: 'array', items: { t: 'string', enum: METRICS, enumName: 'a metric' }, unique: true, what: 'metrics' } },
          earlyStopping: {
            rule: {
              t: 'object',
              what: 'earlyStopping',
              props: {
                monitor: { rule: { t: 'string', nonEmpty: true } },
                patience: { rule: { t: 'number', int: true, min: 0 } },
                minDelta: { rule: { t: 'number', min: 0 } },
                restoreBestWeights: { rule: { t: 'boolean' } },
              },
            },
          },
          seed: { rule: { t: 'number', int: true, min: 0 } },
          pseudoLabels: {
            rule: {
              t: 'object',
              what: 'pseudoLabels',
              props: {
                threshold: { rule: { t: 'number', min: 0, max: 1, minExclusive: true } },
                rounds: { rule: posInt },
              },
            },
          },
        },
      },
    },
    predict: {
      rule: {
        t: 'object',
        what: 'predict',
        exactlyOne: { names: ['inputs', 'source'], missing: 'predict needs "inputs" (examples inline) or "source" (a file or folder of examples)' },
        props: {
          inputs: { rule: { t: 'array', items: { t: 'row' }, minItems: 1, what: 'inputs' } },
          source: { rule: { t: 'string', nonEmpty: true } },
        },
      },
    },
  },
};
