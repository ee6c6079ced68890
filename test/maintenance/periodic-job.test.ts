import { describe, expect, it } from "vitest";
import { PeriodicJob } from "../../src/maintenance/periodic-job.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a periodic background job", () => {
  it("runs again after a failed run, and the failure is reported", async () => {
    let runs = 0;
    const errors: unknown[] = [];
    const job = new PeriodicJob(
      async () => {
        runs++;
        if (runs === 1) throw new Error("first run fails");
      },
      (error) => errors.push(error),
      5,
      0,
    );
    job.start();
    while (runs < 3) await sleep(5);
    await job.stop();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/first run fails/);
  });

  it("stop waits for the run under way and nothing runs after it", async () => {
    let runs = 0;
    let finished = 0;
    const job = new PeriodicJob(
      async () => {
        runs++;
        await sleep(30);
        finished++;
      },
      () => {},
      1,
      0,
    );
    job.start();
    while (runs === 0) await sleep(1);
    await job.stop();
    expect(finished).toBe(runs);
    const after = runs;
    await sleep(50);
    expect(runs).toBe(after);
  });
});
