import { strict as assert } from 'node:assert';
import { collapse, layoutDiagram, matchWeights, placeFormulas } from '../../../webview/model/layout';
import { countShapes, sceneToSvg } from '../../../webview/model/scene';
import type { LayerView, LayerWeightsView } from '../../../src/protocol/webview';

const dense = (name: string, units: number, inputs: number, extra: Partial<LayerView> = {}): LayerView => ({
  name, type: 'dense', outputShape: [null, units], params: inputs * units + units, trainable: true, units,
  activation: 'relu', formula: `${inputs} x ${units} + ${units} = ${inputs * units + units}`, ...extra,
});
const input = (n: number): LayerView => ({ name: 'input', type: 'input', outputShape: [null, n], params: 0, trainable: true, derived: 'input' });
const stats = { min: -1, max: 1, mean: 0, std: 0.5, histogram: [1, 2, 1], histMin: -1, histMax: 1 };

/** The course's example: 2 inputs, 2 hidden, 1 output = 9 learnable parameters. */
const tiny: LayerView[] = [input(2), dense('dense_1', 2, 2), dense('dense_2', 1, 2, { derived: 'output', activation: 'sigmoid' })];

describe('webview/model/layout: network diagram', () => {
  it('marks an autoencoder\'s code layer in its title', () => {
    const ae: LayerView[] = [input(4), dense('dense_1', 8, 4), dense('dense_2', 2, 8, { code: true }), dense('dense_3', 8, 2), dense('output', 4, 8, { derived: 'output', activation: 'linear' })];
    const svg = sceneToSvg(layoutDiagram({ layers: ae, inputNames: ['a', 'b', 'c', 'd'], outputNames: ['a', 'b', 'c', 'd'] }).scene);
    assert.equal((svg.match(/>Dense \(code\)</g) ?? []).length, 1);
  });

  it('draws every neuron and weight of a small net, and counts 9 parameters for 2-2-1', () => {
    const d = layoutDiagram({ layers: tiny, inputNames: ['x1', 'x2'], outputNames: ['no', 'yes'] });
    assert.equal(d.totalParams, 9);
    assert.equal(countShapes(d.scene.shapes, 'circle', 'neuron'), 5);
    assert.equal(countShapes(d.scene.shapes, 'line', 'weight'), 6);
    assert.deepEqual(d.connections, [{ layer: 1, drawn: 4, real: 4 }, { layer: 2, drawn: 2, real: 2 }]);
    const svg = sceneToSvg(d.scene);
    assert.match(svg, /class="neuron input"/);
    assert.match(svg, />x1</);
    assert.match(svg, />P\(yes\)</);
    assert.match(svg, /2 x 2 \+ 2 = 6/);
    assert.doesNotMatch(svg, /style=/, 'no inline styles: the CSP forbids them');
  });

  it('colours weights by sign and thickens them by magnitude; shows biases', () => {
    const weights: LayerWeightsView[] = [
      { index: 0, name: 'dense_1', type: 'dense', kernelShape: [2, 2], kernel: [0.5, -1, 0.1, 0], bias: [0.3, -0.2], stats },
    ];
    const d = layoutDiagram({ layers: tiny, weights, inputNames: ['a', 'b'], outputNames: ['y'] });
    const svg = sceneToSvg(d.scene);
    const lines = [...svg.matchAll(/<line class="weight (\w+)" data-layer="1" data-from="(\d)" data-to="(\d)"[^>]*stroke-width="([\d.]+)"/g)];
    const byPair = new Map(lines.map((m) => [`${m[2]}-${m[3]}`, { cls: m[1], width: Number(m[4]) }]));
    assert.equal(byPair.get('0-1')?.cls, 'neg');
    assert.equal(byPair.get('0-0')?.cls, 'pos');
    assert.ok((byPair.get('0-1')?.width ?? 0) > (byPair.get('1-0')?.width ?? 0));
    assert.equal(byPair.get('0-0')?.cls, 'pos');
    // The output layer has no weights yet: its lines are neutral.
    assert.equal((svg.match(/class="weight unknown" data-layer="2"/g) ?? []).length, 2);
    assert.match(svg, /data-bias="-0.2"/);
    assert.match(svg, /bias = 0.3/);
  });

  it('collapses a 784-128-10 network and exposes the real counts', () => {
    const layers = [input(784), dense('dense_1', 128, 784), dense('dense_2', 10, 128, { derived: 'output', activation: 'softmax' })];
    const kernel = Array.from({ length: 784 * 128 }, (_, i) => Math.sin(i));
    const weights: LayerWeightsView[] = [{ index: 0, name: 'dense_1', type: 'dense', kernelShape: [784, 128], kernel, bias: new Array(128).fill(0.1), stats }];
    const d = layoutDiagram({ layers, weights, inputNames: Array.from({ length: 784 }, (_, i) => `px${i}`), outputNames: 'abcdefghij'.split('') }, { maxShown: 12 });
    assert.equal(d.totalParams, 784 * 128 + 128 + 128 * 10 + 10);
    assert.deepEqual(d.columns.map((c) => [c.units, c.shown.length]), [[784, 11], [128, 11], [10, 10]]);
    assert.equal(countShapes(d.scene.shapes, 'circle', 'neuron'), 32);
    assert.deepEqual(d.connections.map((c) => c.real), [784 * 128, 1280]);
    const svg = sceneToSvg(d.scene);
    assert.match(svg, /… 773 more/);
    assert.match(svg, /data-units="784" data-shown="11"/);
    assert.match(svg, /data-count="100352" data-drawn="121"/);
    // The last shown input neuron is the real last one, and its weight uses the right kernel entry.
    assert.match(svg, new RegExp(`data-from="783" data-to="127" data-value="${Number(Math.sin(783 * 128 + 127).toPrecision(4))}"`));
  });

  it('draws a conv net as feature maps with filters and output shapes', () => {
    const layers: LayerView[] = [
      { name: 'input', type: 'input', outputShape: [null, 28, 28, 1], params: 0, trainable: true, derived: 'input' },
      { name: 'conv2d_1', type: 'conv2d', outputShape: [null, 26, 26, 8], params: 80, trainable: true, activation: 'relu' },
      { name: 'max_pooling2d_1', type: 'maxPooling2d', outputShape: [null, 13, 13, 8], params: 0, trainable: true },
      { name: 'flatten_1', type: 'flatten', outputShape: [null, 1352], params: 0, trainable: true },
      { name: 'dropout_1', type: 'dropout', outputShape: [null, 1352], params: 0, trainable: true },
      dense('dense_1', 10, 1352, { derived: 'output', activation: 'softmax' }),
    ];
    const kernel = Array.from({ length: 3 * 3 * 1 * 8 }, (_, i) => i - 36);
    const d = layoutDiagram({
      layers, inputNames: [], outputNames: [],
      weights: [{ index: 0, name: 'conv2d_1', type: 'conv2d', kernelShape: [3, 3, 1, 8], kernel, bias: new Array(8).fill(0), stats }],
    });
    assert.deepEqual(d.columns.map((c) => c.kind), ['maps', 'maps', 'maps', 'neurons', 'band', 'neurons']);
    assert.equal(countShapes(d.scene.shapes, 'rect', 'filter-cell'), 8 * 9);
    const svg = sceneToSvg(d.scene);
    assert.match(svg, />28×28×1</);
    assert.match(svg, />26×26×8</);
    assert.match(svg, />8 filters</);
    // The dense layer's weights come from the flatten column, through the dropout band.
    assert.deepEqual(d.connections, [{ layer: 5, drawn: 11 * 10, real: 13520 }]);
    // Flatten unrolls the pooled maps: one line into each drawn value, none straight through its "more" marker.
    assert.equal(countShapes(d.scene.shapes, 'line', 'unroll'), d.columns[3].shown.length);
    assert.equal(countShapes(d.scene.shapes, 'line', 'flow'), 2 + d.columns[3].shown.length);
  });

  it('puts formulas that would touch their neighbour on a second row, and leaves out those past the edges', () => {
    const long = '676 x 16 + 16 = 10832';
    const rows = placeFormulas([undefined, { x: 200, text: '3 x 3 x 1 x 4 + 4 = 40' }, { x: 460, text: long }, { x: 545, text: '16 x 3 + 3 = 51' }, { x: 590, text: long }], 600);
    assert.deepEqual(rows, [-1, 0, 0, 1, -1]);
    // Spaced out (the course's 2-2-1), all stay on the first row.
    assert.deepEqual(placeFormulas([undefined, { x: 300, text: '2 x 2 + 2 = 6' }, { x: 500, text: '2 x 1 + 1 = 3' }], 700), [-1, 0, 0]);
  });

  it('collapses with the first and last neurons and one gap', () => {
    assert.deepEqual(collapse(5, 12), { shown: [0, 1, 2, 3, 4], gapAfter: -1 });
    assert.deepEqual(collapse(100, 6), { shown: [0, 1, 2, 98, 99], gapAfter: 2 });
  });

  it('matches weights to layers by name, else in order of layers with parameters', () => {
    const w = (name: string): LayerWeightsView => ({ index: 0, name, type: 'dense', kernelShape: [1, 1], stats });
    assert.deepEqual([...matchWeights(tiny, [w('dense_2')]).keys()], [2]);
    assert.deepEqual([...matchWeights(tiny, [w('a'), w('b')]).keys()], [1, 2]);
  });
});
