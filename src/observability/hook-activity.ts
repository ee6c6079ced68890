/**
 * When this replica last answered a hook: background work that competes for the same cores and
 * database (a backtest's replay) slows down while hooks are arriving.
 */
export class HookActivity {
  private lastAt = Number.NEGATIVE_INFINITY;

  readonly record = (): void => {
    this.lastAt = performance.now();
  };

  /** A hook was answered within the last `ms` milliseconds. */
  within(ms: number): boolean {
    return performance.now() - this.lastAt < ms;
  }
}
