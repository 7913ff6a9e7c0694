// The `dlmodel` command line as a user runs it: the bundled dist/cli.js in a child process.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import nodeOptions from '../../../esbuild.node.json';

const ROOT = join(__dirname, '..', '..', '..');
const FIX = 'test/fixtures/spec';

let outDir: string;
let cli: string;

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function noStackTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, 'stack trace in output');
  assert.doesNotMatch(text, /(TypeError|ReferenceError|SyntaxError):/);
}

describe('dlmodel command line', function () {
  this.timeout(60_000);

  before(async () => {
    // The same bundle `npm run build` makes, built alone so this test does not depend on other bundles.
    outDir = mkdtempSync(join(tmpdir(), 'dlmodel-cli-'));
    cli = join(outDir, 'cli.js');
    await esbuild.build({ ...(nodeOptions as esbuild.BuildOptions), entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: cli, logLevel: 'silent' });
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  it('validate: a valid file exits 0', () => {
    const r = run('validate', `${FIX}/course.dlmodel.json`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${FIX}/course.dlmodel.json: valid`);
    assert.equal(r.stderr, '');
  });

  it('validate: errors as FILE:LINE:COL: message on stderr, exit 2', () => {
    const file = `${FIX}/bad-layers.dlmodel.json`;
    const r = run('validate', file);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.includes(`${file}:5:52: "sigmoidd" is not an activation; allowed: "linear", "relu", "relu6", "elu", "selu", "sigmoid", "hardSigmoid", "tanh", "softmax", "softplus", "softsign", "swish", "mish", "gelu"; did you mean "sigmoid"?`), r.stderr);
    assert.ok(lines.includes(`${file}:6:41: "units" is not an option of a dropout layer; its options: rate, name`), r.stderr);
    assert.ok(lines.includes(`${file}:9:17: warning: unknown property "epoch" in training; did you mean "epochs"?`), r.stderr);
    for (const l of lines) assert.match(l, /^[^:]+:\d+:\d+: /);
    noStackTrace(r.stderr);
  });

  it('validate --json: the last stdout line is the result object', () => {
    const r = run('validate', `${FIX}/bad-layers.dlmodel.json`, '--json');
    assert.equal(r.code, 2);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(last.valid, false);
    assert.equal(last.errors.length, 2);
    assert.deepEqual(last.errors[1], {
      path: ['model', 'layers', 1, 'units'],
      line: 6,
      column: 41,
      message: '"units" is not an option of a dropout layer; its options: rate, name',
    });
    assert.equal(last.warnings.length, 1);
    const ok = JSON.parse(run('validate', '--json', `${FIX}/course.dlmodel.json`).stdout.trim().split('\n').pop()!);
    assert.deepEqual(ok, { valid: true, errors: [], warnings: [] });
  });

  it('validate: a malformed file is a syntax error with its place, never a stack trace', () => {
    const r = run('validate', `${FIX}/malformed.dlmodel.json`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^${FIX}/malformed\\.dlmodel\\.json:3:3: syntax error: expected "," between items$`, 'm'));
    noStackTrace(r.stderr + r.stdout);
  });

  it('validate: a data file problem points into the data file', () => {
    const r = run('validate', `${FIX}/ragged.dlmodel.json`);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), `${FIX}/ragged.csv:3:1: ragged.csv, line 3: row has 2 fields but the header has 3`);
  });

  it('validate: a missing file exits 2 with one line', () => {
    const r = run('validate', 'nope.dlmodel.json');
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'nope.dlmodel.json:1:1: cannot read the spec: file not found');
  });

  it('unknown command, unknown flag, missing FILE: usage and exit 2', () => {
    const a = run('frobnicate');
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown command "frobnicate"/);
    assert.match(a.stderr, /usage: dlmodel COMMAND/);
    const b = run('validate', `${FIX}/course.dlmodel.json`, '--fast');
    assert.equal(b.code, 2);
    assert.match(b.stderr, /^dlmodel validate: unknown option --fast \(options: --json\)\nusage: dlmodel validate FILE \[--json\]\n$/);
    const c = run('summary');
    assert.equal(c.code, 2);
    assert.match(c.stderr, /missing FILE/);
    const d = run();
    assert.equal(d.code, 2);
    for (const x of [a, b, c, d]) noStackTrace(x.stderr);
  });

  it('summary: the course example has 9 learnable parameters', () => {
    const r = run('summary', `${FIX}/course.dlmodel.json`);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines.find((l) => l.startsWith('Layer (type)'))!, /^Layer \(type\)\s+Output shape\s+Params\s+Formula$/);
    assert.match(lines.find((l) => l.startsWith('input'))!, /^input \(derived\)\s+\(None, 2\)\s+0$/);
    assert.match(lines.find((l) => l.startsWith('dense_1'))!, /^dense_1 \(dense, sigmoid\)\s+\(None, 2\)\s+6\s+2 x 2 \+ 2 = 6$/);
    assert.match(lines.find((l) => l.startsWith('output'))!, /^output \(dense, sigmoid\) \(derived\)\s+\(None, 1\)\s+3\s+2 x 1 \+ 1 = 3$/);
    assert.ok(lines.includes('Total params: 9'));
    assert.ok(lines.includes('Trainable params: 9'));
    assert.ok(lines.includes('Non-trainable params: 0'));
    assert.ok(lines.includes('Input layer (from the data): 2 values: weight, height'));
  });

  it('summary --json and summary of an invalid file', () => {
    const j = JSON.parse(run('summary', `${FIX}/course.dlmodel.json`, '--json').stdout.trim().split('\n').pop()!);
    assert.deepEqual(j.params, { total: 9, trainable: 9, nonTrainable: 0 });
    assert.equal(j.layers.length, 3);
    const bad = run('summary', `${FIX}/bad-layers.dlmodel.json`);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /bad-layers\.dlmodel\.json:6:41: "units" is not an option/);
  });
});
