// Live queue changes from GET /api/events. Read with fetch, not EventSource, because the stream
// needs the Authorization header; reconnects on its own with a short backoff.
import { session } from "./api.js";

/** Calls onEvent({kind, id, ...}) for each queue change, onState("live" | "reconnecting"). Returns stop(). */
export function listenToQueue(onEvent, onState = () => {}) {
  const controller = new AbortController();
  let retryMs = 500;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch("/api/events", {
          headers: { authorization: `Bearer ${session.token}`, accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
        await readEvents(response.body, (name, data) => {
          if (name === "ready") {
            retryMs = 500;
            onState("live");
            // Whatever happened while disconnected: refetch.
            onEvent({ kind: "resync" });
          } else if (name === "queue") onEvent(JSON.parse(data));
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  run();
  return () => controller.abort();
}

async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let boundary = buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      onEvent(name, data.join("\n"));
      boundary = buffer.indexOf("\n\n");
    }
  }
}
