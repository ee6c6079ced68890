import type { Service } from "../../src/service.ts";
import { ADMIN_TOKEN } from "./service.ts";

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  contentType: string | null;
}

/** Calls the review API in-process, as a moderation tool would. */
export async function api<T = Record<string, unknown>>(
  service: Service,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown } = {},
): Promise<ApiAnswer<T>> {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await service.app.request(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type");
  return {
    status: response.status,
    body: (text && contentType?.includes("json") ? JSON.parse(text) : text) as T,
    headers: response.headers,
    contentType,
  };
}
