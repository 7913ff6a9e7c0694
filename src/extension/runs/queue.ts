// A first-in first-out queue with a concurrency limit read at each start, so changing
// `dlmodel.maxConcurrentRuns` takes effect for the next run. Pure (no vscode), unit-tested.

export interface QueueEntry<T> {
  readonly id: number;
  readonly item: T;
  state: 'queued' | 'running';
}

export class RunQueue<T> {
  private nextId = 1;
  private readonly waiting: { entry: QueueEntry<T>; resolve: () => void }[] = [];
  private readonly runningEntries = new Set<QueueEntry<T>>();

  constructor(
    private readonly run: (entry: QueueEntry<T>) => Promise<void>,
    private readonly limit: () => number,
    private readonly onChange: () => void = () => {},
  ) {}

  /** Adds an item; the promise settles when it has run (or was removed before it started). */
  enqueue(item: T): { entry: QueueEntry<T>; done: Promise<void> } {
    const entry: QueueEntry<T> = { id: this.nextId++, item, state: 'queued' };
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.waiting.push({ entry, resolve });
    this.onChange();
    this.pump();
    return { entry, done };
  }

  /** Removes queued (not yet running) items that match; returns them. */
  remove(match: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i];
      if (match(w.entry.item)) {
        this.waiting.splice(i, 1);
        removed.unshift(w.entry.item);
        w.resolve();
      }
    }
    if (removed.length) this.onChange();
    return removed;
  }

  queued(): QueueEntry<T>[] {
    return this.waiting.map((w) => w.entry);
  }

  running(): QueueEntry<T>[] {
    return [...this.runningEntries];
  }

  private pump(): void {
    const max = Math.max(1, Math.floor(this.limit() || 1));
    while (this.runningEntries.size < max && this.waiting.length) {
      const { entry, resolve } = this.waiting.shift()!;
      entry.state = 'running';
      this.runningEntries.add(entry);
      this.onChange();
      let p: Promise<void>;
      try {
        p = this.run(entry);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.catch(() => undefined).then(() => {
        this.runningEntries.delete(entry);
        resolve();
        this.onChange();
        this.pump();
      });
    }
  }
}
