// The dashboard's text views on the host: text as numbers for a validation row, the embedding from the
// trainer's weights events (live) labelled with the run's vocabulary, and both escaped when drawn.
import { strict as assert } from 'node:assert';
import { fitText } from '../../../src/data/text';
import { DashboardState } from '../../../src/extension/dashboard/state';
import { textSummary, withShownRow } from '../../../src/extension/dashboard/text-view';
import type { LayerWeights } from '../../../src/protocol/trainer';
import { isWebviewToHost } from '../../../src/protocol/webview';
import { embeddingScene } from '../../../webview/model/embedding';
import { sceneToSvg } from '../../../webview/model/scene';

const texts = ['free money now', 'free prize', 'meeting at noon', 'lunch at noon & <b>free</b> snacks', 'zebra crossing'];
const rows = { texts, lines: [2, 3, 4, 5, 7], validation: [3, 4] };
const enc = fitText('message', [texts[0], texts[1], texts[2]], { tokens: 'words', lowercase: true, maxLength: 5 });

describe('dashboard text as numbers', () => {
  it('summarizes the vocabulary, its coverage of the validation texts and the texts cut', () => {
    const v = textSummary(enc, rows, 'run r1');
    assert.equal(v.vocabularySize, enc.vocabulary.length + 2);
    // Validation tokens: lunch at noon & < b > free < / b > snacks | zebra crossing: known are at, noon, free.
    assert.equal(v.coverage, 3 / 15);
    assert.equal(v.cut, 1);
    assert.equal(v.texts, 5);
    assert.deepEqual(v.choices.map((c) => [c.row, c.line]), [[0, 5], [1, 7]]);
  });

  it('shows a chosen validation row: tokens, ids, unknown and padding marked', () => {
    const v = withShownRow(textSummary(enc, rows, 'run r1'), enc, rows, 1);
    assert.equal(v.shown?.text, 'zebra crossing');
    assert.equal(v.shown?.line, 7);
    assert.deepEqual(v.shown?.cells.map((c) => [c.token, c.id, c.kind]), [
      ['zebra', 1, 'unknown'], ['crossing', 1, 'unknown'], ['<pad>', 0, 'padding'], ['<pad>', 0, 'padding'], ['<pad>', 0, 'padding'],
    ]);
    assert.equal(withShownRow(v, enc, rows, 9).shown, undefined);
    const long = withShownRow(v, enc, rows, 0);
    assert.equal(long.shown?.cells.length, 5);
    assert.ok((long.shown?.cut.length ?? 0) > 0);
  });

  it('accepts showTextRow only with a row index', () => {
    assert.ok(isWebviewToHost({ type: 'showTextRow', row: 3 }));
    assert.ok(!isWebviewToHost({ type: 'showTextRow', row: -1 }));
    assert.ok(!isWebviewToHost({ type: 'showTextRow', row: '3' }));
  });
});

describe('dashboard embedding plot', () => {
  const stats = { min: -1, max: 1, mean: 0, std: 0.5, histogram: [1], histMin: -1, histMax: 1 };
  const vocab = ['<script>alert(1)</script>', 'a&b', 'plain'];
  const layer = (v: number): LayerWeights => ({
    index: 0, name: 'embedding_1', type: 'Embedding', kernelShape: [5, 2], stats,
    embeddingRows: [0, 0, 0, 0, 1, v, 1, 0.5, -1, 0],
  });

  it('waits for the vocabulary, then follows each weights event of the selected run', () => {
    const s = new DashboardState('/w/t.dlmodel.json', 't');
    s.select('/runs/r1');
    s.apply({ type: 'weights', epoch: 1, layers: [layer(0.1)] }, '/runs/r1');
    assert.equal(s.snapshot(true).embedding, undefined);
    s.setVocabulary('/runs/r1', vocab);
    let e = s.snapshot(true).embedding;
    assert.equal(e?.live, true);
    assert.equal(e?.epoch, 1);
    assert.deepEqual(e?.points.map((p) => p.token), vocab);
    const before = e?.points.map((p) => [p.x, p.y]);
    s.apply({ type: 'weights', epoch: 2, layers: [layer(2)] }, '/runs/r1');
    e = s.snapshot(true).embedding;
    assert.equal(e?.epoch, 2);
    assert.notDeepEqual(e?.points.map((p) => [p.x, p.y]), before);
    s.apply({ type: 'finished', status: 'completed', runDir: '/runs/r1', epochsDone: 2, metrics: {} }, '/runs/r1');
    assert.equal(s.snapshot(true).embedding?.live, false, 'no longer live once the run has ended');
    // Another run's weights do not replace the selected run's plot.
    s.apply({ type: 'weights', epoch: 3, layers: [layer(5)] }, '/runs/other');
    assert.equal(s.snapshot(true).embedding?.epoch, 2);
    s.select('/runs/other');
    assert.equal(s.snapshot(true).embedding, undefined);
  });

  it('draws tokens escaped', () => {
    const s = new DashboardState('/w/t.dlmodel.json', 't');
    s.select('/runs/r1');
    s.setVocabulary('/runs/r1', vocab);
    s.setEmbeddingWeights('/runs/r1', [layer(0.3)], { live: false, epoch: 10 });
    const svg = sceneToSvg(embeddingScene(s.snapshot(true).embedding!.points, 300, 200));
    assert.ok(!svg.includes('<script>'));
    assert.ok(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(svg.includes('a&amp;b'));
    assert.ok(!/a&b/.test(svg));
  });
});

describe('embedding plot labels', () => {
  it('leaves out a label that would overlap one already placed, keeping its dot and tip', () => {
    const pts = [
      { token: 'first', id: 2, x: 0, y: 0, neighbours: [] },
      { token: 'second', id: 3, x: 0.001, y: 0.001, neighbours: [] },
      { token: 'far', id: 4, x: 1, y: 1, neighbours: [] },
    ];
    const scene = embeddingScene(pts, 300, 200);
    const svg = sceneToSvg(scene);
    assert.ok(svg.includes('>first</text>') && svg.includes('>far</text>'));
    assert.ok(!svg.includes('>second</text>'));
    assert.equal((svg.match(/<circle class="token-point/g) ?? []).length, 3);
  });
});
