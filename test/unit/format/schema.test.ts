// schemas/dlmodel.schema.json (what VS Code validates and completes with) agrees with the types and with
// the parser's own checks.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseJsonc } from 'jsonc-parser';
import { LAYER_INFO } from '../../../src/format/layers';
import { parseSpecText } from '../../../src/format/parse';
import { CHANNELS, MISSING, NORMALIZE, PADDING, TASKS } from '../../../src/format/structure';
import {
  ACTIVATIONS, LAYER_TYPES, LOSSES, METRICS, OPTIMIZERS,
  type Missing, type Normalize, type Task,
} from '../../../src/format/types';

const ROOT = join(__dirname, '..', '..', '..');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const schema: Json = JSON.parse(readFileSync(join(ROOT, 'schemas', 'dlmodel.schema.json'), 'utf8'));
const layer: Json = schema.definitions.layer;

// Compile-time: the structure lists are exactly the unions of types.ts.
const sameTask: Record<Task, true> = { classification: true, regression: true, sequence: true, autoencoder: true };
const sameNormalize: Record<Normalize, true> = { standard: true, minmax: true, none: true };
const sameMissing: Record<Missing, true> = { drop: true, mean: true, error: true };

describe('JSON schema', () => {
  it('lists exactly the enums of src/format/types.ts', () => {
    const t = schema.properties.training.properties;
    assert.deepEqual(layer.properties.type.enum, [...LAYER_TYPES]);
    assert.deepEqual(layer.properties.activation.enum, [...ACTIVATIONS]);
    assert.deepEqual(schema.properties.model.properties.output.properties.activation.enum, [...ACTIVATIONS]);
    assert.deepEqual(t.optimizer.oneOf[0].enum, [...OPTIMIZERS]);
    assert.deepEqual(t.optimizer.oneOf[1].properties.type.enum, [...OPTIMIZERS]);
    assert.deepEqual(t.loss.enum, [...LOSSES]);
    assert.deepEqual(t.metrics.items.enum, [...METRICS]);
    assert.deepEqual(schema.properties.task.enum, [...TASKS]);
    assert.deepEqual(schema.properties.data.properties.normalize.enum, [...NORMALIZE]);
    assert.deepEqual(schema.properties.data.properties.missing.enum, [...MISSING]);
    assert.deepEqual(schema.properties.data.properties.image.properties.channels.enum, [...CHANNELS]);
    assert.deepEqual(layer.properties.padding.enum, [...PADDING]);
    assert.deepEqual(Object.keys(sameTask), [...TASKS]);
    assert.deepEqual(Object.keys(sameNormalize), [...NORMALIZE]);
    assert.deepEqual(Object.keys(sameMissing), [...MISSING]);
  });

  it('has one if/then per layer type with its options and required options', () => {
    const byType = new Map<string, Json>(layer.allOf.map((c: Json) => [c.if.properties.type.const, c.then]));
    assert.deepEqual([...byType.keys()].sort(), [...LAYER_TYPES].sort());
    for (const t of LAYER_TYPES) {
      const then = byType.get(t)!;
      assert.deepEqual(then.propertyNames.enum, ['type', ...LAYER_INFO[t].options], t);
      assert.deepEqual(then.required ?? [], [...LAYER_INFO[t].required], t);
    }
    assert.deepEqual(Object.keys(layer.properties).sort(), [...new Set(['type', ...LAYER_TYPES.flatMap((t) => LAYER_INFO[t].options)])].sort());
  });

  it('describes every property, and gives enum descriptions', () => {
    const missing: string[] = [];
    const walk = (node: Json, path: string) => {
      for (const [k, v] of Object.entries<Json>(node.properties ?? {})) {
        if (k !== '$schema' && !v.description && !v.markdownDescription) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
        if (v.items) walk(v.items, `${path}.${k}[]`);
        if (v.enum && v.type === 'string') assert.equal(v.enumDescriptions?.length, v.enum.length, `${path}.${k} enumDescriptions`);
      }
    };
    walk(schema, '');
    walk(layer, 'layer');
    assert.deepEqual(missing, []);
    assert.ok(layer.defaultSnippets.length >= 1 && schema.defaultSnippets.length >= 1);
  });

  it('allows comments and trailing commas, and package.json maps *.dlmodel.json to jsonc and this schema', () => {
    assert.equal(schema.allowComments, true);
    assert.equal(schema.allowTrailingCommas, true);
    const pkg: Json = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lang = pkg.contributes.languages.find((l: Json) => l.id === 'jsonc');
    assert.ok(lang.filenamePatterns.includes('*.dlmodel.json'));
    const v = pkg.contributes.jsonValidation.find((j: Json) => j.fileMatch === '*.dlmodel.json' || j.fileMatch?.includes?.('*.dlmodel.json'));
    assert.equal(v.url, './schemas/dlmodel.schema.json');
  });

  describe('validates like the parser', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const docs: [string, string, boolean][] = [
      ['the course example', readFileSync(join(ROOT, 'test', 'fixtures', 'spec', 'course.dlmodel.json'), 'utf8'), true],
      ['a CNN', '{"data":{"source":"d","target":"y","image":{"width":28,"height":28,"channels":1}},"model":{"layers":[{"type":"conv2d","filters":8,"kernelSize":[3,3],"padding":"same"},{"type":"maxPooling2d"},{"type":"flatten"}]},"training":{"optimizer":{"type":"sgd","learningRate":0.1},"metrics":["accuracy"],"earlyStopping":{"patience":3}}}', true],
      ['units on dropout', '{"data":{"source":"d","target":"y"},"model":{"layers":[{"type":"dropout","rate":0.1,"units":3}]}}', false],
      ['dense without units', '{"data":{"source":"d","target":"y"},"model":{"layers":[{"type":"dense"}]}}', false],
      ['source and rows', '{"data":{"source":"d","rows":[{"a":1}],"target":"y"},"model":{"layers":[]}}', false],
      ['bad activation', '{"data":{"source":"d","target":"y"},"model":{"layers":[{"type":"dense","units":1,"activation":"nope"}]}}', false],
      ['split of 1', '{"data":{"source":"d","target":"y","validationSplit":1},"model":{"layers":[]}}', false],
      ['unknown property', '{"data":{"source":"d","target":"y"},"model":{"layers":[]},"trainig":{}}', false],
      ['missing model', '{"data":{"source":"d","target":"y"}}', false],
      ['nested row value', '{"data":{"rows":[{"a":[1]}],"target":"a"},"model":{"layers":[]}}', false],
    ];
    for (const [name, text, ok] of docs) {
      it(`${name}: ${ok ? 'valid' : 'invalid'}`, () => {
        assert.equal(validate(parseJsonc(text)), ok, JSON.stringify(validate.errors));
        const ours = parseSpecText(text).problems;
        // The parser reports unknown properties as warnings; everything else the schema rejects is an error.
        const errors = ours.filter((p) => p.severity === 'error' || p.message.startsWith('unknown property'));
        assert.equal(errors.length === 0, ok, JSON.stringify(ours));
      });
    }
  });
});
