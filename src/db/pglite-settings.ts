import { PGlite } from "@electric-sql/pglite";

/**
 * Server settings for the embedded database. Postgres's defaults assume a server with a machine
 * of its own: PGlite allocates and touches its 128 MB of shared buffers inside this process at
 * start, which alone was a third of the service's memory. The embedded database serves one
 * small deployment, and the operating system's page cache keeps its files warm anyway, so a
 * small buffer pool costs no measurable throughput (see `npm run bench`).
 */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  ...["-c", "shared_buffers=16MB"],
  ...["-c", "wal_buffers=512kB"],
  ...["-c", "temp_buffers=2MB"],
  ...["-c", "work_mem=2MB"],
  ...["-c", "maintenance_work_mem=16MB"],
];
