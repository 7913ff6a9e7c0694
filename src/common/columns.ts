// metrics.jsonl records <-> the column form the snapshots carry (see EpochColumns in the protocol).
import type { EpochColumns, EpochPoint } from '../protocol/webview';

export function epochCount(cols: EpochColumns): number {
  return cols.epoch?.length ?? 0;
}

/**
 * The host's growing copy of a run's metrics: one Float64Array per key with room to grow, so appending an
 * epoch is O(1) amortized. `columns()` hands out exact-length copies (a view into a larger buffer would
 * make postMessage copy the whole buffer) and keeps them until the next change, so the many snapshots
 * posted within one epoch share them.
 */
export class ColumnTable {
  private cols = new Map<string, Float64Array>();
  private n = 0;
  private cap = 0;
  private view?: EpochColumns;

  constructor() {
    this.cols.set('epoch', new Float64Array(0));
  }

  static from(recs: readonly EpochPoint[]): ColumnTable {
    const t = new ColumnTable();
    for (const r of recs) t.append(r);
    return t;
  }

  get length(): number {
    return this.n;
  }

  /**
   * Appends one epoch's record. A record for an epoch already present (a resumed run redoing an epoch)
   * replaces it and everything after it.
   */
  append(rec: EpochPoint): void {
    this.view = undefined;
    const ep = this.cols.get('epoch') as Float64Array;
    while (this.n > 0 && ep[this.n - 1] >= rec.epoch) this.n--;
    if (this.n === this.cap) this.grow(Math.max(16, this.cap * 2));
    for (const k of Object.keys(rec)) {
      if (!this.cols.has(k)) this.cols.set(k, new Float64Array(this.cap).fill(NaN));
    }
    for (const [k, col] of this.cols) {
      const v = rec[k];
      col[this.n] = typeof v === 'number' ? v : NaN;
    }
    this.n++;
  }

  /** Exact-length columns for a snapshot; the same objects until the next append. */
  columns(): EpochColumns {
    if (!this.view) {
      const out: EpochColumns = { epoch: new Float64Array(0) };
      for (const [k, col] of this.cols) out[k] = col.slice(0, this.n);
      this.view = out;
    }
    return this.view;
  }

  private grow(cap: number): void {
    for (const [k, col] of this.cols) {
      const next = new Float64Array(cap).fill(NaN);
      next.set(col.subarray(0, this.n));
      this.cols.set(k, next);
    }
    this.cap = cap;
  }
}

export function columnsFromRecords(recs: readonly EpochPoint[]): EpochColumns {
  return ColumnTable.from(recs).columns();
}
