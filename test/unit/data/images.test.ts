// Images as pixel matrices: decoding, resizing, channel conversion, and the errors bad files give.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { copyScaled, decodeImage, ImageError, imageToPixels, listImagesToPredict, readImagePixels, type RgbaImage } from '../../../src/data/images';
import { scratch } from '../engine/helpers';

function rgba(width: number, height: number, px: (x: number, y: number) => [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(px(x, y), (y * width + x) * 4);
  return { width, height, data };
}

function pngBytes(img: RgbaImage, opts: { colorType?: 0 | 2 | 4 | 6; bitDepth?: 8 | 16 } = {}): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  // pngjs reads 16-bit input as 16-bit samples (native byte order).
  png.data = opts.bitDepth === 16 ? Buffer.from(Uint16Array.from(img.data, (v) => v * 257).buffer) : Buffer.from(img.data);
  return PNG.sync.write(png, { colorType: opts.colorType ?? 6, bitDepth: opts.bitDepth ?? 8 });
}

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol;

describe('images', () => {
  it('decodes RGBA, grayscale and 16-bit PNGs to 8-bit RGBA', () => {
    const img = rgba(3, 2, (x, y) => [x * 100, y * 200, 7, 255]);
    const back = decodeImage(pngBytes(img), 'a.png');
    assert.equal(back.width, 3);
    assert.equal(back.height, 2);
    assert.deepEqual(Array.from(back.data), Array.from(img.data));

    const gray = rgba(2, 2, (x) => [x * 255, x * 255, x * 255, 255]);
    const g = decodeImage(pngBytes(gray, { colorType: 0 }), 'g.png');
    assert.deepEqual(Array.from(g.data.slice(0, 8)), [0, 0, 0, 255, 255, 255, 255, 255]);

    const deep = decodeImage(pngBytes(gray, { colorType: 0, bitDepth: 16 }), 'd.png');
    assert.deepEqual(Array.from(deep.data.slice(4, 8)), [255, 255, 255, 255]);
  });

  it('decodes JPEGs (lossy: close to the original)', () => {
    const img = rgba(8, 8, () => [200, 100, 50, 255]);
    const jpg = jpeg.encode({ width: 8, height: 8, data: Buffer.from(img.data) }, 95).data;
    const back = decodeImage(jpg, 'a.jpg');
    assert.equal(back.width, 8);
    assert.ok(Math.abs(back.data[0] - 200) < 6 && Math.abs(back.data[1] - 100) < 6 && Math.abs(back.data[2] - 50) < 6);
  });

  it('names the file when it is empty, not an image, or a corrupt PNG', () => {
    assert.throws(() => decodeImage(new Uint8Array(0), 'empty.png'), (e: Error) => e instanceof ImageError && /empty\.png: the file is empty/.test(e.message));
    assert.throws(() => decodeImage(Buffer.from('hello, not an image'), 'text.png'), /text\.png: not a PNG or JPEG image/);
    const bytes = pngBytes(rgba(4, 4, () => [1, 2, 3, 255]));
    assert.throws(() => decodeImage(bytes.subarray(0, 40), 'cut.png'), /cut\.png: cannot decode PNG image/);
  });

  it('scales pixels to 0..1 and converts RGB to gray with BT.601 luma, in 8-bit steps', () => {
    const img = rgba(1, 1, () => [255, 0, 0, 255]);
    const g = imageToPixels(img, { width: 1, height: 1, channels: 1 });
    // 0.299 * 255 = 76.245: stored as the level 76, as image libraries convert to gray.
    assert.equal(g[0], Math.fround(76 / 255));
    const c = imageToPixels(img, { width: 1, height: 1, channels: 3 });
    assert.deepEqual(Array.from(c), [1, 0, 0]);
    const a = imageToPixels(rgba(1, 1, () => [10, 20, 30, 40]), { width: 1, height: 1, channels: 4 });
    assert.ok(close(a[3], 40 / 255));
  });

  it('composites transparent pixels over white (as a viewer shows them)', () => {
    const img = rgba(1, 1, () => [0, 0, 0, 0]);
    assert.ok(close(imageToPixels(img, { width: 1, height: 1, channels: 1 })[0], 1));
  });

  it('shrinks by averaging the covered pixels (area) and keeps the mean brightness', () => {
    // 4x4 checkerboard of 0 and 255 -> 2x2, each output averaging a 2x2 block: 0.5 everywhere.
    const img = rgba(4, 4, (x, y) => ((x + y) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const out = imageToPixels(img, { width: 2, height: 2, channels: 1 });
    for (const v of out) assert.ok(close(v, 0.5, 1 / 255), String(v));
    // Non-integer factor: 3 -> 2 keeps the average of a horizontal ramp.
    const ramp = rgba(3, 1, (x) => [x * 100, x * 100, x * 100, 255]);
    const r = imageToPixels(ramp, { width: 2, height: 1, channels: 1 });
    assert.ok(close((r[0] + r[1]) / 2, 100 / 255, 1 / 255));
    assert.ok(r[0] < r[1]);
  });

  it('enlarges with bilinear interpolation (corners kept, values in between)', () => {
    const img = rgba(2, 1, (x) => (x ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const out = imageToPixels(img, { width: 4, height: 1, channels: 1 });
    assert.ok(close(out[0], 0) && close(out[3], 1));
    assert.ok(out[1] > 0 && out[1] < out[2] && out[2] < 1);
  });

  it('gives the same inputs as bytes (training storage) and as floats (prediction)', () => {
    const img = rgba(5, 3, (x, y) => [x * 50, y * 90, (x * y * 37) % 256, 200]);
    for (const size of [{ width: 5, height: 3 }, { width: 3, height: 2 }, { width: 9, height: 7 }]) {
      for (const channels of [1, 3, 4] as const) {
        const opts = { ...size, channels };
        const floats = imageToPixels(img, opts);
        const bytes = imageToPixels(img, opts, new Uint8Array(floats.length));
        const scaled = new Float32Array(floats.length);
        copyScaled(bytes, 0, bytes.length, scaled, 0);
        assert.deepEqual(scaled, floats);
        assert.ok(bytes.some((b) => b > 0 && b < 255));
      }
    }
  });

  it('copies float rows, short (a loop) and long (set), at offsets, leaving the rest alone', () => {
    for (const n of [1, 20, 64, 65, 784]) {
      const src = Float32Array.from({ length: 3 * n + 5 }, (_, i) => i + 0.5);
      const dst = new Float32Array(2 * n + 7).fill(-1);
      copyScaled(src, n + 2, n, dst, 3);
      assert.deepEqual([...dst.subarray(3, 3 + n)], [...src.subarray(n + 2, 2 * n + 2)], `n=${n}`);
      assert.ok(dst.subarray(0, 3).every((v) => v === -1) && dst.subarray(3 + n).every((v) => v === -1), `n=${n}: wrote outside`);
    }
  });

  it('writes into a shared array at an offset, and reads files', async () => {
    const s = scratch();
    try {
      const file = path.join(s.dir, 'one.png');
      writeFileSync(file, pngBytes(rgba(2, 2, () => [255, 255, 255, 255])));
      const all = new Float32Array(2 + 4);
      await readImagePixels(file, { width: 2, height: 2, channels: 1 }, all, 2);
      assert.deepEqual(Array.from(all), [0, 0, 1, 1, 1, 1]);
      await assert.rejects(readImagePixels(path.join(s.dir, 'nope.png'), { width: 2, height: 2, channels: 1 }), /nope\.png: file not found/);
      assert.deepEqual(await listImagesToPredict(file), [file]);
      assert.deepEqual(await listImagesToPredict(s.dir), [file]);
    } finally {
      s.cleanup();
    }
  });
});
