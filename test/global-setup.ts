import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildMigratedTemplate, TEMPLATE_ENV } from "./support/pglite-template.ts";

// Migrating a PGlite costs seconds: it is done once per run, here, and every test file clones the
// dump (test/support/db.ts). Workers are started after this and inherit the variable.
export default async function setup(): Promise<(() => void) | undefined> {
  // On Postgres every suite makes its own database from the migrations instead.
  if (process.env.TEST_DATABASE_URL) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-template-"));
  const path = join(dir, "migrated.tar");
  writeFileSync(path, Buffer.from(await (await buildMigratedTemplate()).arrayBuffer()));
  process.env[TEMPLATE_ENV] = path;
  return () => rmSync(dir, { recursive: true, force: true });
}
