import { readdirSync, readFileSync } from "node:fs";

// CPU time per process from /proc (Linux), so the benchmark can say where a phase's CPU went:
// the service, Postgres (every postgres process on the machine), the load generator and the
// fake Stream. Elsewhere it reports nothing.

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of one process; 0 when it cannot be read. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process named `name` (e.g. all Postgres backends and workers). */
export function namedCpuSeconds(name: string): number {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name)
        total += processCpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const [cpu] = readFileSync("/proc/stat", "utf8").split("\n");
    const ticks = (cpu ?? "").trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return (ticks.reduce((a, b) => a + b, 0) - idle) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export interface CpuSnapshot {
  service: number;
  postgres: number;
  loader: number;
  benchProcess: number;
  machine: number;
}

export function cpuSnapshot(servicePid: number | undefined, loaderPid: number | undefined): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    service: servicePid ? processCpuSeconds(servicePid) : 0,
    postgres: namedCpuSeconds("postgres"),
    loader: loaderPid ? processCpuSeconds(loaderPid) : 0,
    benchProcess: (own.user + own.system) / 1e6,
    machine: machineBusySeconds(),
  };
}

export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return {
    service: after.service - before.service,
    postgres: after.postgres - before.postgres,
    loader: after.loader - before.loader,
    benchProcess: after.benchProcess - before.benchProcess,
    machine: after.machine - before.machine,
  };
}
