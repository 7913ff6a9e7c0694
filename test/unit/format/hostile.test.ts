// Issue 14: hostile or broken inputs get a clear problem (exit 2 from the command line), never a crash, a
// hang, a read outside the project or a silently mangled value. Each case fails on the code before the fix.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { validateSpecFile } from '../../../src/format/validate';
import { readTable } from '../../../src/data/table';
import { decodeImage } from '../../../src/data/images';
import { readModelFolder } from '../../../src/runs/model-files';
import { classifyError } from '../../../src/engine/train';
import { resolvePredictInputs } from '../../../src/engine/predict';
import { loadWebgpu } from '../../../src/engine/backends/webgpu';
import type { PreprocessJson } from '../../../src/runs/types';
import type { TF } from '../../../src/engine/tf';
import { runCli, scratch } from '../engine/helpers';

const errors = (r: { problems: { severity: string; message: string }[] }) => r.problems.filter((p) => p.severity === 'error').map((p) => p.message);
const warnings = (r: { problems: { severity: string; message: string }[] }) => r.problems.filter((p) => p.severity === 'warning').map((p) => p.message);

function png(width: number, height: number): Buffer {
  const p = new PNG({ width, height });
  p.data.fill(200);
  return PNG.sync.write(p);
}

/** A run folder with a one-dense-layer model whose manifest is `paths` over `weights` bytes. */
function modelRun(dir: string, paths: string[], bytes?: Buffer, units = 3): void {
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  const topology = {
    class_name: 'Sequential',
    config: { name: 's', layers: [{ class_name: 'Dense', config: { units, activation: 'relu', use_bias: true, name: 'd1' } }, { class_name: 'Dense', config: { units: 2, name: 'out' } }] },
  };
  const weights = [
    { name: 'd1/kernel', shape: [2, 3], dtype: 'float32' },
    { name: 'd1/bias', shape: [3], dtype: 'float32' },
  ];
  writeFileSync(path.join(dir, 'model', 'model.json'), JSON.stringify({ modelTopology: topology, format: 'layers-model', weightsManifest: [{ paths, weights }] }));
  if (bytes) writeFileSync(path.join(dir, 'model', 'weights.bin'), bytes);
  const pre = { task: 'classification', features: [], inputNames: ['a', 'b'], inputShape: [2], normalization: { kind: 'none', a: [], b: [] }, target: ['y'], classNames: ['p', 'q'] };
  writeFileSync(path.join(dir, 'preprocess.json'), JSON.stringify(pre));
}

describe('hostile and broken inputs (issue 14)', function () {
  this.timeout(60_000);
  let s: ReturnType<typeof scratch>;
  let dir: string;
  beforeEach(() => {
    s = scratch();
    dir = path.join(s.dir, 'ws');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'd.csv'), 'a,b,y\n1,2,p\n3,4,q\n5,6,p\n7,8,q\n');
  });
  afterEach(() => s.cleanup());

  const specFile = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('case 2: weightsManifest paths must stay in the model folder, be regular files and have the size the shapes imply', async () => {
    const run = path.join(dir, 'base');
    modelRun(run, ['../../../../../../../../etc/passwd']);
    await assert.rejects(readModelFolder(path.join(run, 'model')), /outside the model folder/);
    modelRun(run, ['./zero.bin']);
    execFileSync('mkfifo', [path.join(run, 'model', 'zero.bin')]);
    await assert.rejects(readModelFolder(path.join(run, 'model')), /not a regular file/);
    modelRun(run, ['./weights.bin'], Buffer.alloc(20));
    await assert.rejects(readModelFolder(path.join(run, 'model')), /20 bytes, but the shapes in weightsManifest need 36.*truncated/);
    modelRun(run, ['./weights.bin'], Buffer.alloc(36));
    assert.equal((await readModelFolder(path.join(run, 'model'))).bytes, 36);
    // validate says so for a transfer-learning base.
    modelRun(run, ['../../../../../../../../etc/passwd']);
    const f = specFile('t.dlmodel.json', JSON.stringify({ data: { source: 'd.csv', target: 'y' }, model: { from: 'base', layers: [] } }));
    const r = await validateSpecFile(f, undefined, { trusted: true });
    assert.match(errors(r).join('\n'), /outside the model folder/);
  });

  it('case 3: a name that is not one folder name is an error at "name"', async () => {
    for (const name of ['../../../escaped', '.', 'a/b']) {
      const f = specFile('n.dlmodel.json', JSON.stringify({ name, data: { source: 'd.csv', target: 'y' }, model: { layers: [] } }));
      const r = await validateSpecFile(f, undefined, { trusted: true });
      const p = r.problems.find((x) => x.path.join('.') === 'name');
      assert.ok(p && p.severity === 'error', `${name}: ${JSON.stringify(r.problems)}`);
    }
  });

  it('case 4: containment compares real paths, and without a workspace folder the spec folder is the limit', async () => {
    const secret = path.join(s.dir, 'secret.csv');
    writeFileSync(secret, 'password,y\nhunter2,p\nx,q\n');
    symlinkSync(secret, path.join(dir, 'inside.csv'));
    const f = specFile('c.dlmodel.json', JSON.stringify({ data: { source: 'inside.csv', target: 'y' }, model: { layers: [] } }));
    const inWs = await validateSpecFile(f, undefined, { trusted: false, workspaceRoot: dir });
    assert.match(errors(inWs).join('\n'), /outside the workspace folder \(a symbolic link leads out of it\)/);
    assert.ok(!JSON.stringify(inWs.problems).includes('password'), 'nothing of the secret file shows');
    const noFolder = await validateSpecFile(f, undefined, { trusted: false });
    assert.match(errors(noFolder).join('\n'), /outside the spec's folder/);
    const up = specFile('u.dlmodel.json', JSON.stringify({ data: { source: '../secret.csv', target: 'y' }, model: { layers: [] } }));
    assert.match(errors(await validateSpecFile(up, undefined, { trusted: false })).join('\n'), /outside the spec's folder/);
    // Trusted: allowed, as before.
    assert.deepEqual(errors(await validateSpecFile(f, undefined, { trusted: true, workspaceRoot: dir })), []);
    // An image inside an image folder that links out is not read either.
    const privatePng = path.join(s.dir, 'private.png');
    writeFileSync(privatePng, png(4, 4));
    for (const c of ['a', 'b']) {
      mkdirSync(path.join(dir, 'imgs', c), { recursive: true });
      writeFileSync(path.join(dir, 'imgs', c, '1.png'), png(4, 4));
    }
    symlinkSync(privatePng, path.join(dir, 'imgs', 'a', '2.png'));
    const imgSpec = specFile('i.dlmodel.json', JSON.stringify({ data: { source: 'imgs', target: 'class', image: { width: 4, height: 4, channels: 1 } }, model: { layers: [{ type: 'flatten' }] } }));
    assert.match(errors(await validateSpecFile(imgSpec, undefined, { trusted: false, workspaceRoot: dir })).join('\n'), /a\/2\.png is a link to a file outside the workspace folder/);
  });

  it('case 6: webgpu is loaded only from the extension folder, never from a node_modules above it', async () => {
    const marker = path.join(s.dir, 'ran');
    const pkg = path.join(s.dir, 'node_modules', 'webgpu');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'webgpu', main: 'index.js', type: 'module' }));
    writeFileSync(path.join(pkg, 'index.js'), `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export const create = () => undefined; export const globals = {};`);
    const install = path.join(s.dir, 'ext');
    mkdirSync(install);
    await assert.rejects(loadWebgpu({} as TF, { extensionRoot: install }), /not installed in .*ext/);
    assert.throws(() => execFileSync('test', ['-e', marker]), 'the package above the install never ran');
  });

  it('case 7: keys named like Object.prototype members are unknown properties, not crashes', async () => {
    const top = await validateSpecFile(specFile('p1.dlmodel.json', '{ "constructor": 1, "data": { "source": "d.csv", "target": "y" }, "model": { "layers": [] } }'));
    assert.deepEqual(errors(top), []);
    assert.match(warnings(top).join('\n'), /unknown property "constructor"/);
    const img = await validateSpecFile(specFile('p2.dlmodel.json', '{ "data": { "source": "d.csv", "target": "y", "image": { "valueOf": 1, "width": 2, "height": 2, "channels": 1 } }, "model": { "layers": [] } }'));
    assert.match(warnings(img).join('\n'), /unknown property "valueOf"/);
    assert.ok(!errors(img).some((m) => /internal error/.test(m)));
    const run = path.join(dir, 'base');
    modelRun(run, ['./weights.bin'], Buffer.alloc(36));
    const mj = path.join(run, 'model', 'model.json');
    execFileSync(process.execPath, ['-e', `const f=${JSON.stringify(mj)};const j=JSON.parse(require('fs').readFileSync(f));j.modelTopology.config.layers[0].class_name='constructor';require('fs').writeFileSync(f,JSON.stringify(j))`]);
    const base = await validateSpecFile(specFile('b.dlmodel.json', JSON.stringify({ data: { source: 'd.csv', target: 'y' }, model: { from: 'base', layers: [] } })));
    assert.match(errors(base).join('\n'), /layer type "constructor" of the base model is not supported/);
    writeFileSync(path.join(dir, 'proto.csv'), '__proto__,y\n1,p\n2,q\n');
    await assert.rejects(readTable(path.join(dir, 'proto.csv')), /proto\.csv:1: a column named "__proto__" is not supported/);
    writeFileSync(path.join(dir, 'proto.json'), '[{"__proto__": 1, "y": "p"}]');
    await assert.rejects(readTable(path.join(dir, 'proto.json')), /"__proto__" is not supported/);
  });

  it('case 9: --resume validates the spec saved in run.json ("data": null is exit 2 with a message)', async () => {
    const f = specFile('r.dlmodel.json', JSON.stringify({ data: { source: 'd.csv', target: 'y' }, model: { layers: [] } }));
    const runDir = path.join(dir, '.dlmodel', 'runs', 'r', 'r1');
    mkdirSync(runDir, { recursive: true });
    const run = { id: 'r1', name: 'r', specPath: f, spec: { data: null, model: { layers: [] } }, specHash: 'h', status: 'interrupted', backend: 'wasm', startedAt: '2026-01-01T00:00:00Z', epochs: 2, epochsDone: 1 };
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
    const r = await runCli(['train', f, '--resume', runDir, '--backend', 'cpu']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /the spec saved in .*run\.json:\d+:\d+: .*data/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  it('case 14: a second --resume of a run another live process trains is refused (exit 2), before anything is loaded', async () => {
    const f = specFile('r.dlmodel.json', JSON.stringify({ data: { source: 'd.csv', target: 'y' }, model: { layers: [] } }));
    const runDir = path.join(dir, '.dlmodel', 'runs', 'r', 'r1');
    mkdirSync(runDir, { recursive: true });
    const run = { id: 'r1', name: 'r', specPath: f, spec: { data: { source: 'd.csv', target: 'y' }, model: { layers: [] } }, specHash: 'h', status: 'interrupted', backend: 'wasm', startedAt: '2026-01-01T00:00:00Z', epochs: 2, epochsDone: 1 };
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
    writeFileSync(path.join(runDir, 'metrics.jsonl'), '{"epoch":1,"loss":1,"ms":1}\n');
    const first = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(path.join(runDir, 'run.lock'), `${first.pid}\n`);
      const r = await runCli(['train', f, '--resume', runDir, '--backend', 'cpu']);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, new RegExp(`being trained by process ${first.pid}`));
      assert.equal(readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'), '{"epoch":1,"loss":1,"ms":1}\n', 'nothing written');
      assert.equal(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).status, 'interrupted');
    } finally {
      first.kill();
    }
  });

  it('case 10: 3,000 levels of nesting are refused with a message, in a spec and in a data file', async () => {
    const deep = '['.repeat(3000) + ']'.repeat(3000);
    const r = await validateSpecFile(specFile('deep.dlmodel.json', `{ "data": { "rows": ${deep}, "target": "y" }, "model": { "layers": [] } }`));
    assert.match(errors(r).join('\n'), /nested more than 100 levels deep/);
    writeFileSync(path.join(dir, 'deep.json'), deep);
    await assert.rejects(readTable(path.join(dir, 'deep.json')), /deep\.json:1:\d+: nested too deeply/);
  });

  it('case 11: a FIFO or a device as data, predict source, --input or spec is refused at once, saying what it is', async () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo.csv')]);
    symlinkSync('/dev/zero', path.join(dir, 'zero.csv'));
    for (const source of ['fifo.csv', 'zero.csv']) {
      const r = await validateSpecFile(specFile('f.dlmodel.json', JSON.stringify({ data: { source, target: 'y' }, model: { layers: [] } })), undefined, { trusted: true });
      assert.match(errors(r).join('\n'), /is not a regular file \((a named pipe|a character device)\)/);
    }
    const pre = { task: 'classification', features: [], inputNames: ['a'], inputShape: [1], normalization: { kind: 'none', a: [], b: [] }, target: ['y'] } as unknown as PreprocessJson;
    await assert.rejects(resolvePredictInputs(pre, { specPath: path.join(dir, 'x.dlmodel.json'), inputPath: path.join(dir, 'fifo.csv') }), /not a regular file/);
    await assert.rejects(resolvePredictInputs(pre, { specPath: path.join(dir, 'x.dlmodel.json'), spec: { data: { target: 'y' }, model: { layers: [] }, predict: { source: 'zero.csv' } } as never }), /not a regular file/);
    const cli = await runCli(['validate', path.join(dir, 'fifo.csv')]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr + cli.stdout, /not a regular file/);
  });

  it('case 12: out of memory says so with the model size; validation warns when a model cannot fit', async () => {
    for (const m of ['memory access out of bounds', 'Invalid typed array length: 2500000000', 'Array buffer allocation failed']) {
      const c = classifyError(new RangeError(m), { params: 625_050_002, bytes: 10e9 });
      assert.equal(c.reason, 'oom', m);
      assert.match(c.message, /^Out of memory .*625,050,002 parameters.*GB/);
    }
    const big = { data: { source: 'd.csv', target: 'y' }, model: { layers: [{ type: 'dense', units: 25000 }, { type: 'dense', units: 25000 }] } };
    const r = await validateSpecFile(specFile('big.dlmodel.json', JSON.stringify(big)), undefined, { trusted: true });
    assert.deepEqual(errors(r), []);
    assert.match(warnings(r).join('\n'), /will not fit in memory: 625,\d{3},\d{3} parameters, about \d+(\.\d)? GB to train/);
    const small = await validateSpecFile(specFile('small.dlmodel.json', JSON.stringify({ ...big, model: { layers: [{ type: 'dense', units: 25 }] } })), undefined, { trusted: true });
    assert.ok(!warnings(small).some((w) => /fit in memory/.test(w)));
  });

  it('case 13 and 16: truncated or oversized images, a truncated weights.bin and absurd base shapes fail validation', async () => {
    const imgs = path.join(dir, 'imgs');
    for (const c of ['a', 'b']) {
      mkdirSync(path.join(imgs, c), { recursive: true });
      for (let i = 0; i < 3; i++) writeFileSync(path.join(imgs, c, `${i}.png`), png(4, 4));
    }
    const whole = png(4, 4);
    writeFileSync(path.join(imgs, 'b', '1.png'), whole.subarray(0, whole.length - 20));
    const img = { data: { source: 'imgs', target: 'class', image: { width: 4, height: 4, channels: 1 } }, model: { layers: [{ type: 'flatten' }] } };
    const r = await validateSpecFile(specFile('i.dlmodel.json', JSON.stringify(img)), undefined, { trusted: true });
    assert.match(errors(r).join('\n'), /b\/1\.png: the PNG file is truncated/);
    // A header declaring 16000x16000 is refused before decoding (3.6 GB otherwise).
    const huge = png(4, 4);
    huge.writeUInt32BE(16000, 16);
    huge.writeUInt32BE(16000, 20);
    assert.throws(() => decodeImage(huge, 'huge.png'), /declares 16000x16000 pixels, more than the 40,000,000 allowed/);
    writeFileSync(path.join(imgs, 'b', '1.png'), huge);
    const r2 = await validateSpecFile(path.join(dir, 'i.dlmodel.json'), JSON.stringify(img) + ' ', { trusted: true });
    assert.match(errors(r2).join('\n'), /b\/1\.png: the image declares 16000x16000 pixels/);
    writeFileSync(path.join(imgs, 'b', '1.png'), whole);
    assert.deepEqual(errors(await validateSpecFile(path.join(dir, 'i.dlmodel.json'), undefined, { trusted: true })), [], 'a fixed image clears the error');
    // Base models: a truncated weights.bin, and a layer of 10^12 units.
    const run = path.join(dir, 'base');
    modelRun(run, ['./weights.bin'], Buffer.alloc(30));
    const t = specFile('t.dlmodel.json', JSON.stringify({ data: { source: 'd.csv', target: 'y' }, model: { from: 'base', layers: [] } }));
    assert.match(errors(await validateSpecFile(t, undefined, { trusted: true })).join('\n'), /weights\.bin: 30 bytes, .*need 36 .*truncated/);
    modelRun(run, ['./weights.bin'], Buffer.alloc(36), 1e12);
    assert.match(errors(await validateSpecFile(t, undefined, { trusted: true })).join('\n'), /Dense layer has units 1000000000000/);
  });

  it('case 15: a Latin-1 CSV keeps Müller and Mäller apart and says so; bytes no encoding defines are refused with the line', async () => {
    writeFileSync(path.join(dir, 'l1.csv'), Buffer.from('name,x,y\nM\xfcller,1,p\nM\xe4ller,2,q\nZ,3,p\nW,4,q\n', 'latin1'));
    const t = await readTable(path.join(dir, 'l1.csv'));
    assert.deepEqual(t.rows.map((r) => r.name), ['Müller', 'Mäller', 'Z', 'W']);
    assert.deepEqual(t.encoding, { name: 'windows-1252', line: 2 });
    const r = await validateSpecFile(specFile('l.dlmodel.json', JSON.stringify({ data: { source: 'l1.csv', target: 'y' }, model: { layers: [] } })), undefined, { trusted: true });
    assert.match(warnings(r).join('\n'), /"l1\.csv" is not UTF-8 \(from line 2\); it is read as Windows-1252/);
    writeFileSync(path.join(dir, 'bad.csv'), Buffer.from([...Buffer.from('a,y\n1,p\n'), 0x81, ...Buffer.from(',q\n')]));
    await assert.rejects(readTable(path.join(dir, 'bad.csv')), /bad\.csv:3: not UTF-8 text .*not Windows-1252 either/);
    writeFileSync(path.join(dir, 'u16.csv'), Buffer.from('\ufeffa,y\n1,p\n', 'utf16le'));
    await assert.rejects(readTable(path.join(dir, 'u16.csv')), /NUL bytes \(UTF-16/);
  });
});
