// Summarises a V8 CPU profile (`node --cpu-prof`, or BENCH_CPU_PROF with the HTTP benchmark):
// the functions and the files with the most self time.
// Usage: node --import tsx test/bench/cpu-profile-summary.ts <file.cpuprofile> [top=25] [--callers=name]
// With --callers, also the call chains that lead to the named function's self time.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const callersOf = args.find((a) => a.startsWith("--callers="))?.slice("--callers=".length);
const [file, topArg] = args.filter((a) => !a.startsWith("--"));
if (!file) {
  console.error("usage: cpu-profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

// Self time per node: each sample's time delta is charged to the node it landed in.
const selfUs = new Map<number, number>();
profile.samples.forEach((nodeId, i) => {
  selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
// Percentages are of busy time: the idle samples (waiting on I/O) are left out.
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
const idleUs = [...idleIds].reduce((sum, id) => sum + (selfUs.get(id) ?? 0), 0);
const totalUs = profile.endTime - profile.startTime - idleUs;

const shortUrl = (url: string) => {
  const path = url.replace(/^file:\/\//, "");
  return path.includes("/node_modules/")
    ? path.replace(/^.*\/node_modules\//, "~/")
    : path.replace(/^.*\/(src|test)\//, "$1/");
};

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0 || idleIds.has(node.id)) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "(native)";
  const fn = `${functionName || "(anonymous)"}  ${where}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const owner = url ? shortUrl(url).replace(/^~\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, "~/$1") : functionName;
  byFile.set(owner, (byFile.get(owner) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * us) / totalUs).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
  }
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s busy, ${(idleUs / 1e6).toFixed(1)} s idle`);
print("Self time by function", byFunction);
print("Self time by file or package", byFile);

if (callersOf) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const chains = new Map<string, number>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== callersOf) continue;
    const frames: string[] = [];
    for (let at = parentOf.get(node.id); at !== undefined && frames.length < 12; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      frames.push(`${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}`);
    }
    const key = frames.join(" < ");
    chains.set(key, (chains.get(key) ?? 0) + (selfUs.get(node.id) ?? 0));
  }
  print(`Callers of ${callersOf}`, chains);
}
