// The relay between train.py (--events) and the trainer protocol, with a stand-in program (Node, so that it
// runs without PyTorch): events pass through checked, kernels in base64 become the diagram's statistics,
// lines that are not events are kept as debug output, "cancel" reaches the program's stdin, and the
// program's own end event is handed back rather than relayed.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { writeFileSync } from 'node:fs';
import { decodeWireLayer, lastErrorLine, runRelay } from '../../../src/engine/torch/relay';
import { EMBEDDING_ROWS_SENT, type TrainerEvent } from '../../../src/protocol/trainer';
import { scratch } from '../engine/helpers';

const PROGRAM = `
const kernel = Buffer.from(new Float32Array([1, -2, 3, 0.5]).buffer).toString('base64');
const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
say({ type: 'log', level: 'info', message: 'hello' });
process.stdout.write('a library printing on stdout\\n');
say({ type: 'weights', epoch: 1, layers: [{ index: 1, name: 'dense_1', type: 'Dense', kernelShape: [2, 2], kernelBase64: kernel, bias: [0, 1] }] });
say({ type: 'nonsense' });
process.stderr.write('Traceback (most recent call last):\\n  ...\\nValueError: the last line\\n');
let input = '';
process.stdin.on('data', (d) => {
  input += d;
  if (input.includes('cancel\\n')) {
    say({ type: 'finished', status: 'stopped', runDir: '/r', epochsDone: 1, metrics: {} });
    process.exit(0);
  }
});
`;

describe('torch relay', function () {
  this.timeout(30_000);

  it('relays events, decodes kernels, passes cancel, and returns the end event', async () => {
    const s = scratch();
    try {
      const file = path.join(s.dir, 'fake-train.js');
      writeFileSync(file, PROGRAM);
      const events: TrainerEvent[] = [];
      let debug = '';
      let cancel = false;
      const res = await runRelay({
        python: process.execPath,
        args: [file],
        emit: (e) => {
          events.push(e);
          if (e.type === 'weights') cancel = true;
        },
        cancelled: () => cancel,
        onStderr: (t) => (debug += t),
      });
      assert.deepEqual(events.map((e) => e.type), ['log', 'weights'], 'only protocol events, the end event held back');
      const w = events[1] as Extract<TrainerEvent, { type: 'weights' }>;
      assert.deepEqual(w.layers[0].kernel, [1, -2, 3, 0.5]);
      assert.equal(w.layers[0].stats.min, -2);
      assert.equal(w.layers[0].stats.max, 3);
      assert.equal(w.layers[0].stats.histogram.reduce((a, b) => a + b, 0), 4);
      assert.ok(!('kernelBase64' in w.layers[0]));
      assert.equal(res.end?.type, 'finished');
      assert.equal(res.exitCode, 0);
      assert.match(debug, /a library printing on stdout/);
      assert.equal(lastErrorLine(res.stderrTail), 'ValueError: the last line');
    } finally {
      s.cleanup();
    }
  });

  it('says when the program cannot be started', async () => {
    const res = await runRelay({ python: '/nonexistent/python3', args: [], emit: () => undefined, cancelled: () => false });
    assert.match(res.spawnError ?? '', /ENOENT/);
  });

  it("an embedding travels as its first rows, as dlmodel's own trainer sends it", () => {
    const values = new Float32Array(400 * 3).map((_, i) => i / 1000);
    const l = decodeWireLayer({ index: 1, name: 'embedding_1', type: 'Embedding', kernelShape: [400, 3], kernelBase64: Buffer.from(values.buffer).toString('base64') });
    assert.equal(l.kernel, undefined);
    assert.equal(l.embeddingRows?.length, EMBEDDING_ROWS_SENT * 3);
    assert.equal(l.embeddingRows?.[5], values[5]);
    assert.equal(l.stats.max, values[values.length - 1], 'the statistics still cover every row');
  });

  it('a large kernel travels as statistics only', () => {
    const values = new Float32Array(300_000).map((_, i) => (i % 7) - 3);
    const l = decodeWireLayer({ index: 1, name: 'd', type: 'Dense', kernelShape: [600, 500], kernelBase64: Buffer.from(values.buffer).toString('base64') });
    assert.equal(l.kernel, undefined);
    assert.equal(l.stats.min, -3);
    assert.equal(l.stats.max, 3);
  });
});
