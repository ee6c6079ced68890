import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** Runs `body` with the URL of a fresh database on `adminUrl`'s server, dropped afterwards. */
export async function withScratchDatabase<T>(
  adminUrl: string,
  body: (url: string) => Promise<T>,
): Promise<T> {
  const name = `gatehouse_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await body(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/**
 * The URL of a database kept from one run to the next (a seeded benchmark's), created when it
 * does not exist yet, dropped and created again when `reseed`.
 */
export async function keptDatabase(adminUrl: string, name: string, reseed: boolean): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const exists = (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
    if (exists && reseed) await admin.unsafe(`drop database ${name} with (force)`);
    if (!exists || reseed) await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
