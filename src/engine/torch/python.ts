// Finding the Python that trains for the `torch` backend, and asking it what PyTorch can use. The Python
// comes from DLMODEL_PYTHON, the `dlmodel.pythonPath` setting (passed in the job), or `python3` on the PATH
// (`python` on Windows). Each failure says which Python was tried and what to do.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BackendError } from '../backends/index';

export interface PythonChoice {
  command: string;
  /** Where the choice came from, for messages. */
  source: 'DLMODEL_PYTHON' | 'dlmodel.pythonPath' | 'PATH';
}

export function choosePython(settingPath?: string, env: NodeJS.ProcessEnv = process.env): PythonChoice {
  if (env.DLMODEL_PYTHON) return { command: env.DLMODEL_PYTHON, source: 'DLMODEL_PYTHON' };
  if (settingPath) return { command: settingPath, source: 'dlmodel.pythonPath' };
  return { command: process.platform === 'win32' ? 'python' : 'python3', source: 'PATH' };
}

export interface TorchProbe {
  python: string;
  pythonVersion: string;
  torch: string;
  /** Known only from a full probe (`devices`); train.py finds its device itself. */
  cuda?: boolean;
  cudaDevice?: string;
  mps?: boolean;
}

/** Finds torch without importing it (a second or more); with `devices`, imports it and asks for GPUs. */
function probeScript(devices: boolean): string {
  return [
    'import importlib.util, json, sys',
    'out = {"python": sys.executable, "pythonVersion": sys.version.split()[0]}',
    'try:',
    ...(devices
      ? [
          '    import torch',
          '    out["torch"] = torch.__version__',
          '    out["cuda"] = bool(torch.cuda.is_available())',
          '    out["cudaDevice"] = torch.cuda.get_device_name(0) if out["cuda"] else None',
          '    m = getattr(torch.backends, "mps", None)',
          '    out["mps"] = bool(m is not None and m.is_available())',
        ]
      : [
          '    if importlib.util.find_spec("torch") is None:',
          '        raise ModuleNotFoundError("No module named \'torch\'")',
          '    try:',
          '        import importlib.metadata as md',
          '        out["torch"] = md.version("torch")',
          '    except Exception:',
          '        out["torch"] = "(version unknown)"',
        ]),
    'except Exception as e:',
    '    out["error"] = "%s: %s" % (type(e).__name__, e)',
    'print(json.dumps(out))',
  ].join('\n');
}

function howToSet(choice: PythonChoice): string {
  return choice.source === 'PATH'
    ? 'install Python 3, or set the dlmodel.pythonPath setting (or DLMODEL_PYTHON) to a Python that has PyTorch'
    : `check ${choice.source}`;
}

/**
 * Runs the probe; throws a BackendError that says what is missing (Python, or PyTorch in that Python).
 * `devices` also asks PyTorch for CUDA and MPS (it imports torch: only `auto` needs that).
 */
export function probeTorch(choice: PythonChoice, opts: { devices?: boolean; timeoutMs?: number } = {}): Promise<TorchProbe> {
  return new Promise((resolve, reject) => {
    execFile(choice.command, ['-c', probeScript(!!opts.devices)], { timeout: opts.timeoutMs ?? 60_000, windowsHide: true }, (err, stdout, stderr) => {
      const fail = (message: string) => reject(new BackendError(message, [{ name: 'torch-cpu', ok: false, reason: message }]));
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        return fail(`The torch backend needs Python: "${choice.command}" (from ${choice.source}) was not found; ${howToSet(choice)}.`);
      }
      let out: Partial<TorchProbe> & { error?: string } | undefined;
      try {
        out = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        out = undefined;
      }
      if (!out) {
        const why = (stderr.trim().split('\n').pop() ?? '') || (err ? err.message : 'no answer');
        return fail(`The torch backend could not run "${choice.command}" (from ${choice.source}): ${why}`);
      }
      if (out.error) {
        return fail(
          `PyTorch is not installed for ${out.python} (Python ${out.pythonVersion}, from ${choice.source}): ${out.error}. ` +
            `Install it (pip install torch, or apt-get install python3-torch), or point dlmodel.pythonPath / DLMODEL_PYTHON at a Python that has it.`,
        );
      }
      resolve(out as TorchProbe);
    });
  });
}

/**
 * For `auto`: is there a GPU PyTorch could use? Checked without starting Python first (an NVIDIA driver,
 * or an Apple silicon Mac), so that machines without a GPU never pay for importing torch.
 */
export function gpuLikely(): boolean {
  if (process.platform === 'darwin') return process.arch === 'arm64';
  if (process.platform === 'win32') return existsSync('C:\\Windows\\System32\\nvidia-smi.exe');
  return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0');
}
