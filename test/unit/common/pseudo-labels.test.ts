import { strict as assert } from 'node:assert';
import {
  adoptConfident, EMPTY_PSEUDO_STATE, needsAdoption, roundOfEpoch, roundTrainingRows, semiSupervisedSplit, totalEpochs, withAdoption,
} from '../../../src/common/pseudo-labels';

describe('pseudo-label bookkeeping', () => {
  it('adopts exactly the rows predicted at or above the threshold, with their class', () => {
    const probs = [0.95, 0.05, 0, /**/ 0.5, 0.4, 0.1, /**/ 0.05, 0.05, 0.9, /**/ 0.1, 0.89, 0.01];
    const a = adoptConfident([10, 11, 12, 13], probs, 3, 0.9);
    assert.deepEqual(a.map((x) => [x.row, x.cls]), [[10, 0], [12, 2]]);
    assert.equal(a[0].confidence, 0.95);
  });

  it('reads one sigmoid column as the probability of class 1', () => {
    const a = adoptConfident([0, 1, 2], [0.97, 0.5, 0.02], 1, 0.95);
    assert.deepEqual(a.map((x) => [x.row, x.cls]), [[0, 1], [2, 0]]);
    assert.ok(Math.abs(a[1].confidence - 0.98) < 1e-12);
  });

  it('takes validation from labelled rows only', () => {
    const labelled = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18];
    const unlabelled = [1, 3, 5, 7, 9, 11, 13];
    const s = semiSupervisedSplit(labelled, unlabelled, 0.3, true, 5);
    assert.equal(s.validation.length, 3);
    assert.equal(s.train.length, 7);
    for (const r of [...s.train, ...s.validation]) assert.ok(labelled.includes(r));
    assert.deepEqual([...s.train, ...s.validation].sort((a, b) => a - b), labelled);
    assert.deepEqual(s.unlabelled, unlabelled);
  });

  it('numbers rounds by epoch and says when a round needs its adoption, also after a resume mid-round', () => {
    const E = 4;
    assert.equal(totalEpochs(E, { threshold: 0.9, rounds: 2 }), 12);
    assert.deepEqual([1, 4, 5, 8, 9, 12].map((e) => roundOfEpoch(e, E)), [0, 0, 1, 1, 2, 2]);
    assert.equal(needsAdoption(EMPTY_PSEUDO_STATE, 4, E), false);
    assert.equal(needsAdoption(EMPTY_PSEUDO_STATE, 5, E), true);
    // Round 1 adopted two rows; the run stopped after epoch 6 and resumes at epoch 7: same round, same rows.
    const s1 = withAdoption(EMPTY_PSEUDO_STATE, 1, [{ row: 3, cls: 1, confidence: 0.95 }, { row: 5, cls: 0, confidence: 0.99 }]);
    const saved = JSON.parse(JSON.stringify(s1));
    assert.equal(needsAdoption(saved, 7, E), false);
    assert.deepEqual(roundTrainingRows([0, 2], saved), [0, 2, 3, 5]);
    // Stopped right at the end of round 1 (epoch 8): epoch 9 starts round 2, which adopts afresh.
    assert.equal(needsAdoption(saved, 9, E), true);
    const s2 = withAdoption(saved, 2, [{ row: 7, cls: 2, confidence: 0.91 }]);
    assert.deepEqual(s2.rounds, [{ round: 1, adopted: 2 }, { round: 2, adopted: 1 }]);
    assert.deepEqual(roundTrainingRows([0, 2], s2), [0, 2, 7]);
    // Redoing a round (a resume from an earlier checkpoint) replaces its record instead of adding one.
    assert.deepEqual(withAdoption(s2, 2, []).rounds, [{ round: 1, adopted: 2 }, { round: 2, adopted: 0 }]);
  });
});
