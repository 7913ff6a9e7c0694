// The learned embedding of the most frequent tokens as the dashboard plots it: each token's vector
// projected to 2-D (PCA), and its nearest neighbours by cosine similarity in the full embedding space
// (not in the plot, where distances are distorted). Neutral: no Node, DOM or TensorFlow.js.
import { to2d } from './pca';

export interface EmbeddingNeighbour {
  token: string;
  similarity: number;
}

export interface EmbeddingPoint {
  token: string;
  /** The token's id (its row of the embedding table). */
  id: number;
  x: number;
  y: number;
  neighbours: EmbeddingNeighbour[];
}

/** Ids below this are padding (0) and unknown (1): not words, so not plotted. */
const FIRST_TOKEN_ROW = 2;

/**
 * `rows` holds the first rows of the embedding table (row-major, `dim` values each): padding, unknown and
 * then the tokens by frequency, `vocabulary[k]` being row k + 2. Plots up to `shown` tokens; neighbours are
 * looked for among every token whose row was sent.
 */
export function embeddingPoints(rows: ArrayLike<number>, dim: number, vocabulary: readonly string[], shown = 150, neighbours = 5): EmbeddingPoint[] {
  if (dim < 1) return [];
  const available = Math.min(Math.floor(rows.length / dim) - FIRST_TOKEN_ROW, vocabulary.length);
  if (available < 1) return [];
  const n = available;
  const vecs = new Float64Array(n * dim);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = rows[(i + FIRST_TOKEN_ROW) * dim + j];
      vecs[i * dim + j] = v;
      s += v * v;
    }
    norms[i] = Math.sqrt(s);
  }
  const m = Math.min(shown, n);
  const xy = to2d(vecs.subarray(0, m * dim), m, dim);
  const out: EmbeddingPoint[] = [];
  for (let i = 0; i < m; i++) {
    const sims: { k: number; s: number }[] = [];
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += vecs[i * dim + j] * vecs[k * dim + j];
      const den = norms[i] * norms[k];
      sims.push({ k, s: den > 0 ? dot / den : 0 });
    }
    sims.sort((a, b) => b.s - a.s || a.k - b.k);
    out.push({
      token: vocabulary[i],
      id: i + FIRST_TOKEN_ROW,
      x: xy[i][0],
      y: xy[i][1],
      neighbours: sims.slice(0, neighbours).map(({ k, s }) => ({ token: vocabulary[k], similarity: s })),
    });
  }
  return out;
}
