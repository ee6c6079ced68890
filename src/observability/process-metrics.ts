import { collectDefaultMetrics, Registry } from "prom-client";

let registry: Registry | undefined;

/**
 * Node's own metrics, as operators of any Node service know them: event-loop lag (the first sign
 * of a message that stalls the service), heap and GC, open handles, CPU, memory, file
 * descriptors. One set per process, however many services it runs (the tests run many): the
 * collectors hook into the runtime, and a second set would only measure the same process again.
 */
export function processMetrics(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
