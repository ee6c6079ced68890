import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Bounds on a hang, not on speed: waits inside tests poll with test/support/patience.ts, and
    // a test must outlast them to report what it was waiting for.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Suites on real Postgres each get their own database, so files may run side by side.
    pool: "forks",
  },
});
