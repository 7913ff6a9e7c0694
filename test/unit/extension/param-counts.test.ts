// One parameter count everywhere: `dlmodel summary`, the editor's summary view and the dashboard's diagram
// all read the plan's layer table, and the network TensorFlow.js builds from the plan has exactly those
// parameters, trainable and not, for every example and for a network with batch normalization.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatSummary } from '../../../src/cli/summary';
import { loadBackend } from '../../../src/engine/backends/index';
import { buildModel, countParams as countBuilt, outputPlanOf } from '../../../src/engine/model';
import type { TF } from '../../../src/engine/tf';
import { summaryTable } from '../../../src/extension/format';
import { toLayerView } from '../../../src/extension/dashboard/state';
import { summarizePlan } from '../../../src/format/summary';
import type { LayerSpec } from '../../../src/format/types';
import { validateSpecFile } from '../../../src/format/validate';
import { layoutDiagram } from '../../../webview/model/layout';

const REPO = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = ['course-gender', 'digits-cnn', 'digits-mlp', 'iris', 'linear', 'three-fields'];

const num = (s: string) => Number(s.replace(/,/g, ''));

/** The three counts each place shows: trainable, non-trainable, total. */
async function countsEverywhere(tf: TF, specPath: string, text?: string) {
  const r = await validateSpecFile(specPath, text, { trusted: true });
  assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
  const plan = r.plan!;
  const layers = summarizePlan(plan, r.description!);

  const cli = formatSummary(plan.name, layers, r.description!).join('\n');
  const cliCounts = ['Trainable', 'Non-trainable', 'Total'].map((k) => num(new RegExp(`^${k} params: ([\\d,]+)$`, 'm').exec(cli)![1]));

  const editor = summaryTable('summary', layers);
  const learnable = num(/^Learnable parameters: ([\d,]+)$/m.exec(editor)![1]);
  const other = /^Non-trainable parameters: ([\d,]+) \(total ([\d,]+)\)$/m.exec(editor);
  const editorCounts = [learnable, other ? num(other[1]) : 0, other ? num(other[2]) : learnable];

  const diagram = layoutDiagram({ layers: layers.map(toLayerView), inputNames: r.description!.inputNames, outputNames: r.description!.classNames ?? r.description!.target });
  const dashboardCounts = [diagram.trainableParams, diagram.totalParams - diagram.trainableParams, diagram.totalParams];

  const hidden = plan.layers.filter((l) => !l.derived && !l.fromBase) as LayerSpec[];
  const model = buildModel(tf, { layers: hidden, output: outputPlanOf(plan), inputShape: plan.inputShape, seed: 1 });
  const built = countBuilt(model);
  model.dispose();

  return {
    plan: [plan.params.trainable, plan.params.nonTrainable, plan.params.total],
    cli: cliCounts,
    editor: editorCounts,
    dashboard: dashboardCounts,
    tfjs: [built.trainable, built.nonTrainable, built.total],
  };
}

describe('parameter counts agree: CLI summary, editor summary, dashboard, built model', function () {
  this.timeout(60_000);
  let tf: TF;
  let dir: string;
  before(async () => {
    // The backend this suite uses, whatever ran before it.
    ({ tf } = await loadBackend('cpu', { extensionRoot: REPO }));
    dir = mkdtempSync(path.join(tmpdir(), 'dlmodel-params-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('dense 4 + batchNormalization: 25 trainable, 8 non-trainable, 33 in all', async () => {
    writeFileSync(path.join(dir, 'd.csv'), 'a,b,y\n1,2,x\n2,1,z\n3,4,x\n4,3,z\n5,6,x\n');
    const spec = '{ "data": { "source": "d.csv", "target": "y" }, "model": { "layers": [ { "type": "dense", "units": 4 }, { "type": "batchNormalization" } ] } }';
    const c = await countsEverywhere(tf, path.join(dir, 'bn.dlmodel.json'), spec);
    for (const place of ['plan', 'cli', 'editor', 'dashboard', 'tfjs'] as const) assert.deepEqual(c[place], [25, 8, 33], place);
  });

  for (const name of EXAMPLES) {
    it(`examples/${name}`, async () => {
      const c = await countsEverywhere(tf, path.join(REPO, 'examples', name, `${name}.dlmodel.json`));
      for (const place of ['cli', 'editor', 'dashboard', 'tfjs'] as const) assert.deepEqual(c[place], c.plan, place);
      assert.ok(c.plan[2] > 0);
    });
  }
});
