// How well clusters match a label kept aside (data.label): each cluster's purity (the share of its rows
// carrying its most common label) and the cluster-by-label table, the confusion matrix's cousin.
// Neutral: no Node, DOM or TensorFlow.js.

export interface ClusterScore {
  cluster: number;
  size: number;
  /** The most common label in the cluster (the first in `labels` order on a tie); absent when empty. */
  majority?: string;
  /** majority count / size; 0 for an empty cluster. */
  purity: number;
}

export interface ClusterReport {
  labels: string[];
  /** table[cluster][labelIndex] = rows of that cluster carrying that label. */
  table: number[][];
  clusters: ClusterScore[];
  /** Rows whose cluster's majority label is their own label, over all rows. */
  purity: number;
}

/** `labels` of the rows in the order of `assignments`; `labelNames` fixes the column order (default: sorted). */
export function clusterReport(assignments: readonly number[], rowLabels: readonly string[], k: number, labelNames?: readonly string[]): ClusterReport {
  const labels = labelNames ? [...labelNames] : [...new Set(rowLabels)].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const table = Array.from({ length: k }, () => new Array<number>(labels.length).fill(0));
  assignments.forEach((c, i) => {
    let j = index.get(rowLabels[i]);
    if (j === undefined) {
      j = labels.length;
      labels.push(rowLabels[i]);
      index.set(rowLabels[i], j);
      for (const row of table) row.push(0);
    }
    table[c][j]++;
  });
  let agree = 0;
  const clusters: ClusterScore[] = table.map((row, cluster) => {
    const size = row.reduce((a, b) => a + b, 0);
    if (size === 0) return { cluster, size, purity: 0 };
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    agree += row[best];
    return { cluster, size, majority: labels[best], purity: row[best] / size };
  });
  return { labels, table, clusters, purity: assignments.length ? agree / assignments.length : 0 };
}
