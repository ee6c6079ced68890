import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The only files of the package the page loads; nothing else in node_modules is reachable. */
const CONTENT_TYPES: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

const loaded = new Map<string, Buffer>();

/** One of Swagger UI's files (read once, then kept), or undefined for any other name. */
export function swaggerUiAsset(name: string): { body: Buffer; contentType: string } | undefined {
  const contentType = Object.hasOwn(CONTENT_TYPES, name) ? CONTENT_TYPES[name] : undefined;
  if (!contentType) return undefined;
  let body = loaded.get(name);
  if (!body) {
    body = readFileSync(join(PACKAGE_DIR, name));
    loaded.set(name, body);
  }
  return { body, contentType };
}
