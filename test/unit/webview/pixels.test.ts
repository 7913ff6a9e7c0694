import { strict as assert } from 'node:assert';
import { pixelScene } from '../../../webview/model/charts';
import { countShapes, sceneToSvg, type Shape } from '../../../webview/model/scene';

/** A 3-wide, 2-high grey image: a bright diagonal on a dark background. */
const W = 3;
const H = 2;
const GREY = [255, 0, 10, 0, 200, 127];

describe('webview/model/charts pixelScene', () => {
  it('draws the picture as one cell per pixel, brightness as opacity, no numbers', () => {
    const s = pixelScene(W, H, 1, GREY, 7, false);
    assert.equal(s.width, W * 7);
    assert.equal(s.height, H * 7);
    assert.equal(countShapes(s.shapes, 'rect', 'pixel'), W * H);
    assert.equal(countShapes(s.shapes, 'text', 'pixel-value'), 0);
    const first = s.shapes[0] as Extract<Shape, { t: 'rect' }>;
    assert.equal(first.fillOpacity, 1);
    assert.equal(first.data?.tip, '[0,0] = 255');
  });

  it('lays the matrix out as one group per pixel row, each with its values', () => {
    const s = pixelScene(W, H, 1, GREY, 20, true);
    const rows = s.shapes.filter((x): x is Extract<Shape, { t: 'g' }> => x.t === 'g' && x.cls === 'pixel-row');
    assert.equal(rows.length, H);
    const values = rows.map((g) => g.children.filter((c): c is Extract<Shape, { t: 'text' }> => c.t === 'text').map((c) => Number(c.text)));
    assert.deepEqual(values, [[255, 0, 10], [0, 200, 127]]);
    // Numbers on bright pixels take the background colour, on dark ones the foreground colour.
    const classes = rows[0].children.filter((c): c is Extract<Shape, { t: 'text' }> => c.t === 'text').map((c) => c.cls);
    assert.deepEqual(classes, ['pixel-value on-ink', 'pixel-value on-paper', 'pixel-value on-paper']);
    assert.match(sceneToSvg(s, 'pixels'), /<g class="pixel-row" data-row="1">/);
  });

  it('averages the colour channels of an RGB image', () => {
    const rgb = [30, 60, 90, 255, 255, 255];
    const s = pixelScene(2, 1, 3, rgb, 10, true);
    const texts: string[] = [];
    const walk = (shapes: Shape[]): void => shapes.forEach((x) => (x.t === 'g' ? walk(x.children) : x.t === 'text' ? texts.push(x.text) : undefined));
    walk(s.shapes);
    assert.deepEqual(texts, ['60', '255']);
  });
});
