import { strict as assert } from 'node:assert';
import { sceneToSvg, shapeMarkup, svgAttrs, type Scene } from '../../../webview/model/scene';

describe('webview/model/scene: markup', () => {
  const scene: Scene = {
    width: 100.004, height: 50, shapes: [
      { t: 'g', cls: 'weights', data: { layer: 1 }, children: [
        { t: 'line', cls: 'weight pos', x1: 0, y1: 1.234, x2: 10, y2: 20, width: 2, opacity: 0.5, data: { tip: 'a < b', value: undefined } },
      ] },
      { t: 'circle', cls: 'neuron', cx: 5, cy: 6, r: 3 },
      { t: 'text', cls: 'label', x: 1, y: 2, text: 'x & y', anchor: 'end' },
    ],
  };

  it('writes every shape from its element description, escaping text and attributes', () => {
    assert.equal(sceneToSvg(scene, 'diagram'),
      '<svg xmlns="http://www.w3.org/2000/svg" class="diagram" width="100" height="50" viewBox="0 0 100 50">' +
      '<g class="weights" data-layer="1"><line class="weight pos" data-tip="a &lt; b" x1="0" y1="1.23" x2="10" y2="20" stroke-width="2" stroke-opacity="0.5"/></g>' +
      '<circle class="neuron" cx="5" cy="6" r="3"/><text class="label" x="1" y="2" text-anchor="end">x &amp; y</text></svg>');
  });

  it('describes an element as the patcher sets it: unescaped values, undefined data and optional attributes left out', () => {
    const line = (scene.shapes[0] as Extract<Scene['shapes'][number], { t: 'g' }>).children[0];
    assert.deepEqual(shapeMarkup(line), {
      tag: 'line',
      attrs: [['class', 'weight pos'], ['data-tip', 'a < b'], ['x1', '0'], ['y1', '1.23'], ['x2', '10'], ['y2', '20'], ['stroke-width', '2'], ['stroke-opacity', '0.5']],
    });
    assert.deepEqual(shapeMarkup(scene.shapes[1]).attrs.map(([k]) => k), ['class', 'cx', 'cy', 'r']);
    assert.equal(shapeMarkup(scene.shapes[2]).text, 'x & y');
    assert.deepEqual(svgAttrs(scene, 'd').slice(2), [['width', '100'], ['height', '50'], ['viewBox', '0 0 100 50']]);
  });
});
