// Which trainer a job gets: TensorFlow.js (the ladder) or PyTorch. `torch` asks for PyTorch; `auto` takes it
// only when there is a GPU for it (and a Python with PyTorch that sees it); a resumed run keeps the trainer
// it started with, since a checkpoint of one cannot be read by the other.
import type { TrainJob } from '../../protocol/trainer';
import { readRun } from '../../runs/folder';
import { RunFailure, type TrainerContext } from '../train';
import { choosePython, gpuLikely, probeTorch, type TorchProbe } from './python';

export type TrainerChoice = { kind: 'tfjs' } | { kind: 'torch'; probe?: TorchProbe };

export async function chooseTrainer(job: TrainJob, ctx: TrainerContext): Promise<TrainerChoice> {
  if (job.resume) {
    const run = await readRun(job.resume).catch(() => undefined);
    const wasTorch = !!run?.backend?.startsWith('torch-');
    if (run && job.backend === 'torch' && !wasTorch) {
      throw new RunFailure('invalid', `--resume ${job.resume}: this run trained with TensorFlow.js (${run.backend}); resume it without --backend torch`);
    }
    if (run) return wasTorch ? { kind: 'torch' } : { kind: 'tfjs' };
  }
  if (job.backend === 'torch') return { kind: 'torch' };
  if (job.backend !== 'auto') return { kind: 'tfjs' };
  if (!gpuLikely()) {
    ctx.emit({ type: 'log', level: 'info', message: 'backend torch not used: no GPU found (auto puts PyTorch first only for a GPU)' });
    return { kind: 'tfjs' };
  }
  try {
    const probe = await probeTorch(choosePython(job.pythonPath), { devices: true });
    if (probe.cuda || probe.mps) return { kind: 'torch', probe };
    ctx.emit({ type: 'log', level: 'info', message: `backend torch not used: PyTorch ${probe.torch} in ${probe.python} sees no GPU` });
  } catch (err) {
    ctx.emit({ type: 'log', level: 'info', message: `backend torch not used: ${(err as Error).message}` });
  }
  return { kind: 'tfjs' };
}
