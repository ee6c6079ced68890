// Which of Stream's endpoints a request addresses. Shared by the simulator and by anything in
// front of it (fault injection) so both agree on what a call is.

export type StreamOperation = "commit" | "delete" | "get" | "app" | "unknown";

export interface StreamRoute {
  operation: StreamOperation;
  /** The message id, decoded from the path. */
  messageId: string | undefined;
  /** The name Stream puts in front of its error messages. */
  endpoint: string;
}

// The SDK's default base URL has no prefix; the v2 API serves the same endpoints under this one.
const V2_PREFIX = "/api/v2/chat";

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** @param rawPathname the pathname as sent, still percent-encoded */
export function classifyStreamCall(method: string, rawPathname: string): StreamRoute {
  const path = rawPathname.startsWith(`${V2_PREFIX}/`) ? rawPathname.slice(V2_PREFIX.length) : rawPathname;
  const verb = method.toUpperCase();

  const commit = /^\/messages\/([^/]+)\/commit$/.exec(path);
  if (commit?.[1] && verb === "POST") {
    return { operation: "commit", messageId: decodeSegment(commit[1]), endpoint: "CommitMessage" };
  }
  const message = /^\/messages\/([^/]+)$/.exec(path);
  if (message?.[1] && verb === "GET") {
    return { operation: "get", messageId: decodeSegment(message[1]), endpoint: "GetMessage" };
  }
  if (message?.[1] && verb === "DELETE") {
    return { operation: "delete", messageId: decodeSegment(message[1]), endpoint: "DeleteMessage" };
  }
  if (path === "/app" && verb === "GET") {
    return { operation: "app", messageId: undefined, endpoint: "GetApp" };
  }
  return { operation: "unknown", messageId: undefined, endpoint: "Unknown" };
}
