// Which hidden layer of an autoencoder is its code: the narrowest (fewest values per example), the first
// of equals, so a dropout after the code layer does not take its place. The summary (from inferred shapes)
// and the engine (from the built model) both ask this function. Neutral: no Node, DOM or TensorFlow.js.

/** `shapes`: each hidden layer's output shape without the batch dimension. -1 when there is none. */
export function codeLayerIndex(shapes: readonly (readonly (number | null)[])[]): number {
  let best = -1;
  let bestSize = Infinity;
  shapes.forEach((s, i) => {
    const size = s.reduce((a: number, b) => a * (b ?? 1), 1);
    if (size < bestSize) {
      bestSize = size;
      best = i;
    }
  });
  return best;
}
