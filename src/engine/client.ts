// Host side of the trainer boundary: starts dist/trainer.js in its own Node process, hands it one job,
// and relays its events. Deliberately free of TensorFlow.js: the extension host and the command line
// load only this file, so a crashing or memory-hungry backend can never take the host down with it.
import { fork, type ChildProcess } from 'node:child_process';
import {
  isTrainerEvent,
  TRAINER_PROTOCOL_VERSION,
  type HostMessage,
  type Job,
  type TrainerEvent,
} from '../protocol/trainer';

export interface StartTrainerOptions {
  /** Absolute path of dist/trainer.js (or a .ts file together with `execArgv: ['--import', 'tsx']`). */
  trainerScript: string;
  onEvent(e: TrainerEvent): void;
  onStderr?(text: string): void;
  env?: NodeJS.ProcessEnv;
  /** After `cancel()`, how long the trainer may take to save and exit before it is killed. Default 15 s. */
  killTimeoutMs?: number;
  execArgv?: string[];
  cwd?: string;
}

export interface TrainerDone {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last event received (normally `finished` or `failed`). */
  last?: TrainerEvent;
}

export interface TrainerHandle {
  pid: number;
  /** Graceful: the trainer stops at the next batch boundary and saves; SIGKILL after killTimeoutMs. */
  cancel(): void;
  kill(): void;
  done: Promise<TrainerDone>;
}

export const DEFAULT_KILL_TIMEOUT_MS = 15_000;

export function startTrainer(job: Job, opts: StartTrainerOptions): TrainerHandle {
  const child: ChildProcess = fork(opts.trainerScript, [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...opts.env },
    execArgv: opts.execArgv ?? [],
    cwd: opts.cwd,
    serialization: 'json',
  });
  let last: TrainerEvent | undefined;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;

  const forwardText = (chunk: Buffer | string) => opts.onStderr?.(chunk.toString());
  // The trainer prints nothing on stdout by design; anything there (a library's console.log) is a debug aid.
  child.stdout?.on('data', forwardText);
  child.stderr?.on('data', forwardText);

  child.on('message', (msg: unknown) => {
    if (!isTrainerEvent(msg)) return;
    last = msg;
    try {
      opts.onEvent(msg);
    } catch (err) {
      opts.onStderr?.(`dlmodel: event handler failed: ${(err as Error).message}\n`);
    }
  });

  const done = new Promise<TrainerDone>((resolve) => {
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      exited = true;
      if (killTimer) clearTimeout(killTimer);
      resolve({ exitCode, signal, last });
    };
    // 'close' waits for stdio to drain, so no stderr text is lost after the last event.
    child.on('close', (code, signal) => finish(code, signal));
    child.on('error', (err) => {
      opts.onStderr?.(`dlmodel: could not start the trainer (${opts.trainerScript}): ${err.message}\n`);
      finish(child.exitCode ?? null, null);
    });
  });

  const send = (m: HostMessage) => {
    if (!exited && child.connected) {
      try {
        child.send(m);
      } catch {
        // The channel closed between the check and the send: the process is exiting anyway.
      }
    }
  };
  send({ type: 'job', version: TRAINER_PROTOCOL_VERSION, job });

  const kill = () => {
    if (!exited) child.kill('SIGKILL');
  };

  return {
    pid: child.pid ?? -1,
    cancel() {
      if (exited) return;
      send({ type: 'cancel' });
      if (!killTimer) {
        killTimer = setTimeout(kill, opts.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS);
        killTimer.unref();
      }
    },
    kill,
    done,
  };
}
