// Which units of a wide layer the network diagram draws: the host cuts large kernels to exactly these
// before sending them, the webview draws them. Neutral: no vscode, Node or DOM imports.

/** Neurons drawn per column at most; the host sends only those weights of large layers. */
export const DIAGRAM_MAX_SHOWN = 12;

/** Which neurons of a layer of `n` to draw: all when they fit, else the first and last with a gap. */
export function collapse(n: number, maxShown: number): { shown: number[]; gapAfter: number } {
  if (n <= maxShown) return { shown: Array.from({ length: n }, (_, i) => i), gapAfter: -1 };
  const slots = Math.max(2, maxShown - 1);
  const head = Math.ceil(slots / 2);
  const tail = slots - head;
  const shown: number[] = [];
  for (let i = 0; i < head; i++) shown.push(i);
  for (let i = n - tail; i < n; i++) shown.push(i);
  return { shown, gapAfter: head - 1 };
}
