import { promisify } from "node:util";
import { gunzip } from "node:zlib";

const gunzipAsync = promisify(gunzip);

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}
export class BadEncodingError extends Error {
  override name = "BadEncodingError";
}

/**
 * Reads the request body as raw bytes (the signature covers bytes, not a re-serialized JSON),
 * stopping as soon as it exceeds the limit so an oversized body is never held in memory whole.
 * A gzip body is inflated with the same limit on its output: Stream signs the uncompressed bytes.
 */
export async function readRawBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  const declared = length === null ? Number.NaN : Number(length);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new BodyTooLargeError(`body is ${declared} bytes; the limit is ${maxBytes} (MAX_BODY_BYTES)`);
  }
  // A declared length within the limit bounds the body already (the HTTP parser refuses more), so
  // it is read whole: on @hono/node-server that reads the socket directly, without building a web
  // stream and Request per hook. Otherwise (chunked) it is streamed and cut off at the limit.
  const bytes = Number.isFinite(declared)
    ? new Uint8Array(await request.arrayBuffer())
    : await readLimited(request, maxBytes);
  // An in-process caller (app.fetch) has no parser holding it to its declared length.
  if (bytes.byteLength > maxBytes) {
    throw new BodyTooLargeError(`body exceeds the limit of ${maxBytes} bytes (MAX_BODY_BYTES)`);
  }
  const encoding = request.headers.get("content-encoding")?.trim().toLowerCase();
  if (!encoding || encoding === "identity") return bytes;
  if (encoding !== "gzip") {
    throw new BadEncodingError(
      `Content-Encoding "${encoding}" is not supported; send the body plain or gzip-compressed`,
    );
  }
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      throw new BodyTooLargeError(
        `the uncompressed body exceeds the limit of ${maxBytes} bytes (MAX_BODY_BYTES)`,
      );
    }
    throw new BadEncodingError(`the body is not valid gzip: ${(error as Error).message}`);
  }
}

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`body exceeds the limit of ${maxBytes} bytes (MAX_BODY_BYTES)`);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
