import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { projectRoot } from "../support/process.ts";

// postgres.js 3.4.9 throws from a setImmediate when a connection's backend goes away with a write
// pending (porsager/postgres#1208, #1154): no try/catch can catch it, and the process dies. The
// guard is applied to the installed driver by patch-package at `npm install` (patches/); this runs
// the defect's reproduction as a real process on the installed driver.

function runScript(url: string): Promise<{ code: number | string; output: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/faults/scripts/dropped-connection.ts", url],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  // A driver that loses a query instead of settling it would hang the script: that fails too.
  const hung = setTimeout(() => child.kill("SIGKILL"), 45_000);
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearTimeout(hung);
      resolve({ code: code ?? signal ?? "unknown", output });
    });
  });
}

describeWithPostgres("fault: a Postgres connection dropped under the driver", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it("a transaction whose backend dies rejects, ten times over, and the process lives on", async () => {
    const { code, output } = await runScript(db.url!);
    expect(output).not.toMatch(/Cannot read properties of null/);
    expect(code, output).toBe(0);
    expect(output.trim().split("\n")).toEqual(["transactions rejected: 10 of 10", "survived"]);
  });
});
