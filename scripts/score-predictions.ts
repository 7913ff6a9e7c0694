// Scores `dlmodel predict --json` output against the true labels of the rows it predicted:
//   node dist/cli.js predict SPEC --input rows.csv --json | npx tsx scripts/score-predictions.ts rows.csv digit
// Prints how many predicted labels equal the column's value (the rows in the file's order).
import { readFileSync } from 'node:fs';
import { readTable } from '../src/data/table';

async function main(): Promise<void> {
  const [file, column] = process.argv.slice(2);
  if (!file || !column) throw new Error('usage: score-predictions.ts ROWS.csv COLUMN < predictions.json');
  const lines = readFileSync(0, 'utf8').trim().split('\n');
  const out = JSON.parse(lines[lines.length - 1]) as { predictions: { label?: string }[] };
  const table = await readTable(file);
  if (table.rows.length !== out.predictions.length) throw new Error(`${file} has ${table.rows.length} rows, the predictions ${out.predictions.length}`);
  let right = 0;
  out.predictions.forEach((p, i) => (right += p.label === String(table.rows[i][column]) ? 1 : 0));
  console.log(`${right} of ${table.rows.length} right: ${((100 * right) / table.rows.length).toFixed(1)}%`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(2);
});
