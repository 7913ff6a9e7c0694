// At most one call per interval, always with the latest state (trailing edge): a burst of trainer events
// costs one snapshot, and the last event is never lost.

export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(private readonly intervalMs: number, private readonly fn: () => void) {}

  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = Date.now();
      this.fn();
    }, wait);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
