// The bench's markdown summary: one row per task with every column, and a reason for each thread speed-up
// under 1.5x (and none for the others).
import { strict as assert } from 'node:assert';
import { speedupReason, summaryMarkdown, type SummaryMeta, type SummaryRow } from '../../../bench/summary';

const META: SummaryMeta = {
  date: '2026-12-02 16:00 UTC',
  host: 'vm',
  cpus: '2 x AMD EPYC',
  load: [0.2, 0.3, 0.4],
  node: 'v20',
  torch: '1.13.0',
  rounds: 3,
  seconds: 5,
  quick: false,
};

const ROWS: SummaryRow[] = [
  { task: 'A', title: 'tabular', threads: 2, threadsUsed: 1, threadsNote: 'the network is too small', wasm: 300_000, wasmN: 250_000, wasm1: 300_000, speedup: 0.83, torchCpu: 60_000, torch1: 310_000, torchN: 120_000, ratio: 0.97, target: 0.8, met: true },
  { task: 'B', title: 'mlp', threads: 2, threadsUsed: 2, wasm: 90_000, wasmN: 90_000, wasm1: 50_000, speedup: 1.8, torch1: 120_000, torchN: 80_000, ratio: 0.75, target: 0.5, met: true },
  { task: 'F', title: 'autoencoder', threads: 2, threadsUsed: 2, wasm: 5_000, wasmN: 5_000, wasm1: 4_000, speedup: 1.25, torchCpuNote: 'dlmodel export failed (exit 2): no layers', torch1: 6_000, ratio: 0.83 },
];

describe('bench summary (markdown)', () => {
  it('has the date, the machine and a row per task with every column', () => {
    const md = summaryMarkdown(ROWS, META);
    assert.match(md, /2026-12-02 16:00 UTC on vm \(2 x AMD EPYC\), load average at the start 0\.20 0\.30 0\.40/);
    const header = md.split('\n').find((l) => l.startsWith('| task'));
    assert.ok(header);
    const columns = header.split('|').length;
    for (const t of ['A', 'B', 'F']) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${t} |`));
      assert.ok(row, `no row for ${t}`);
      assert.equal(row.split('|').length, columns, `row ${t} has a different number of cells`);
    }
    assert.match(md, /\| A \| tabular \| 300,000 \(1\) \| 250,000 \| 300,000 \| 0\.83x \| 60,000 \| 310,000 \| 120,000 \| 0\.97x \| 0\.8x met \|/);
    // No torch-cpu figure for F: a dash in the table and the reason below it.
    assert.match(md, /\| F \| autoencoder \| 5,000 \(2\) \| 5,000 \| 4,000 \| 1\.25x \| - \|/);
    assert.match(md, /- F: dlmodel export failed \(exit 2\): no layers\./);
  });

  it('explains every speed-up under 1.5x, and only those', () => {
    const md = summaryMarkdown(ROWS, META);
    assert.match(md, /- A \(0\.83x\): the network is too small; every product is tiny/);
    assert.match(md, /- F \(1\.25x\): the products split across threads/);
    assert.doesNotMatch(md, /- B \(/);
    assert.equal(speedupReason(ROWS[1], META), undefined);
  });

  it('names a busy machine as a reason', () => {
    const why = speedupReason(ROWS[2], { ...META, load: [3.1, 2, 2] });
    assert.match(why ?? '', /load average 3\.1/);
  });

  it('marks a target that is not met', () => {
    const md = summaryMarkdown([{ ...ROWS[1], ratio: 0.4, met: false }], META);
    assert.match(md, /0\.5x \*\*not met\*\*/);
  });
});
