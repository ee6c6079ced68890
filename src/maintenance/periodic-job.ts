/**
 * Runs a task now and then in the background: first after `firstDelayMs`, then `intervalMs` after
 * each run ends (runs never overlap). A failed run is reported and the schedule goes on. stop()
 * waits for a run under way and schedules nothing more.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs: number,
    private readonly firstDelayMs = intervalMs,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.task()
        .catch(this.onError)
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
