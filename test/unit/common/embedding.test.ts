import { strict as assert } from 'node:assert';
import { embeddingPoints } from '../../../src/common/embedding';

describe('embedding points (the dashboard embedding plot)', () => {
  // Rows 0 and 1 (padding, unknown) come first and are never plotted.
  const rows = [
    9, 9, 0, // padding
    -9, 9, 0, // unknown
    1, 0, 0, // "good"
    0.9, 0.1, 0, // "great": almost parallel to "good"
    0, 0, 1, // "bad"
    -1, 0, 0.1, // "awful"
  ];
  const vocab = ['good', 'great', 'bad', 'awful'];

  it('skips padding and unknown, labels each row with its token and id', () => {
    const pts = embeddingPoints(rows, 3, vocab);
    assert.deepEqual(pts.map((p) => [p.token, p.id]), [['good', 2], ['great', 3], ['bad', 4], ['awful', 5]]);
  });

  it('finds the nearest neighbours by cosine similarity in the full space', () => {
    const pts = embeddingPoints(rows, 3, vocab, 150, 2);
    const good = pts.find((p) => p.token === 'good')!;
    assert.equal(good.neighbours[0].token, 'great');
    assert.ok(Math.abs(good.neighbours[0].similarity - 0.9 / Math.hypot(0.9, 0.1)) < 1e-9);
    assert.equal(good.neighbours.length, 2);
    const awful = pts.find((p) => p.token === 'awful')!;
    assert.equal(awful.neighbours[0].token, 'bad');
  });

  it('plots only the first `shown` tokens but looks for neighbours among all rows sent', () => {
    const pts = embeddingPoints(rows, 3, vocab, 1, 1);
    assert.equal(pts.length, 1);
    assert.equal(pts[0].neighbours[0].token, 'great');
  });

  it('projects to 2-D: tokens that point the same way land near each other', () => {
    const pts = embeddingPoints(rows, 3, vocab);
    const d = (a: string, b: string): number => {
      const p = pts.find((x) => x.token === a)!;
      const q = pts.find((x) => x.token === b)!;
      return Math.hypot(p.x - q.x, p.y - q.y);
    };
    assert.ok(d('good', 'great') < d('good', 'awful'));
  });

  it('copes with fewer rows than the vocabulary and with nothing', () => {
    assert.equal(embeddingPoints(rows.slice(0, 12), 3, vocab).length, 2);
    assert.deepEqual(embeddingPoints([], 3, vocab), []);
    assert.deepEqual(embeddingPoints(rows, 0, vocab), []);
  });
});
