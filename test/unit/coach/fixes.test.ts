import { strict as assert } from 'node:assert';
import { applyFix, fixTitle, insightSpan } from '../../../src/coach/fixes';
import { parseSpecText } from '../../../src/format/parse';

const SPEC = `{
  // the diabetes example
  "data": { "source": "diabetes.csv", "target": "progression" },
  "model": {
    "layers": [
      { "type": "dense", "units": 256, "activation": "relu" },
      { "type": "dense", "units": 256, "activation": "relu" },
    ]
  },
  "training": {
    "epochs": 150,
    "learningRate": 0.003, // fast
    "seed": 42
  }
}
`;

const at = (text: string, s: { offset: number; length: number }) => text.slice(s.offset, s.offset + s.length);

describe('coach/fixes: where an insight goes, and its quick fixes', () => {
  it('puts each insight on the line it concerns', () => {
    assert.equal(at(SPEC, insightSpan(SPEC, { about: 'epochs' })), '"epochs": 150');
    assert.equal(at(SPEC, insightSpan(SPEC, { about: 'learningRate' })), '"learningRate": 0.003');
    assert.equal(at(SPEC, insightSpan(SPEC, { about: 'layer', layer: 1 })), '"type": "dense"');
    assert.equal(SPEC.slice(0, insightSpan(SPEC, { about: 'layer', layer: 1 }).offset).split('\n').length, 7);
    assert.equal(at(SPEC, insightSpan(SPEC, { about: 'layers' })), '"layers"');
    // Absent fields fall back to their block.
    const bare = '{ "data": { "rows": [] }, "model": { "layers": [] }, "training": { "optimizer": { "type": "sgd", "learningRate": 2 } } }';
    assert.equal(at(bare, insightSpan(bare, { about: 'epochs' })), '"training"');
    assert.equal(at(bare, insightSpan(bare, { about: 'learningRate' })), '"learningRate": 2');
  });

  it('adds earlyStopping with restoreBestWeights, keeping comments, and the result is a valid spec', () => {
    const fixed = applyFix(SPEC, { kind: 'earlyStopping', patience: 5 });
    assert.match(fixed, /\/\/ fast/);
    assert.match(fixed, /\/\/ the diabetes example/);
    const { spec, problems } = parseSpecText(fixed);
    assert.deepEqual(problems, []);
    assert.deepEqual(spec?.training?.earlyStopping, { monitor: 'val_loss', patience: 5, restoreBestWeights: true });
    // An existing earlyStopping keeps its settings.
    const again = applyFix(applyFix(SPEC, { kind: 'earlyStopping', patience: 5 }).replace('"patience": 5', '"patience": 9').replace('"restoreBestWeights": true', '"minDelta": 1'), { kind: 'earlyStopping', patience: 5 });
    assert.deepEqual(parseSpecText(again).spec?.training?.earlyStopping, { monitor: 'val_loss', patience: 9, minDelta: 1, restoreBestWeights: true });
  });

  it('sets epochs and the learning rate where they are written', () => {
    assert.equal(parseSpecText(applyFix(SPEC, { kind: 'setEpochs', epochs: 12 })).spec?.training?.epochs, 12);
    assert.equal(parseSpecText(applyFix(SPEC, { kind: 'setLearningRate', learningRate: 0.0003 })).spec?.training?.learningRate, 0.0003);
    const opt = '{ "data": { "rows": [{"x": 1, "y": 2}], "target": "y" }, "model": { "layers": [] }, "training": { "optimizer": { "type": "sgd", "learningRate": 2 } } }';
    const fixed = parseSpecText(applyFix(opt, { kind: 'setLearningRate', learningRate: 0.2 })).spec?.training;
    assert.deepEqual(fixed?.optimizer, { type: 'sgd', learningRate: 0.2 });
    assert.equal(fixed?.learningRate, undefined);
    assert.equal(fixTitle({ kind: 'setEpochs', epochs: 12 }), 'Set epochs to 12 (the best epoch)');
  });
});
