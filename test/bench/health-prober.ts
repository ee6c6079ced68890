// The hostile section's /healthz prober: a child process of the benchmark (hostile-service.ts),
// so its questions are timed on an event loop of their own, not one that also signs 20,000-character
// hooks and answers Gatehouse's commits as the benchmark's Stream. Told { start: url } over IPC, it
// asks GET /healthz every PROBE_GAP_MS until told { stop: true }, then answers with every probe,
// timed on the machine's clock (performance.timeOrigin + performance.now(), which the benchmark
// compares with its own).

export interface HealthProbe {
  startedAt: number;
  endedAt: number;
}

export type ProberRequest = { start: string } | { stop: true };

/**
 * Between one /healthz answer and the next question: asked back to back, the questions kept a
 * core of this 2-vCPU machine busy and slowed the service they measure; a stall of the service
 * still holds the question asked during it, which answers at most this much later than it began.
 */
export const PROBE_GAP_MS = 2;

const clock = () => performance.timeOrigin + performance.now();

let running = false;
let loop: Promise<HealthProbe[]> = Promise.resolve([]);
/** Why the probing stopped early (a failed question), told at stop. */
let failure: unknown;

async function probe(url: string): Promise<HealthProbe[]> {
  const probes: HealthProbe[] = [];
  while (running) {
    const startedAt = clock();
    const answer = await fetch(`${url}/healthz`);
    await answer.arrayBuffer();
    if (!answer.ok) throw new Error(`/healthz answered ${answer.status}`);
    probes.push({ startedAt, endedAt: clock() });
    await new Promise((resolve) => setTimeout(resolve, PROBE_GAP_MS));
  }
  return probes;
}

process.on("message", async (request: ProberRequest) => {
  if ("start" in request) {
    running = true;
    failure = undefined;
    loop = probe(request.start).catch((error: unknown) => {
      failure = error;
      return [];
    });
    process.send?.({ ok: true });
    return;
  }
  running = false;
  const probes = await loop;
  if (failure === undefined) process.send?.({ ok: true, probes });
  else process.send?.({ ok: false, error: failure instanceof Error ? failure.message : String(failure) });
});
