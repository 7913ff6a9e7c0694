// The tabular examples as a user runs them: each copied to a scratch folder, trained by the real command
// line on wasm, then asked for its spec's predictions. Thresholds are what each example teaches, with
// room for the seeded split: the course network separates men and women, iris and fruit are easy.
import { strict as assert } from 'node:assert';
import { cpSync } from 'node:fs';
import * as path from 'node:path';
import { buildBundles, lastJsonLine, REPO, runCli, scratch } from './helpers';

interface Case {
  folder: string;
  spec: string;
  minValAccuracy: number;
  /** The label expected for each of the spec's predict inputs. */
  labels: string[];
}

const CASES: Case[] = [
  { folder: 'course-gender', spec: 'course-gender.dlmodel.json', minValAccuracy: 0.8, labels: ['woman', 'man'] },
  { folder: 'three-fields', spec: 'three-fields.dlmodel.json', minValAccuracy: 0.9, labels: ['apple', 'banana', 'orange'] },
  { folder: 'iris', spec: 'iris.dlmodel.json', minValAccuracy: 0.9, labels: ['setosa', 'virginica'] },
];

describe('examples (tabular), trained from the command line', function () {
  this.timeout(180_000);
  before(async () => {
    await buildBundles();
  });

  for (const c of CASES) {
    it(`${c.folder}: trains to val_accuracy >= ${c.minValAccuracy} and predicts ${c.labels.join(', ')}`, async () => {
      const s = scratch();
      try {
        cpSync(path.join(REPO, 'examples', c.folder), s.dir, { recursive: true, filter: (p) => !p.includes('.dlmodel' + path.sep) && !p.endsWith('.dlmodel') });
        const file = path.join(s.dir, c.spec);
        const t = await runCli(['train', file, '--backend', 'wasm', '--json']);
        assert.equal(t.code, 0, t.stderr);
        const out = lastJsonLine(t.stdout) as { status: string; metrics: Record<string, number> };
        assert.equal(out.status, 'completed');
        assert.ok(out.metrics.val_accuracy >= c.minValAccuracy, `val_accuracy ${out.metrics.val_accuracy}`);
        const p = await runCli(['predict', file, '--json']);
        assert.equal(p.code, 0, p.stderr);
        const { predictions } = lastJsonLine(p.stdout) as { predictions: { label?: string; confidence?: number }[] };
        assert.deepEqual(predictions.map((x) => x.label), c.labels);
        for (const x of predictions) assert.ok((x.confidence ?? 0) > 0.5, `confidence ${x.confidence}`);
      } finally {
        s.cleanup();
      }
    });
  }
});
