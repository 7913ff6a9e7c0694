// The digits example end to end with the real command line: 10,000 PNG images in class folders,
// a flatten + dense MLP, 8,000 / 2,000 split. It must reach at least 92% validation accuracy.
// Kept apart from the other tests because it takes a while (about 20 s on one free core, wasm backend).
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { buildBundles, lastJsonLine, REPO, runCli, scratch } from './helpers';

describe('examples/digits-mlp', function () {
  this.timeout(240_000);

  it('reaches >= 92% validation accuracy on 2,000 held-out digits', async () => {
    await buildBundles();
    const s = scratch();
    try {
      // A copy of the spec beside a link to the images: the run folder goes to the scratch folder.
      const ex = path.join(REPO, 'examples', 'digits-mlp');
      cpSync(path.join(ex, 'digits-mlp.dlmodel.json'), path.join(s.dir, 'digits-mlp.dlmodel.json'));
      symlinkSync(path.join(ex, 'digits'), path.join(s.dir, 'digits'));
      symlinkSync(path.join(ex, 'samples'), path.join(s.dir, 'samples'));
      const r = await runCli(['train', path.join(s.dir, 'digits-mlp.dlmodel.json'), '--backend', 'wasm', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = lastJsonLine(r.stdout) as { status: string; metrics: Record<string, number> };
      assert.equal(out.status, 'completed');
      assert.ok(out.metrics.val_accuracy >= 0.92, `val_accuracy ${out.metrics.val_accuracy}`);
      const p = await runCli(['predict', path.join(s.dir, 'digits-mlp.dlmodel.json'), '--input', path.join(ex, 'samples', 'three.png'), '--json']);
      assert.equal(p.code, 0, p.stderr);
      const pred = (lastJsonLine(p.stdout) as { predictions: { label: string; output: number[] }[] }).predictions[0];
      assert.equal(pred.label, '3');
      assert.equal(pred.output.length, 10);
    } finally {
      s.cleanup();
    }
  });
});

describe('examples/digits-cnn', function () {
  this.timeout(600_000);

  // Convolutions train on wasm only with the gradient kernels src/engine/backends/wasm-kernels registers.
  it('a CNN trains on wasm to >= 97% validation accuracy on 2,000 held-out digits', async () => {
    await buildBundles();
    const s = scratch();
    try {
      // The spec reads ../digits-mlp/digits: mirror that layout in the scratch folder with links.
      const cnn = path.join(s.dir, 'digits-cnn');
      const mlp = path.join(s.dir, 'digits-mlp');
      mkdirSync(cnn);
      mkdirSync(mlp);
      const ex = path.join(REPO, 'examples');
      cpSync(path.join(ex, 'digits-cnn', 'digits-cnn.dlmodel.json'), path.join(cnn, 'digits-cnn.dlmodel.json'));
      symlinkSync(path.join(ex, 'digits-mlp', 'digits'), path.join(mlp, 'digits'));
      symlinkSync(path.join(ex, 'digits-mlp', 'samples'), path.join(mlp, 'samples'));
      const file = path.join(cnn, 'digits-cnn.dlmodel.json');
      const r = await runCli(['train', file, '--backend', 'wasm', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = lastJsonLine(r.stdout) as { status: string; backend: string; metrics: Record<string, number> };
      assert.equal(out.status, 'completed');
      assert.equal(out.backend, 'wasm');
      assert.ok(out.metrics.val_accuracy >= 0.97, `val_accuracy ${out.metrics.val_accuracy}`);
      const p = await runCli(['predict', file, '--input', path.join(ex, 'digits-mlp', 'samples', 'seven.png'), '--json']);
      assert.equal(p.code, 0, p.stderr);
      assert.equal((lastJsonLine(p.stdout) as { predictions: { label: string }[] }).predictions[0].label, '7');
    } finally {
      s.cleanup();
    }
  });
});
