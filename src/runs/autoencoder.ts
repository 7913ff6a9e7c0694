// autoencoder.json in a run folder: what an autoencoder learned about its rows, for `dlmodel predict`
// (the code layer and the cluster centres) and the dashboard (every row's code in 2-D, its reconstruction
// error and cluster, and how the clusters match data.label).
import type { ClusterReport } from '../common/clusters';
import type { RowReconstruction } from '../common/reconstruction';

export type { RowReconstruction };

export interface CodePoint {
  /** Index of the row in the prepared data (the order of predictions.json's rows is another). */
  row: number;
  /** The code in 2-D: as is when it has one or two values, its first two principal components otherwise. */
  x: number;
  y: number;
  error: number;
  cluster?: number;
  label?: string;
  /** Which split the row was in. */
  split: 'train' | 'validation';
  /** The row as the user wrote it (features, or `{ file }` for an image), to show when its point is clicked. */
  input: Record<string, unknown>;
}

export interface AutoencoderJson {
  runId: string;
  codeLayer: string;
  codeSize: number;
  /** "pca" when the code has more than two values. */
  projection: 'identity' | 'pca';
  clusters?: { k: number; centroids: number[][]; seed: number };
  /** With labels (data.label, or an image folder's sub-folders): each cluster's purity and the cluster-by-label table. */
  report?: ClusterReport;
  points: CodePoint[];
  /** Names of the input values (tables), in model order. */
  inputNames: string[];
  image?: { width: number; height: number; channels: number };
  /** A few validation rows and their reconstructions. */
  examples: RowReconstruction[];
  /** The rows with the highest reconstruction error, most unusual first. */
  unusual: RowReconstruction[];
}
