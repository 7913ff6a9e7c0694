// A row beside its autoencoder reconstruction: written to autoencoder.json by the trainer and shown as is
// by the dashboard, so the run folder and the webview share this one shape.

/** One row beside its reconstruction, both in the input's own units (pixels 0..1 for images). */
export interface RowReconstruction {
  row: number;
  input: Record<string, unknown>;
  label?: string;
  cluster?: number;
  error: number;
  original: number[];
  reconstruction: number[];
}
