// Child process of threads.test.ts: loads the wasm backend on the thread count given, trains two bench
// networks (dense: the dense step; CNN: tfjs-layers with our conv kernels) from the same seeds for a few
// steps, and prints {threads, threadsNote, dense: losses, cnn: losses} as one JSON line. One process per
// thread count: a process holds one wasm module, and the threaded one keeps its workers until exit.
import * as path from 'node:path';
import { loadBackend } from '../../../../src/engine/backends/index';
import { TASKS, compileForBench, makeData, trainSteps } from '../../../../bench/tasks';

async function main(): Promise<void> {
  const threads = Number(process.argv[2]);
  const root = path.resolve(__dirname, '../../../..');
  const { tf, report } = await loadBackend('wasm', { extensionRoot: root, threads });
  const losses: Record<string, number[]> = {};
  for (const [name, id, steps] of [['dense', 'B', 12], ['cnn', 'C', 4]] as const) {
    const task = TASKS[id];
    const data = makeData(task, 1024, 3, 'uint8');
    const model = task.build(tf, 11);
    compileForBench(tf, model, task);
    losses[name] = (await trainSteps(tf, model, task, data, steps, { seed: 5, batchSize: 64 })).losses;
  }
  process.stdout.write(JSON.stringify({ threads: report.threads, threadsNote: report.threadsNote, ...losses }) + '\n');
  process.exit(0);
}

void main();
