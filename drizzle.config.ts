import { defineConfig } from "drizzle-kit";

// Migrations are generated from the schema and applied at start by the driver's own migrator,
// so the same SQL runs on embedded PGlite and on a Postgres server.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
