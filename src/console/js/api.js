// The console's only way to the data: the review API, with the moderator's bearer token.

const TOKEN_KEY = "gatehouse.token";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  /** {id, name, role} of the signed-in moderator, set at sign-in. */
  me: null,
};

/** A refusal of the API, with the problem's fields and a sentence a moderator can act on. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(explain(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

/** Calls the review API; answers the parsed JSON, or throws an ApiError. */
export async function api(method, path, { query, body, token = session.token } = {}) {
  const url = new URL(`/api${path}`, location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "network", detail: "The service did not answer." });
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text };
  }
  if (!response.ok) {
    if (response.status === 401 && token === session.token)
      window.dispatchEvent(new Event("gatehouse:signed-out"));
    throw new ApiError(response.status, parsed ?? {});
  }
  return parsed;
}

/** What a refusal means for the moderator, in words. */
export function explain(status, problem = {}) {
  const by = problem.claimed_by?.moderator_name;
  switch (problem.code) {
    case "claimed":
      return `${by ?? "Another moderator"} has claimed this message${
        problem.claimed_by?.expires_at
          ? ` until ${new Date(problem.claimed_by.expires_at).toLocaleTimeString()}`
          : ""
      }: leave it to them, or wait for the claim to expire.`;
    case "already_decided":
      return `Someone decided first: the message is already ${problem.current_status ?? "decided"}. Nothing was changed.`;
    case "message_expired":
      return "Too late: the message's deadline has passed, so Stream no longer holds it and nothing can be sent.";
    case "message_deleted":
      return "The message was deleted in Stream (the sender or an admin removed it) before anyone decided.";
    case "message_not_found":
      return "No message with this id is known to Gatehouse.";
    case "invalid_token":
      return "This token is unknown or its moderator has been disabled. Ask an admin for a new token.";
    case "unauthenticated":
      return "Sign in with your moderator token.";
    case "forbidden":
      return "Only admins may do this.";
    case "network":
      return "The service did not answer. Check your connection; nothing was changed.";
    default:
      return problem.detail ?? problem.title ?? `The service answered ${status}.`;
  }
}
