// How the command line prints numbers and predictions, and keeps the trainer's stderr: shared
// by `train`, `predict` and `runs`.

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

export function describePrediction(p: { output: number[] | string; label?: string; confidence?: number; code?: number[]; reconstructionError?: number; cluster?: number }): string {
  if (p.reconstructionError !== undefined) {
    const cluster = p.cluster !== undefined ? `cluster ${p.cluster}, ` : '';
    return `${cluster}reconstruction error ${formatNumber(p.reconstructionError)}, code [${(p.code ?? []).map((v) => formatNumber(v)).join(', ')}]`;
  }
  if (typeof p.output === 'string') return JSON.stringify(p.output);
  if (p.label !== undefined) return `${p.label} (${((p.confidence ?? 0) * 100).toFixed(1)}%)`;
  return p.output.map((v) => formatNumber(v)).join(', ');
}

/**
 * The trainer's own stderr (native libraries' warnings, stacks of crashes) is a debug aid: shown live with
 * DLMODEL_DEBUG=1, otherwise kept (the last few KB) and shown only when the trainer died without a word.
 */
export function trainerStderr(): { write(text: string): void; tail(): string } {
  const live = !!process.env.DLMODEL_DEBUG;
  let kept = '';
  return {
    write: (text: string) => {
      if (live) process.stderr.write(text);
      else kept = (kept + text).slice(-4000);
    },
    tail: () => (live ? '' : kept),
  };
}
